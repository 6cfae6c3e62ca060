#!/usr/bin/env node
import "../heap-tuning.js";
import "../stdout-guard.js";
import { Command, Option } from "commander";
import { loadConfigFile, readJsonFile } from "../config.js";
import { asConnectorError, configError, type ConnectorError } from "../errors.js";
import { redact } from "../protocol/redact.js";
import { connect } from "../salesforce/connect.js";
import { discover } from "../catalog/discover.js";
import { runRead } from "../read/run.js";
import { about, aboutJson, aboutMarkdown, TAP_NAME } from "./about.js";
import { selectStreams, toSingerCatalog } from "./catalog.js";
import { bookmarksFromSingerState, toAirbyteStateInput } from "./state.js";
import { SingerWriter } from "./writer.js";
import { handleStopSignals, stoppedBy } from "../shutdown.js";

interface TapOptions {
  config?: string;
  discover?: boolean;
  catalog?: string;
  properties?: string;
  state?: string;
  about?: boolean;
  progress?: boolean;
  format: "json" | "markdown";
}

/**
 * The Singer tap: the Airbyte connector's config, discovery and sync, with Singer's command line
 * and messages. stdout carries only the catalog (--discover), the about document, or SCHEMA,
 * RECORD and STATE lines; everything else goes to stderr.
 */
const program = new Command()
  .name(TAP_NAME)
  .description("Singer tap for Salesforce")
  .version(about().version)
  .option("--config <file>", "config JSON file (the same fields as the Airbyte connector's spec.json)")
  .option("--discover", "print the Singer catalog of streams")
  .option("--catalog <file>", "Singer catalog with the selected streams and fields")
  .option("--properties <file>", "the same as --catalog (older Singer runners)")
  .option("--state <file>", "state from a previous run: the value of its last STATE message")
  .option("--about", "print the tap's name, version, capabilities and settings")
  .option("--progress", "a live progress line on stderr when it is a terminal (instead of progress log lines)")
  .addOption(new Option("--format <format>", "format of --about").choices(["json", "markdown"]).default("markdown"))
  .showHelpAfterError()
  .exitOverride((err) => {
    // Help and version are not failures; a usage error is.
    process.exit(err.exitCode);
  })
  .action((options: TapOptions) => run(options));

handleStopSignals((signal) => process.stderr.write(`WARN Received ${signal}: stopping.\n`));

async function run(options: TapOptions): Promise<void> {
  const writer = new SingerWriter({ configFile: options.config });
  try {
    if (options.about) await writer.document(options.format === "json" ? aboutJson() : aboutMarkdown());
    else if (options.discover) await discoverCommand(requireConfig(options), writer);
    else await syncCommand(options, requireConfig(options), writer);
    if (writer.failed) process.exitCode = 1;
  } catch (error) {
    await writer.flush();
    // After SIGTERM/SIGINT whatever failed failed because of the stop: say so, exit 143/130.
    const stop = stoppedBy();
    reportFailure(stop ?? asConnectorError(error));
    process.exitCode = stop?.exitCode ?? 1;
  }
}

function requireConfig(options: TapOptions): string {
  if (options.config === undefined) {
    throw configError(`--config FILE is required (the same config file as the Airbyte connector).`);
  }
  return options.config;
}

async function discoverCommand(configPath: string, writer: SingerWriter): Promise<void> {
  const config = await loadConfigFile(configPath);
  const client = await connect(config, writer);
  const catalog = await discover(client, config, writer.warn);
  const queryStreams = new Set((config.spec.query_streams ?? []).map((q) => q.name));
  await writer.document(JSON.stringify(toSingerCatalog(catalog, queryStreams), null, 2));
}

/** `logger` reports problems found before the sync's own writer exists (it knows the selected streams). */
async function syncCommand(options: TapOptions, configPath: string, logger: SingerWriter): Promise<void> {
  const syncStartedAt = new Date();
  const config = await loadConfigFile(configPath, syncStartedAt);
  const catalogPath = options.catalog ?? options.properties;
  if (catalogPath === undefined) {
    throw configError(
      "A sync needs --catalog FILE (or --properties FILE) with selected streams. Run with --discover to create the catalog, then select streams and fields.",
    );
  }
  const selection = selectStreams(
    await readJsonFile(catalogPath, options.catalog !== undefined ? "catalog" : "properties"),
    logger.warn,
  );
  const bookmarks =
    options.state === undefined ? {} : bookmarksFromSingerState(await readJsonFile(options.state, "state"));
  const writer = new SingerWriter({ streams: selection.streams, bookmarks, configFile: configPath });
  if (selection.catalog.streams.length === 0) {
    writer.warn("No stream is selected in the catalog: nothing to sync.");
    return;
  }
  try {
    await runRead(config, selection.catalog, toAirbyteStateInput(bookmarks), writer, {
      syncStartedAt,
      liveProgress: options.progress,
    });
  } finally {
    // Records and states already produced go out even when the sync fails.
    await writer.flush();
  }
  if (writer.failed) process.exitCode = 1;
}

/** Singer has no error message type: one line on stderr (the stack too for an unforeseen error). */
function reportFailure(error: ConnectorError): void {
  let text = `CRITICAL ${error.message}`;
  if (error.failureType === "system_error") {
    const stack = (error.cause instanceof Error ? error.cause.stack : undefined) ?? error.stack;
    if (stack) text += `\n${stack}`;
  }
  process.stderr.write(`${redact(text)}\n`);
}

await program.parseAsync(process.argv);
