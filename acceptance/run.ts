// npm run acceptance: builds the connector and this runner, then runs
//   node .tools-build/acceptance/run.js [--config file] [--connector file | --image [name]] [--only families]
// See runner.ts for what it checks, and the README section "Acceptance tests".
import { runAcceptance } from "./runner.js";

process.exitCode = await runAcceptance(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`));
