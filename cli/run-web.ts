import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ClickHouseClient } from "@clickhouse/client";
import { createFileTailer } from "../ingest/file-tailer.js";
import { resolveSite, sampleConnections } from "../ingest/outbound-samplers.js";
import type { AlertRow } from "../processors/account-ips/rows.js";
import { createWebPipeline } from "../processors/web-pipeline.js";
import { parseDuration } from "../runtime/duration.js";
import type { Logger } from "../runtime/logger.js";
import type { Metrics } from "../runtime/metrics.js";
import type { VigilConfig } from "../schemas/config.js";

/**
 * The web half of `vigil run`: tails the Apache and netfilter sources, runs
 * the socket and resolver samplers at their intervals, and commits with the
 * mail half's rhythm. Nothing starts unless the config has web sources or a
 * `web` section.
 */
export function webSources(config: VigilConfig) {
  return config.sources.filter((source) => source.kind !== "mail");
}

export function startWebWork(deps: {
  config: VigilConfig;
  client: ClickHouseClient;
  logger: Logger;
  metrics: Metrics;
  signal: AbortSignal;
  onAlert(alert: AlertRow): void;
}) {
  const { config, logger, signal } = deps;
  const pipeline = createWebPipeline({
    config,
    client: deps.client,
    logger,
    metrics: deps.metrics,
    statePath: join(config.data, "web-state.json"),
    onAlert: deps.onAlert,
  });
  const pollIntervalMs = parseDuration(config.tail.pollInterval, "tail.pollInterval");
  const work: Promise<void>[] = webSources(config).map(async (source) => {
    const tailer = createFileTailer({
      path: source.path,
      pollIntervalMs,
      checkpoints: { get: (sourceId) => pipeline.positions.get(sourceId), all: () => pipeline.positions.values() },
      logger,
    });
    // The next batch is read while the previous one is written (one write in flight: memory stays bounded).
    let writing: Promise<void> = Promise.resolve();
    for await (const { chunk, position } of tailer.chunks(signal)) {
      pipeline.processChunk(source, chunk, position);
      if (pipeline.pendingLines() >= config.tail.batchLines) {
        await writing;
        writing = pipeline.commit();
      }
    }
    await writing;
  });
  const web = config.web;
  if (web !== undefined) {
    const every = (interval: string, key: string, task: () => Promise<void>) => {
      const ms = parseDuration(interval, key);
      if (ms <= 0) return;
      work.push(
        (async () => {
          while (!signal.aborted) {
            await task().catch((error: unknown) => logger.warn({ error: String(error) }, `Sampling failed (${key})`));
            await sleep(ms, undefined, { signal: signal }).catch(() => undefined);
          }
        })(),
      );
    };
    every(web.sampler.interval, "web.sampler.interval", async () => {
      pipeline.observeConnections(await sampleConnections(web.sampler.command, pipeline.host, Date.now()));
    });
    every(web.resolver.interval, "web.resolver.interval", async () => {
      for (const domain of pipeline.sites())
        pipeline.observeResolution(await resolveSite(web.resolver.command, pipeline.host, domain, Date.now()));
    });
  }
  return { pipeline, done: Promise.all(work).then(() => undefined) };
}
