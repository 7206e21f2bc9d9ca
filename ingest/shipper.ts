import { hostname } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ClickHouseClient } from "@clickhouse/client";
import { CompressionTypes, type Kafka, type Message, type Producer } from "kafkajs";
import { IDEMPOTENT_PRODUCER } from "../bus/kafka.js";
import { loadStateFile, saveStateFile } from "../processors/state-file.js";
import { parseDuration } from "../runtime/duration.js";
import type { Logger } from "../runtime/logger.js";
import type { ShipMetrics } from "../runtime/ship-metrics.js";
import type { KafkaConfig, VigilConfig } from "../schemas/config.js";
import type { RawMailHeaders } from "../schemas/raw-mail-record.js";
import type { RawWebHeaders } from "../schemas/raw-web-record.js";
import { insertTsvRows } from "../store/insert-rows.js";
import { escapeTsv } from "../store/tsv.js";
import { createFileTailer } from "./file-tailer.js";
import type { SourcePosition } from "./line-chunk.js";
import { resolveSite, sampleConnections } from "./outbound-samplers.js";
import { splitIntoRuns } from "./split-records.js";

const SEND_TIMEOUT_MS = 30_000;
const DISCONNECT_WAIT_MS = 3_000;

/** Resolves or rejects with `work`, rejects after `timeoutMs` or when `signal` aborts. */
function untilAnswered<T>(work: Promise<T>, timeoutMs: number, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Kafka did not answer a send within ${timeoutMs} ms`)), timeoutMs);
    const onAbort = () => reject(new Error("stopped while waiting for Kafka"));
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    });
  });
}

export type ShipperDeps = {
  config: VigilConfig;
  kafkaConfig: KafkaConfig;
  kafka: Kafka;
  logger: Logger;
  metrics: ShipMetrics;
  /** Where `vigil status` finds the positions (optional: a shipper needs no store). */
  store?: ClickHouseClient;
};

export type Shipper = {
  run(signal: AbortSignal): Promise<void>;
  /**
   * Since when lines have been waiting for the broker with nothing acknowledged: the later of the last
   * acknowledged send and the moment lines began to be held; null while nothing is held.
   */
  waitingSince(): number | null;
  /** Lines read but not yet acknowledged by the broker. */
  holding(): number;
};

/**
 * `vigil ship`: tails the configured sources (the same tailer as `vigil run`)
 * and produces their raw lines to the raw topic, keyed by host. One chunk per
 * source is in flight at a time, so memory is bounded whatever the broker
 * does; when the broker is slow or away, sending is retried with a capped
 * backoff and reading waits. A file's checkpoint advances only after the
 * broker acknowledged its lines (idempotent producer, acks from all replicas).
 */
export function createShipper(deps: ShipperDeps): Shipper {
  const { config, kafkaConfig, logger, metrics } = deps;
  const host = kafkaConfig.ship.host ?? hostname();
  const statePath = join(config.data, "ship-state.json");
  const saved = loadStateFile(statePath);
  const positions = new Map<string, SourcePosition>();
  for (const position of saved?.positions ?? []) positions.set(position.sourceId, position);
  let lastAck = Date.now();
  let held = 0;
  let heldSince = 0;
  /** One producer for every source, created on first use and again after a failure. */
  let producer: Promise<Producer> | null = null;
  const connected = (): Promise<Producer> => {
    producer ??= (async () => {
      const fresh = deps.kafka.producer(IDEMPOTENT_PRODUCER);
      await fresh.connect();
      return fresh;
    })();
    return producer;
  };
  /** Forgets the producer and disconnects it; a caller need not wait (its connect may still be retrying). */
  const dropProducer = (): Promise<void> => {
    const stale = producer;
    producer = null;
    return stale?.then((old) => old.disconnect()).catch(() => undefined) ?? Promise.resolve();
  };

  const send = async (
    messages: Message[],
    lines: number,
    signal: AbortSignal,
    topic = kafkaConfig.topics.rawMail.name,
  ) => {
    let backoff = 500;
    let warned = false;
    if (held === 0) heldSince = Date.now();
    held += lines;
    metrics.holding.set(held);
    for (;;) {
      const stop = metrics.sendSeconds.startTimer();
      try {
        // A connect or send the broker never answers (away, or restarted mid-request) counts as failed after
        // a while, and a stop request waits for neither: unacknowledged lines are sent again at the next start.
        const current = await untilAnswered(connected(), SEND_TIMEOUT_MS, signal);
        await untilAnswered(
          current.send({
            topic,
            messages,
            acks: -1,
            compression: CompressionTypes.GZIP,
          }),
          SEND_TIMEOUT_MS,
          signal,
        );
        stop();
        held -= lines;
        metrics.holding.set(held);
        lastAck = Date.now();
        if (warned) logger.warn({ lines }, "Kafka is reachable again: shipping resumed");
        return;
      } catch (error) {
        metrics.errors.inc({ stage: "ship" });
        if (!warned) {
          logger.warn(
            { err: error instanceof Error ? error.message : String(error), holding: held },
            "Kafka did not acknowledge: holding the lines back and retrying (nothing is lost; the file checkpoint waits)",
          );
          warned = true;
        }
        void dropProducer();
        if (signal.aborted) throw error;
        await sleep(backoff, undefined, { signal }).catch(() => undefined);
        if (signal.aborted) throw error;
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
  };

  let unpublished = false;
  const checkpoint = async () => {
    await saveStateFile(statePath, { savedAt: new Date().toISOString(), positions: [...positions.values()] });
    unpublished = true;
  };
  /** Positions into the store for `vigil status` (at most every 2 s; best effort). */
  const publish = async () => {
    if (deps.store === undefined || !unpublished) return;
    unpublished = false;
    const now = Date.now();
    const rows = [...positions.values()].map((position) =>
      [escapeTsv(host), escapeTsv(position.path), position.sourceId, position.inode, position.offset, now].join("\t"),
    );
    await insertTsvRows(deps.store, {
      table: "ship_positions",
      columns: ["host", "path", "source_id", "inode", "offset", "updated_at"],
      rows,
    }).catch((error: unknown) =>
      logger.warn({ err: String(error) }, "could not record shipper positions in the store"),
    );
  };

  const shipSource = async (source: VigilConfig["sources"][number], signal: AbortSignal) => {
    const tailer = createFileTailer({
      path: source.path,
      pollIntervalMs: parseDuration(config.tail.pollInterval, "tail.pollInterval"),
      checkpoints: { get: (sourceId) => positions.get(sourceId), all: () => positions.values() },
      logger,
    });
    for await (const { chunk, position } of tailer.chunks(signal)) {
      const runs = splitIntoRuns(chunk.data, chunk.startOffset, kafkaConfig.ship.maxRecordBytes);
      let lines = 0;
      const isMail = source.kind === "mail";
      const messages: Message[] = runs.map((run) => {
        lines += run.lines;
        const headers: RawMailHeaders | RawWebHeaders = isMail
          ? {
              host,
              path: chunk.path,
              source: chunk.sourceId,
              inode: String(position.inode),
              offset: String(run.offset),
              format: source.format,
              ...(source.host === undefined ? {} : { "default-host": source.host }),
            }
          : {
              kind: source.kind as RawWebHeaders["kind"],
              host: source.host ?? host,
              path: chunk.path,
              source: chunk.sourceId,
              inode: String(position.inode),
              offset: String(run.offset),
              format: source.format,
              ...(source.vhost === undefined ? {} : { vhost: source.vhost }),
            };
        return { key: host, value: run.data, headers };
      });
      const topic = isMail ? kafkaConfig.topics.rawMail.name : kafkaConfig.topics.rawWeb.name;
      for (let start = 0; start < messages.length; start += kafkaConfig.ship.batchRecords) {
        await send(
          messages.slice(start, start + kafkaConfig.ship.batchRecords),
          start === 0 ? lines : 0,
          signal,
          topic,
        );
      }
      metrics.lines.inc(lines);
      metrics.bytes.inc(chunk.data.length);
      metrics.records.inc(messages.length);
      positions.set(position.sourceId, position);
      await checkpoint();
    }
  };

  /** The web server's sockets and resolutions, sampled at their intervals, as records of their own (no checkpoint: a sample is of its moment). */
  const shipSamples = (signal: AbortSignal): Promise<void>[] => {
    const web = config.web;
    if (web === undefined) return [];
    const webHost = web.host ?? host;
    const sites = new Set([...web.sites.map((site) => site.domain), ...web.expected.hosts]);
    const loop = (interval: string, key: string, task: () => Promise<Message[]>) =>
      (async () => {
        const ms = parseDuration(interval, key);
        while (ms > 0 && !signal.aborted) {
          const messages = await task().catch((error: unknown) => {
            logger.warn({ err: String(error) }, `sampling failed (${key})`);
            return [] as Message[];
          });
          if (messages.length > 0) await send(messages, 0, signal, kafkaConfig.topics.rawWeb.name);
          await sleep(ms, undefined, { signal }).catch(() => undefined);
        }
      })();
    const header = (kind: RawWebHeaders["kind"]): RawWebHeaders => ({ kind, host: webHost });
    return [
      loop(web.sampler.interval, "web.sampler.interval", async () => {
        const events = await sampleConnections(web.sampler.command, webHost, Date.now());
        return events.length === 0
          ? []
          : [{ key: host, value: JSON.stringify(events), headers: header("conn-sample") }];
      }),
      loop(web.resolver.interval, "web.resolver.interval", async () => {
        const answers = await Promise.all(
          [...sites].map((domain) => resolveSite(web.resolver.command, webHost, domain, Date.now())),
        );
        return answers.map((answer) => ({ key: host, value: JSON.stringify(answer), headers: header("resolution") }));
      }),
    ];
  };

  return {
    async run(signal) {
      const timer = setInterval(() => void publish(), 2_000);
      try {
        await Promise.all([...config.sources.map((source) => shipSource(source, signal)), ...shipSamples(signal)]);
      } catch (error) {
        // Stopped while Kafka was away: what was not acknowledged is sent again at the next start.
        if (!signal.aborted) throw error;
        logger.warn("stopped before Kafka acknowledged every line read; they will be sent at the next start");
      } finally {
        clearInterval(timer);
        await publish();
        // A clean disconnect when the broker is there; no wait for a connect that is still retrying.
        await Promise.race([dropProducer(), sleep(DISCONNECT_WAIT_MS)]);
      }
    },
    waitingSince: () => (held === 0 ? null : Math.max(lastAck, heldSince)),
    holding: () => held,
  };
}
