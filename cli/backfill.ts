import { statSync } from "node:fs";
import { Command } from "commander";
import { createBackfillProgress } from "../ingest/backfill-progress.js";
import { importMailFiles } from "../processors/mail-import.js";
import { takeParseWorker } from "../processors/parse-worker/early-parse-worker.js";
import type { MailParseWorker } from "../processors/parse-worker/mail-parse-worker.js";
import { loadStateFile } from "../processors/state-file.js";
import { InputError } from "../runtime/errors.js";
import { withGlobalOptions } from "./global-options.js";
import { loadConfig } from "./load-config.js";
import type { OpenPipeline } from "./open-pipeline.js";
import { formatAlertLine } from "./print-alert.js";
import { runAction } from "./run-action.js";
import { describeStore, statePathOf } from "./store-location.js";

export function backfillCommand(): Command {
  return withGlobalOptions(new Command("backfill"))
    .description(
      "import history from log files (plain or .gz) with a progress bar; importing a file twice changes nothing",
    )
    .argument("<files...>", "log files, plain or gzip")
    .option("--format <name>", "parser id, a fieldMaps name, awk-login, or auto", "auto")
    .option("--host <name>", "host name for lines whose envelope carries none")
    .option("--quiet-alerts", "do not print alerts as they fire")
    .action(
      runAction(async (files: string[], options: Record<string, string | boolean>) => {
        // The parse worker started before this module loaded (bin/vigil.ts), or starts now; it is closed on
        // every path (a worker left running keeps the process from ending).
        const worker = takeParseWorker();
        try {
          return await backfill(worker, files, options);
        } finally {
          await worker.close();
        }
      }),
    );
}

/** Imports `files` through the embedded pipeline, parsed on `worker`; prints what was imported. */
async function backfill(
  worker: MailParseWorker,
  files: string[],
  options: Record<string, string | boolean>,
): Promise<number> {
  const config = loadConfig(options as Record<string, string>);
  let totalBytes = 0;
  for (const file of files) {
    try {
      totalBytes += statSync(file).size;
    } catch (cause) {
      throw new InputError(`cannot read ${file}`, "check the path; backfill takes plain or .gz log files", cause);
    }
  }
  const quiet = options.quietAlerts === true;
  // The files are read and parsed first, and the store opens (its modules load, the engine starts) while the
  // worker parses the first chunks; the aggregation goes on while the tables migrate (the first commit waits
  // for them). Where earlier runs got to is in the state file, read first.
  const saved = loadStateFile(statePathOf(config));
  const positions = new Map((saved?.positions ?? []).map((position) => [position.sourceId, position]));
  let opening = null as Promise<OpenPipeline> | null;
  const open = (): Promise<OpenPipeline> =>
    (opening ??= import("./open-pipeline.js").then(({ openPipeline }) =>
      openPipeline(config, {
        migrating: "meanwhile",
        verbose: options.verbose === true,
        saved,
        onAlert: (alert) => {
          if (!quiet) process.stdout.write(formatAlertLine(alert));
        },
      }),
    ));
  const progress = createBackfillProgress({ totalBytes, enabled: process.stderr.isTTY === true });
  const started = Date.now();
  try {
    const imported = await importMailFiles({
      worker,
      pipeline: () => open().then((opened) => opened.pipeline),
      positions,
      config,
      files: files.map((path) => ({
        path,
        format: String(options.format ?? "auto"),
        ...(typeof options.host === "string" ? { host: options.host } : {}),
      })),
      progress,
    });
    progress.stop();
    const { pipeline } = await open();
    const counters = pipeline.counters();
    const seconds = (Date.now() - started) / 1000;
    for (const file of imported) {
      if (file.alreadyImportedBytes > 0) {
        process.stderr.write(`${file.path}: ${file.alreadyImportedBytes} bytes were imported before, skipped\n`);
      }
    }
    process.stderr.write(
      `${counters.lines} lines in ${seconds.toFixed(1)} s: ${counters.events} authentication events, ` +
        `${counters.skipped} other lines, ${counters.unparsed} unparsed (kept in unparsed_lines); ` +
        `late for their window: ${pipeline.stats().lateEvents}; store: ${describeStore(config)}\n`,
    );
    if (counters.events === 0 && counters.lines > 0) {
      process.stderr.write(
        "no authentication event was recognised: if these logs have a layout of their own, describe it under fieldMaps " +
          "in the config (or try --format awk-login), check a few lines with: vigil parse --kind mail < FILE, and import again " +
          `into a new --data folder (this one records the file as imported: ${config.data})\n`,
      );
    }
    return 0;
  } finally {
    progress.stop();
    await opening?.then(
      ({ client }) => client.close(),
      () => undefined, // the failure to open is the one importMailFiles threw
    );
  }
}
