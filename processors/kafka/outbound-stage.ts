import { CompressionTypes, type Consumer, type KafkaMessage, type Message, type Producer } from "kafkajs";
import { headerStrings, IDEMPOTENT_PRODUCER, stageConsumerConfig } from "../../bus/kafka.js";
import { parseDuration } from "../../runtime/duration.js";
import { ConnEventSchema, ResolutionSchema } from "../../schemas/outbound-evidence.js";
import { RawWebHeadersSchema } from "../../schemas/raw-web-record.js";
import { WebConfigSchema } from "../../schemas/web-config.js";
import { loadCheckpoint, saveCheckpoint } from "../../store/processor-checkpoints.js";
import { encodeAlertRow } from "../mail-rows.js";
import {
  createOutboundProcessor,
  type OutboundProcessor,
  type OutboundSnapshot,
} from "../outbound/outbound-processor.js";
import { createWebLineReader, type WebSourceKind } from "../web-line-reader.js";
import { emptyWebRows, insertWebRows, type WebRows } from "../web-rows.js";
import { webRowsSink } from "../web-rows-sink.js";
import { deadLetter } from "./dead-letter.js";
import { createGroupConsumer, startStageMember } from "./group-consumer.js";
import type { RunningStage, StageDeps } from "./parse-stage.js";

const STAGE = "outbound";

/**
 * The outbound stage of `vigil process`: the web servers' evidence
 * (`vigil.raw.web`, keyed by host, so one worker sees all of a host's
 * evidence) through the outbound processor. Per batch of a partition: the
 * rows, the alerts to `vigil.alerts` and the dead letters, then a checkpoint
 * (the processor's state as of the next offset, in `processor_checkpoints`),
 * then the offset. A restarted or rebalanced worker restores the checkpoint
 * and skips what it covers, so counts go on exactly; a write that fails drops
 * the partition's state, so the batch is read again from the checkpoint (its
 * alerts published at least once, never lost after a checkpoint).
 */
export async function startOutboundStage(deps: StageDeps): Promise<RunningStage> {
  const { kafkaConfig, logger, stageMetrics } = deps;
  const web = deps.config.web ?? WebConfigSchema.parse({});
  const learningMs = parseDuration(web.learningPeriod, "web.learningPeriod");
  const topic = kafkaConfig.topics.rawWeb.name;
  const partitions = new Map<number, { processor: OutboundProcessor; nextOffset: bigint }>();
  const readers = new Map<string, ReturnType<typeof createWebLineReader>>();
  const producer: Producer = deps.kafka.producer(IDEMPOTENT_PRODUCER);
  await producer.connect();
  let lastProgress = Date.now();

  const partitionState = async (partition: number) => {
    let state = partitions.get(partition);
    if (state === undefined) {
      const processor = createOutboundProcessor({ config: web, learningMs });
      const saved = await loadCheckpoint(deps.client, { stage: STAGE, topic, partition });
      if (saved !== null) processor.restore(JSON.parse(saved.state) as OutboundSnapshot);
      state = { processor, nextOffset: saved === null ? 0n : BigInt(saved.nextOffset) };
      partitions.set(partition, state);
    }
    return state;
  };

  const readerFor = (kind: WebSourceKind, format: string, host: string, vhost: string) => {
    const key = `${kind}\u0000${format}\u0000${host}\u0000${vhost}`;
    let reader = readers.get(key);
    if (reader === undefined) {
      if (readers.size >= 256) readers.clear();
      reader = createWebLineReader({ kind, format, host, vhost });
      readers.set(key, reader);
    }
    return reader;
  };

  const read = (
    message: KafkaMessage,
    partition: number,
    processor: OutboundProcessor,
    rows: WebRows,
    dead: Message[],
  ): number => {
    const where = { stage: STAGE, topic, partition, offset: message.offset };
    const parsed = RawWebHeadersSchema.safeParse(headerStrings(message.headers));
    if (!parsed.success || message.value === null) {
      dead.push(
        deadLetter(
          message,
          parsed.success
            ? "record has no value"
            : `bad headers: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
          where,
        ),
      );
      return 0;
    }
    const header = parsed.data;
    try {
      if (header.kind === "conn-sample") {
        const events = ConnEventSchema.array().parse(JSON.parse(message.value.toString("utf8")));
        for (const event of events) {
          rows.connections.push(event);
          processor.observeConnection(event);
        }
        return events.length;
      }
      if (header.kind === "resolution") {
        const resolution = ResolutionSchema.parse(JSON.parse(message.value.toString("utf8")));
        rows.resolutions.push(resolution);
        processor.observeResolution(resolution);
        return 1;
      }
      if (header.source === undefined || header.offset === undefined)
        throw new Error("a line record needs source and offset headers");
      const current = { sourceId: header.source, path: header.path ?? "" };
      const reader = readerFor(header.kind, header.format ?? "auto", header.host, header.vhost ?? "");
      return reader.readChunk(
        message.value,
        Number(header.offset),
        header.source,
        webRowsSink({ rows: () => rows, processor, source: current, format: header.format ?? "", kind: header.kind }),
      );
    } catch (error) {
      dead.push(deadLetter(message, `unreadable: ${error instanceof Error ? error.message : String(error)}`, where));
      return 0;
    }
  };

  const runWith = (consumer: Consumer) =>
    consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (batch.messages.length === 0 || !isRunning() || isStale()) return;
        const stop = stageMetrics.batchSeconds.startTimer({ stage: STAGE });
        const state = await partitionState(batch.partition);
        const rows = emptyWebRows();
        const dead: Message[] = [];
        let lines = 0;
        let last = "";
        for (const message of batch.messages) {
          if (!isRunning() || isStale()) break;
          last = message.offset;
          // Already in the checkpoint's state: counted before a crash or by the partition's previous owner.
          if (BigInt(message.offset) < state.nextOffset) continue;
          lines += read(message, batch.partition, state.processor, rows, dead);
        }
        if (last === "" || !isRunning() || isStale()) return;
        const changes = state.processor.collect();
        const next = BigInt(last) + 1n;
        try {
          await insertWebRows(
            deps.client,
            { ...rows, destinations: changes.destinations, alerts: changes.alerts.map(encodeAlertRow) },
            deps.metrics,
          );
          // Alerts and dead letters before the checkpoint that covers them: sent after it, a failed send lost
          // them (the state restored from that checkpoint never raised them again).
          if (changes.alerts.length > 0) {
            await producer.send({
              topic: kafkaConfig.topics.alerts.name,
              messages: changes.alerts.map((alert) => ({ key: alert.subject, value: JSON.stringify(alert) })),
              acks: -1,
              compression: CompressionTypes.GZIP,
            });
            for (const alert of changes.alerts) deps.metrics.alerts.inc({ kind: alert.kind });
          }
          if (dead.length > 0) {
            await producer.send({ topic: kafkaConfig.topics.dlq.name, messages: dead, acks: -1 });
            stageMetrics.deadLetters.inc({ stage: STAGE }, dead.length);
          }
          await saveCheckpoint(
            deps.client,
            { stage: STAGE, topic, partition: batch.partition },
            next.toString(),
            JSON.stringify(state.processor.snapshot()),
          );
        } catch (error) {
          // The batch is folded into a state no checkpoint holds: dropped, so that the batch, read again
          // (kafkajs retries it, or the next owner reads it), is folded into the checkpoint's state once.
          if (partitions.get(batch.partition) === state) partitions.delete(batch.partition);
          stageMetrics.errors.inc({ stage: STAGE });
          throw error;
        }
        state.nextOffset = next;
        resolveOffset(last);
        // Through the member that read the batch: a fresh one that replaced it may have committed further.
        await consumer.commitOffsets([{ topic, partition: batch.partition, offset: next.toString() }]);
        stageMetrics.linesIn.inc({ stage: STAGE }, lines);
        stageMetrics.lag.set(
          { stage: STAGE, partition: String(batch.partition) },
          Math.max(0, Number(batch.offsetLag())),
        );
        lastProgress = Date.now();
        stop();
        await heartbeat();
      },
    });

  const group = createGroupConsumer({
    create: () => deps.kafka.consumer(stageConsumerConfig(kafkaConfig, kafkaConfig.groups.outbound)),
    topic,
    // After a rebalance another worker may have moved a partition on: state is reloaded from its checkpoint.
    configure: (consumer) => consumer.on(consumer.events.GROUP_JOIN, () => partitions.clear()),
    run: runWith,
    logger,
  });
  return startStageMember({ group, producer, logger, lastProgressAt: () => lastProgress });
}
