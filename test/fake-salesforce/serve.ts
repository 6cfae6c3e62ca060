// Standalone launcher for manual use: starts the fake with the default org, prints one JSON line
// {url, credentials} and runs until killed. Node 20 cannot run .ts directly; use Vite's runner:
//   node --input-type=module -e "await (await import('vite')).runnerImport('./test/fake-salesforce/serve.ts')"
// Optional env: FAKE_SF_RECORDS=N gives every default object N generated rows.
import { defaultObjects, startFakeSalesforce } from "./index.js";

const records = process.env.FAKE_SF_RECORDS ? Number(process.env.FAKE_SF_RECORDS) : undefined;
const objects =
  records === undefined
    ? undefined
    : defaultObjects().map((o) => (typeof o.records === "function" ? o : { ...o, records }));
const fake = await startFakeSalesforce({ objects });
process.stdout.write(`${JSON.stringify({ url: fake.url, credentials: fake.credentials })}\n`);

const shutdown = (): void => {
  void fake.stop().then(() => process.exit(0));
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
