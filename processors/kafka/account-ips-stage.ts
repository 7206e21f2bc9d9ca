import { CompressionTypes, type Consumer, type Message, type Producer } from "kafkajs";
import { z } from "zod";
import { IDEMPOTENT_PRODUCER, stageConsumerConfig } from "../../bus/kafka.js";
import { parseDuration } from "../../runtime/duration.js";
import { loadCheckpoint, saveCheckpoint } from "../../store/processor-checkpoints.js";
import { type AccountIpsProcessor, createAccountIpsProcessor } from "../account-ips/account-ips-processor.js";
import type { AsnDatabase } from "../account-ips/asn-database.js";
import type { AlertRow } from "../account-ips/rows.js";
import { StateSnapshotSchema } from "../account-ips/state-snapshot.js";
import { encodeAccountRows, insertEncoded } from "../mail-rows.js";
import { deadLetter } from "./dead-letter.js";
import { createGroupConsumer } from "./group-consumer.js";
import { leaving } from "./leave-quietly.js";
import { decodeEvent, unpackEvents } from "./mail-auth-records.js";
import type { RunningStage, StageDeps } from "./parse-stage.js";

/** What a partition's checkpoint holds: the aggregation's state and the highest offset counted per source. */
const PartitionStateSchema = z.object({
  version: z.literal(1),
  seen: z.array(z.tuple([z.string(), z.number()])),
  accountIps: StateSnapshotSchema,
});

type PartitionState = {
  processor: AccountIpsProcessor;
  /** The group member whose batches this state folds: its offsets are committed and its position moved through it only. */
  consumer: Consumer;
  /** First offset of the partition not folded yet (null: nothing folded and no checkpoint). */
  nextOffset: bigint | null;
  /** Per source: the highest line offset counted. Events of one source reach a partition in order, so anything at or below it is a redelivery. */
  seen: Map<string, number>;
  lastData: Map<string, number>;
  /** Offset covered by the last checkpoint written. */
  savedOffset: bigint | null;
  /** Offset last committed to the consumer group by this worker. */
  committedOffset: bigint | null;
  /** Offset covered by the last checkpoint known to be in the store (the one loaded, or the last written). */
  writtenOffset: bigint | null;
  lastFlush: number;
  /** The last batch reached the partition's end: a checkpoint soon costs little and shows the counts sooner. */
  caughtUp: boolean;
  /** How long the last checkpoint took: early checkpoints may use at most a tenth of the time. */
  lastFlushMs: number;
  /** Checkpoints being written, in order. */
  writing: Promise<void>;
  /** A checkpoint write failed: this state is dropped and nothing more of it is written. */
  failed: boolean;
};

/** A caught-up partition checkpoints after this long even if the commit interval is longer. */
const CAUGHT_UP_COMMIT_MS = 1_000;

/**
 * The account-ips stage of `vigil process`: mail auth events
 * (`vigil.events.mail-auth`, keyed by user) in; per partition, the same
 * aggregation as the embedded pipeline. Every commit interval a partition's
 * rows are written, then its alerts are published to `vigil.alerts`, then its
 * checkpoint (state and next offset, one row in `processor_checkpoints`) is
 * saved and the Kafka offset committed: an alert is published at least once
 * (a failure or crash before the checkpoint raises it again from the previous
 * one; `vigil serve` does not repeat an action within the hour). A worker
 * that takes a partition (restart, rebalance) loads the checkpoint and skips
 * what it covers, so the counts continue exactly; redelivered events (a parse
 * worker replaying after a crash) are recognised by their source offset and
 * not counted twice.
 */
export async function startAccountIpsStage(deps: StageDeps & { asnDatabase: AsnDatabase }): Promise<RunningStage> {
  const { kafkaConfig, logger, stageMetrics, client } = deps;
  const topic = kafkaConfig.topics.mailAuth.name;
  const stage = kafkaConfig.groups.accountIps;
  const commitMs = parseDuration(kafkaConfig.commitInterval, "kafka.commitInterval");
  const idleMs = parseDuration(deps.config.accountIps.lateness, "accountIps.lateness");
  const states = new Map<number, PartitionState>();
  let lock: Promise<void> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const next = lock.then(work);
    lock = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  };

  const createConsumer = (): Consumer => deps.kafka.consumer(stageConsumerConfig(kafkaConfig, stage));
  const producer: Producer = deps.kafka.producer(IDEMPOTENT_PRODUCER);
  const admin = deps.kafka.admin();
  const disconnectClients = async () => {
    await leaving(producer.disconnect(), logger);
    await leaving(admin.disconnect(), logger);
  };
  try {
    await admin.connect();
    await producer.connect();
  } catch (error) {
    await disconnectClients();
    throw error;
  }
  // Partitions may have moved: whatever this worker holds is reloaded from the store on the next batch.
  let assigned: number[] = [];
  let joins = 0;
  const configure = (consumer: Consumer) => {
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      joins += 1;
      states.clear();
      assigned = event.payload.memberAssignment[topic] ?? [];
    });
  };
  let lastProgress = Date.now();
  let stopping = false;

  /**
   * Whether a state still speaks for its partition: only then are its checkpoints saved and its offsets
   * committed. A state dropped by a rebalance (or a failed write) may still be writing an old checkpoint
   * (its alerts' publish retried while the broker was away); saved and committed after the partition's
   * next state (here or on another worker) went further, it would move the checkpoint and the group's
   * offset back, and nothing would move the offset forward again: the owner had read past it ("committed
   * 3, end 6" until the worker stopped). Its rows and alerts are still written: the next state writes the
   * same again. While stopping, a dropped state whose partition is still assigned here, with no newer
   * state, still speaks for it: it is the newest this worker knows of it.
   */
  const holds = (partition: number, state: PartitionState) =>
    states.get(partition) === state || (stopping && !states.has(partition) && assigned.includes(partition));

  const load = async (partition: number, consumer: Consumer): Promise<PartitionState> => {
    const joinsAtStart = joins;
    const processor = createAccountIpsProcessor({
      config: deps.config.accountIps,
      asnDatabase: deps.asnDatabase,
      writeEveryChange: true,
    });
    const saved = await loadCheckpoint(client, { stage, topic, partition });
    const state: PartitionState = {
      processor,
      consumer,
      nextOffset: null,
      seen: new Map(),
      lastData: new Map(),
      savedOffset: null,
      committedOffset: null,
      writtenOffset: null,
      lastFlush: Date.now(),
      caughtUp: false,
      lastFlushMs: 0,
      writing: Promise.resolve(),
      failed: false,
    };
    if (saved !== null) {
      const parsed = PartitionStateSchema.parse(JSON.parse(saved.state));
      processor.restore(parsed.accountIps);
      state.seen = new Map(parsed.seen);
      state.nextOffset = BigInt(saved.nextOffset);
      state.savedOffset = state.nextOffset;
    } else {
      // Never checkpointed: this partition is counted from its first record, wherever the fetch position is.
      const offsets = await admin.fetchTopicOffsets(topic);
      state.nextOffset = BigInt(offsets.find((entry) => entry.partition === partition)?.low ?? "0");
    }
    state.writtenOffset = state.nextOffset;
    // A rebalance while the checkpoint loaded: the state folds the batch at hand but holds nothing.
    if (joins === joinsAtStart) states.set(partition, state);
    logger.info({ partition, nextOffset: saved?.nextOffset ?? "start" }, "account-ips: partition state loaded");
    return state;
  };

  /** Moves the group's offset to what the checkpoint covers (only saves replaying and feeds lag figures). */
  const commitOffset = async (partition: number, state: PartitionState, offset: bigint) => {
    // While stopping, a commit refused because the group is rebalancing (another worker just left) is tried
    // again once the group has settled, so the group's offsets (what `vigil status` shows) match the checkpoints.
    const attempts = stopping ? 8 : 1;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      // A commit queued behind a checkpoint's write that then failed covers records no checkpoint holds.
      if (state.failed || !holds(partition, state)) return;
      try {
        await state.consumer.commitOffsets([{ topic, partition, offset: offset.toString() }]);
        state.committedOffset = offset;
        return;
      } catch (error) {
        if (attempt === attempts) {
          logger.info(
            { partition, err: String(error) },
            "account-ips: offset commit refused (rebalance); the checkpoint holds",
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  };

  /**
   * Moves the fetch position of a partition whose state was dropped back to its last checkpoint written:
   * the records after it are read again (those the checkpoint the store holds covers are skipped), so the
   * state is loaded again and its counts, rows and offset commit follow. Without it, a partition with
   * nothing new to read got no batch that would load it: its records after the checkpoint waited for the
   * next record to arrive, and its group offset lagged (a checkpoint's publish failing while the broker
   * was away left "committed 4, end 6" until the worker stopped).
   */
  const readAgainFrom = (partition: number, state: PartitionState, offset: bigint | null) => {
    // A newer state of the partition (after a rebalance) reads on from its own position.
    if (stopping || offset === null || states.has(partition)) return;
    try {
      state.consumer.seek({ topic, partition, offset: offset.toString() });
    } catch (error) {
      logger.debug({ partition, err: String(error) }, "account-ips: seeking back to the checkpoint failed");
    }
  };

  const checkpointDue = (state: PartitionState, age: number) =>
    age >= commitMs || (state.caughtUp && age >= Math.max(CAUGHT_UP_COMMIT_MS, 10 * state.lastFlushMs));

  /**
   * Takes a checkpoint of the partition: what changed and the state, in one synchronous step, then
   * writes them (rows, alerts, checkpoint, offset) in the background, in order, while folding goes on.
   * A failed write drops the partition's state: it is reloaded from the last checkpoint that was written
   * and the records after it are read again, so nothing is lost. `final` waits for the writes.
   */
  const flush = async (partition: number, state: PartitionState, final: boolean) => {
    if (state.nextOffset === null) return;
    if (state.nextOffset === state.savedOffset && !final) {
      // Nothing new, but the group's offset may lag the checkpoint (the previous owner left before committing).
      if (state.savedOffset !== null && state.committedOffset !== state.savedOffset) {
        const covered = state.savedOffset;
        state.writing = state.writing.then(() => commitOffset(partition, state, covered));
      }
      return;
    }
    // At most one checkpoint of a partition is being written while the next is folded: memory stays bounded.
    await state.writing;
    if (state.failed) return;
    const now = Date.now();
    for (const [sourceId, at] of state.lastData) {
      if (now - at > idleMs) {
        state.processor.finishSource(sourceId);
        state.lastData.delete(sourceId);
      }
    }
    const changes = state.processor.collect(final ? { flushOpen: true } : {});
    const rows = encodeAccountRows(changes);
    const snapshot = JSON.stringify({ version: 1, seen: [...state.seen], accountIps: state.processor.snapshot() });
    const offset = state.nextOffset;
    state.savedOffset = offset;
    state.lastFlush = now;
    const write = async () => {
      if (state.failed) return;
      const stop = stageMetrics.batchSeconds.startTimer({ stage: "account-ips" });
      const began = Date.now();
      try {
        await insertEncoded(client, { events: [], unparsed: [], ...rows }, deps.metrics);
        // Before the checkpoint that covers them: alerts published after it were lost when the publish
        // failed (the state reloaded from that checkpoint never raised them again).
        await publishAlerts(changes.alerts);
        if (!holds(partition, state)) return;
        await saveCheckpoint(client, { stage, topic, partition }, offset.toString(), snapshot);
      } catch (error) {
        state.failed = true;
        if (states.get(partition) === state) states.delete(partition);
        stageMetrics.errors.inc({ stage: "account-ips" });
        logger.warn(
          { partition, err: error instanceof Error ? error.message : String(error) },
          "account-ips: writing a checkpoint failed; the partition is read again from its last checkpoint",
        );
        readAgainFrom(partition, state, state.writtenOffset);
        return;
      }
      state.writtenOffset = offset;
      state.lastFlushMs = Date.now() - began;
      await commitOffset(partition, state, offset);
      stop();
    };
    state.writing = state.writing.then(write);
    if (final) await state.writing;
  };

  const publishAlerts = async (alerts: AlertRow[]) => {
    if (alerts.length === 0) return;
    const messages: Message[] = alerts.map((alert) => ({ key: alert.subject, value: JSON.stringify(alert) }));
    await producer.send({
      topic: kafkaConfig.topics.alerts.name,
      messages,
      acks: -1,
      compression: CompressionTypes.GZIP,
    });
    for (const alert of alerts) deps.metrics.alerts.inc({ kind: alert.kind });
    stageMetrics.recordsOut.inc({ stage: "account-ips" }, alerts.length);
  };

  const timer = setInterval(
    () => {
      exclusive(async () => {
        for (const [partition, state] of states) {
          const age = Date.now() - state.lastFlush;
          if (checkpointDue(state, age)) await flush(partition, state, false);
        }
      }).catch((error: unknown) => {
        stageMetrics.errors.inc({ stage: "account-ips" });
        logger.warn({ err: String(error) }, "account-ips: checkpoint failed; retrying at the next interval");
      });
    },
    Math.max(100, Math.floor(Math.min(commitMs, CAUGHT_UP_COMMIT_MS) / 2)),
  );

  const runWith = (consumer: Consumer) =>
    consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        // While stopping, a batch is left to the next owner at once: waiting behind the final checkpoints
        // would hold kafkajs' loop, which sends the heartbeats and rejoins a rebalancing group.
        if (batch.messages.length === 0 || !isRunning() || isStale() || stopping) return;
        await exclusive(async () => {
          if (stopping) return;
          const partition = batch.partition;
          const state = states.get(partition) ?? (await load(partition, consumer));
          const first = BigInt(batch.firstOffset() ?? "0");
          if (state.nextOffset !== null && first > state.nextOffset) {
            // The fetch position ran past what this state covers (it was reloaded): go back to the checkpoint.
            consumer.seek({ topic, partition, offset: state.nextOffset.toString() });
            return;
          }
          const dead: Message[] = [];
          let folded = 0;
          let duplicates = 0;
          const batchTime = Date.now();
          for (const message of batch.messages) {
            const offset = BigInt(message.offset);
            if (state.nextOffset !== null && offset < state.nextOffset) continue;
            state.nextOffset = offset + 1n;
            const where = { stage: "account-ips", topic, partition, offset: message.offset };
            for (const line of unpackEvents(message.value ?? Buffer.alloc(0))) {
              const event = decodeEvent(line);
              if (typeof event === "string") {
                dead.push(
                  deadLetter({ ...message, value: Buffer.from(line) }, `not a mail auth event: ${event}`, where),
                );
                continue;
              }
              const seen = state.seen.get(event.source_id);
              if (seen !== undefined && event.offset <= seen) {
                duplicates += 1;
                continue;
              }
              state.seen.set(event.source_id, event.offset);
              if (!state.lastData.has(event.source_id)) state.processor.resumeSource(event.source_id);
              state.lastData.set(event.source_id, batchTime);
              state.processor.fold({
                ts: event.ts,
                user: event.user,
                ip: event.ip,
                success: event.success,
                sourceId: event.source_id,
                offset: event.offset,
              });
              folded += 1;
            }
          }
          if (dead.length > 0) {
            try {
              await producer.send({ topic: kafkaConfig.topics.dlq.name, messages: dead, acks: -1 });
            } catch (error) {
              // The batch is folded, its dead letters not sent: the next checkpoint would cover them, so the
              // state is dropped and the partition read again from its last checkpoint written.
              state.failed = true;
              if (states.get(partition) === state) states.delete(partition);
              stageMetrics.errors.inc({ stage: "account-ips" });
              logger.warn(
                { partition, err: error instanceof Error ? error.message : String(error) },
                "account-ips: sending dead letters failed; the partition is read again from its last checkpoint",
              );
              readAgainFrom(partition, state, state.writtenOffset);
              return;
            }
            stageMetrics.deadLetters.inc({ stage: "account-ips" }, dead.length);
            logger.warn({ count: dead.length, partition }, "records sent to the dead-letter topic");
          }
          resolveOffset(batch.lastOffset());
          state.caughtUp = Number(batch.offsetLag()) === 0;
          const age = Date.now() - state.lastFlush;
          if (checkpointDue(state, age)) await flush(partition, state, false);
          stageMetrics.linesIn.inc({ stage: "account-ips" }, folded);
          stageMetrics.duplicates.inc({ stage: "account-ips" }, duplicates);
          stageMetrics.lag.set(
            { stage: "account-ips", partition: String(partition) },
            Math.max(0, Number(batch.offsetLag())),
          );
          lastProgress = Date.now();
        });
        await heartbeat();
      },
    });

  const group = createGroupConsumer({ create: createConsumer, topic, configure, run: runWith, logger });
  const pauseFetching = () => {
    try {
      group.current().pause([{ topic }]);
    } catch (error) {
      logger.debug({ err: String(error) }, "account-ips: pausing the consumer before stopping failed");
    }
  };
  try {
    await group.start();
  } catch (error) {
    clearInterval(timer);
    await group.disconnect();
    await disconnectClients();
    throw error;
  }

  return {
    async stop() {
      clearInterval(timer);
      // Every partition this worker holds writes its open windows' latest counts (also those idle since the
      // last rebalance) and commits its offset while this worker is still a member of the group; batches
      // arriving meanwhile are left to the next owner. Fetching pauses, but the consumer's loop goes on
      // heartbeating, so a slow final checkpoint neither costs the membership nor blocks a rebalance.
      stopping = true;
      pauseFetching();
      const unwritten: number[] = [];
      await exclusive(async () => {
        for (const partition of new Set([...assigned, ...states.keys()])) {
          const state = states.get(partition) ?? (await load(partition, group.current()));
          await flush(partition, state, true);
          if (state.failed) unwritten.push(partition);
        }
      });
      await group.disconnect();
      await leaving(producer.disconnect(), logger);
      await leaving(admin.disconnect(), logger);
      if (unwritten.length > 0) {
        throw new Error(
          `the last checkpoint of account-ips partition(s) ${unwritten.join(", ")} could not be written (the warnings above say why); nothing is lost: the next worker reads them again from the checkpoint before`,
        );
      }
    },
    lastProgressAt: () => lastProgress,
  };
}
