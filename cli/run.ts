import { Command } from "commander";
import { type ActionService, startActionService } from "../actions/action-service.js";
import { alertFromVigil } from "../actions/incoming-alert.js";
import { createFileTailer } from "../ingest/file-tailer.js";
import { readSourceId } from "../ingest/read-file-chunks.js";
import type { AlertRow } from "../processors/account-ips/rows.js";
import { createMailLineParser } from "../processors/parse/mail-line-parser.js";
import { parseDuration } from "../runtime/duration.js";
import { InputError } from "../runtime/errors.js";
import { withGlobalOptions } from "./global-options.js";
import { loadConfig } from "./load-config.js";
import { openPipeline } from "./open-pipeline.js";
import { formatAlertLine } from "./print-alert.js";
import { runService } from "./run-action.js";
import { startWebWork, webSources } from "./run-web.js";
import { serveMetricsIfAsked, withMetricsOptions } from "./serve-metrics.js";
import { describeStore } from "./store-location.js";

export function runCommand(): Command {
  return withMetricsOptions(withGlobalOptions(new Command("run")))
    .description(
      "tail the configured log files, keep results in the store and print alerts as they fire; SIGINT or SIGTERM flushes, commits and exits 0",
    )
    .action(
      runService(async (options: Record<string, string | boolean>) => {
        const config = loadConfig(options as Record<string, string>);
        if (config.sources.length === 0 && config.web === undefined) {
          throw new InputError(
            "the config lists no sources to tail",
            "add sources: [{ path: /var/log/maillog }] (see vigil.example.yaml)",
          );
        }
        let actionService: ActionService | null = null;
        const mailSources = config.sources.filter((source) => source.kind === "mail");
        // Alerts the rules are still deciding on (their audit rows are written before the store closes).
        const alertsInHand = new Set<Promise<void>>();
        const onAnyAlert = (alert: AlertRow) => {
          process.stdout.write(formatAlertLine(alert));
          // The embedded bus: alerts go straight to the rules when actions.rules is set.
          if (actionService === null) return;
          const handled = actionService.dispatcher
            .handle(alertFromVigil(alert))
            .then(
              () => undefined,
              (error: unknown) => {
                logger.warn(
                  { error: error instanceof Error ? error.message : String(error) },
                  "Handling an alert failed",
                );
              },
            )
            .finally(() => alertsInHand.delete(handled));
          alertsInHand.add(handled);
        };
        const { pipeline, client, logger, metrics } = await openPipeline(config, {
          verbose: options.verbose === true,
          onAlert: onAnyAlert,
        });
        if (config.actions.rules !== undefined) {
          actionService = await startActionService({ config, client, logger, registry: metrics.registry });
          process.stderr.write(
            `alerts to actions by ${config.actions.rules}; webhooks and approvals on ${actionService.url}\n`,
          );
        }
        const flushMs = parseDuration(config.tail.flushInterval, "tail.flushInterval");
        const idleMs = parseDuration(config.accountIps.lateness, "accountIps.lateness");
        const controller = new AbortController();
        const stop = () => controller.abort();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        let failure: unknown = null;
        let lastCommitOk = Date.now();
        const metricsServer = await serveMetricsIfAsked(options, metrics.registry, () => {
          const age = Date.now() - lastCommitOk;
          return age < flushMs * 10 + 30_000
            ? { ok: true, detail: `ok: last commit ${age} ms ago` }
            : { ok: false, detail: `no successful commit for ${age} ms` };
        });

        const lastData = new Map<string, number>();
        const webWork =
          webSources(config).length > 0 || config.web !== undefined
            ? startWebWork({
                config,
                client,
                logger,
                metrics,
                signal: controller.signal,
                onAlert: (alert) => onAnyAlert(alert),
              })
            : null;
        const commit = async () => {
          await webWork?.pipeline.commit();
          const now = Date.now();
          for (const [sourceId, at] of lastData) if (now - at > idleMs) pipeline.finishSource(sourceId);
          await pipeline.commit();
          lastCommitOk = Date.now();
        };
        const timer = setInterval(() => {
          commit().catch((error: unknown) => {
            failure = error;
            controller.abort();
          });
        }, flushMs);

        // Every file that exists is declared before any is read: a file read first must not close
        // the windows the others still have lines for (their lines would count as late).
        for (const source of mailSources) {
          const sourceId = await readSourceId(source.path).catch(() => "");
          if (sourceId !== "") {
            pipeline.beginSource(sourceId);
            pipeline.resumeSource(sourceId);
          }
        }
        const consumers = mailSources.map(async (source) => {
          const parser = createMailLineParser({
            format: source.format,
            fieldMaps: config.fieldMaps,
            timezone: config.timezone,
            referenceTime: Date.now(),
            ...(source.host === undefined ? {} : { defaultHost: source.host }),
          });
          const tailer = createFileTailer({
            path: source.path,
            pollIntervalMs: parseDuration(config.tail.pollInterval, "tail.pollInterval"),
            checkpoints: {
              get: (sourceId: string) => pipeline.positions.get(sourceId),
              all: () => pipeline.positions.values(),
            },
            logger,
          });
          for await (const { chunk, position } of tailer.chunks(controller.signal)) {
            pipeline.beginSource(chunk.sourceId);
            pipeline.resumeSource(chunk.sourceId);
            lastData.set(chunk.sourceId, Date.now());
            pipeline.processChunk(parser, chunk, position);
            if (pipeline.pendingLines() >= config.tail.batchLines) await commit();
          }
        });
        process.stderr.write(
          `tailing ${config.sources.length} source(s) into ${describeStore(config)}; Ctrl-C to stop\n`,
        );
        try {
          await Promise.all([...consumers, webWork?.done]);
        } catch (error) {
          failure ??= error;
        } finally {
          clearInterval(timer);
        }
        try {
          if (failure === null) {
            await webWork?.pipeline.commit();
            await pipeline.commit({ final: true });
          }
        } finally {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          await metricsServer?.close();
          await Promise.all(alertsInHand);
          await actionService?.close();
          await client.close();
        }
        if (failure !== null) throw failure;
        const counters = pipeline.counters();
        const web = webWork?.pipeline.counters();
        process.stderr.write(
          `stopped: ${counters.lines} lines, ${counters.events} events` +
            (web === undefined
              ? ""
              : `; web: ${web.lines} lines, ${web.requests} requests, ${web.connections} connections seen`) +
            ", checkpoints committed\n",
        );
        return 0;
      }),
    );
}
