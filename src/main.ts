#!/usr/bin/env node
import "./heap-tuning.js";
import "./stdout-guard.js";
import { Command } from "commander";
import { loadConfigFile } from "./config.js";
import { asConnectorError, ConnectorError } from "./errors.js";
import { MessageWriter } from "./protocol/writer.js";
import { connectorSpecification } from "./schema-files.js";
import { check } from "./commands/check.js";
import { discover } from "./catalog/discover.js";
import { connect } from "./salesforce/connect.js";
import { read } from "./commands/read.js";
import { handleStopSignals, stoppedBy } from "./shutdown.js";
import type { ConnectorSpecification } from "./protocol/types.js";

const writer = new MessageWriter();
handleStopSignals((signal) => writer.warn(`Received ${signal}: stopping.`));

/**
 * Runs a command; a failure becomes one TRACE error and exit code 1, as the Airbyte CDK does. After
 * SIGTERM/SIGINT whatever failed failed because of the stop: the error says so, the exit code is 143/130.
 */
async function run(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    const stop = stoppedBy();
    await writer.traceError(stop ?? asConnectorError(error));
    await writer.flush();
    process.exitCode = stop?.exitCode ?? 1;
  }
  await writer.flush();
}

const program = new Command()
  .name("source-salesforce")
  .description("Airbyte source connector for Salesforce")
  .showHelpAfterError()
  .exitOverride((err) => {
    // Help and version are not failures; a usage error is.
    process.exit(err.exitCode);
  });

program
  .command("spec")
  .description("print the connector specification")
  .action(() =>
    run(async () => {
      await writer.emit({ type: "SPEC", spec: connectorSpecification as unknown as ConnectorSpecification });
    }),
  );

program
  .command("check")
  .description("check that the config can log in and use the API")
  .requiredOption("--config <path>", "config JSON file")
  .action((options: { config: string }) =>
    run(async () => {
      try {
        await check(await loadConfigFile(options.config), writer);
      } catch (error) {
        // A failed check is a CONNECTION_STATUS, not a crash; only bugs stay system errors.
        if (!(error instanceof ConnectorError)) throw error;
        await writer.emit({
          type: "CONNECTION_STATUS",
          connectionStatus: { status: "FAILED", message: error.message },
        });
      }
    }),
  );

program
  .command("discover")
  .description("print the catalog of streams")
  .requiredOption("--config <path>", "config JSON file")
  .action((options: { config: string }) =>
    run(async () => {
      const config = await loadConfigFile(options.config);
      const client = await connect(config, writer);
      const catalog = await discover(client, config, writer.warn);
      await writer.emit({ type: "CATALOG", catalog });
    }),
  );

program
  .command("read")
  .description("read records of the configured streams")
  .requiredOption("--config <path>", "config JSON file")
  .requiredOption("--catalog <path>", "configured catalog JSON file")
  .option("--state <path>", "state JSON file")
  .option("--progress", "a live progress line on stderr when it is a terminal (instead of progress LOG lines)")
  .action((options: { config: string; catalog: string; state?: string; progress?: boolean }) =>
    run(async () => {
      await read(options, writer);
    }),
  );

await program.parseAsync(process.argv);
