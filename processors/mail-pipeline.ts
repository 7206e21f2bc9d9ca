import type { ClickHouseClient } from "@clickhouse/client";
import type { LineChunk, SourcePosition } from "../ingest/line-chunk.js";
import type { Logger } from "../runtime/logger.js";
import type { Metrics } from "../runtime/metrics.js";
import type { VigilConfig } from "../schemas/config.js";
import type { ParsedMailAuth } from "../schemas/mail-auth-event.js";
import { createAccountIpsProcessor } from "./account-ips/account-ips-processor.js";
import type { AsnDatabase } from "./account-ips/asn-database.js";
import type { AlertRow } from "./account-ips/rows.js";
import { encodeEventRow, encodeUnparsedRow } from "./mail-event-rows.js";
import {
  blocksOf,
  type DerivedRows,
  encodeAccountRows,
  insertDerived,
  insertEvidence,
  type RowsBlock,
} from "./mail-rows.js";
import type { MailLineParser } from "./parse/mail-line-parser.js";
import type { ParsedMailChunk } from "./parse-worker/parsed-mail-chunk.js";
import { loadStateFile, type PipelineState, prepareStateReplacement } from "./state-file.js";

export type PipelineCounters = { lines: number; bytes: number; events: number; skipped: number; unparsed: number };

export type MailPipeline = {
  /** Positions restored from the state file, by source id. */
  readonly positions: ReadonlyMap<string, SourcePosition>;
  /** Declares a source before its first chunk, so the watermark waits for it. */
  beginSource(sourceId: string): void;
  finishSource(sourceId: string): void;
  resumeSource(sourceId: string): void;
  /** Parses and aggregates one chunk (synchronous, no IO) and records the position reached. */
  processChunk(parser: MailLineParser, chunk: LineChunk, position: SourcePosition): void;
  /** Aggregates a chunk the parse worker parsed (its rows already encoded) and records the position reached. */
  processParsed(parsed: ParsedMailChunk, position: SourcePosition): void;
  /** Aggregates the parsed chunks that wait for their batch (while the parse worker has nothing ready). */
  foldPending(): void;
  /** Lines parsed but not yet acknowledged by the store. */
  pendingLines(): number;
  /**
   * Writes every pending row, then the state and positions in one atomic file. Serialised.
   * `saveState: false` writes only the events and unparsed lines (the aggregation's rows wait for the next
   * commit that saves state); `final` also writes every open window's latest counts (at shutdown and at the
   * end of an import).
   */
  commit(options?: { closeAll?: boolean; saveState?: boolean; final?: boolean }): Promise<void>;
  /**
   * Closes the windows the watermark has passed and keeps their last rows for the next commit, writing
   * nothing: an import closes windows every `tail.batchLines` (few open windows) but writes less often
   * (fewer, larger parts for the store to merge). Synchronous.
   */
  holdClosedWindows(): void;
  counters(): PipelineCounters;
  stats(): ReturnType<ReturnType<typeof createAccountIpsProcessor>["stats"]>;
};

export type MailPipelineDeps = {
  config: VigilConfig;
  client: ClickHouseClient;
  asnDatabase: AsnDatabase;
  logger: Logger;
  metrics: Metrics;
  statePath: string;
  /** Settles once the store can take rows (migrated): every commit waits for it. Ready when not given. */
  storeReady?: Promise<void>;
  /** The state file's content when the caller read it already (`loadStateFile(statePath)`); read here otherwise. */
  saved?: PipelineState | null;
  onAlert?: (alert: AlertRow) => void;
};

/**
 * The embedded mail pipeline: parse -> account-ips -> store, with checkpoints
 * that advance only after the store acknowledged the rows that depend on them.
 */
export function createMailPipeline(deps: MailPipelineDeps): MailPipeline {
  const { client, logger, metrics } = deps;
  const processor = createAccountIpsProcessor({ config: deps.config.accountIps, asnDatabase: deps.asnDatabase });
  const saved = deps.saved === undefined ? loadStateFile(deps.statePath) : deps.saved;
  const positions = new Map<string, SourcePosition>();
  if (saved !== null) {
    for (const position of saved.positions) positions.set(position.sourceId, position);
    if (saved.accountIps !== null) processor.restore(saved.accountIps);
  }
  const counters: PipelineCounters = { lines: 0, bytes: 0, events: 0, skipped: 0, unparsed: 0 };
  let eventRows: string[] = [];
  let eventBlocks: RowsBlock[] = [];
  let unparsedRows: string[] = [];
  let heldWindows: RowsBlock[] = [];
  let pending = 0;
  let chain: Promise<void> = Promise.resolve();
  let current: { sourceId: string; path: string } = { sourceId: "", path: "" };

  const sink = {
    event(event: ParsedMailAuth, offset: number) {
      eventRows.push(encodeEventRow(event, current.sourceId, offset));
      processor.fold({
        ts: event.ts,
        user: event.user,
        ip: event.ip,
        success: event.success,
        sourceId: current.sourceId,
        offset,
      });
      counters.events += 1;
    },
    unparsed(line: Buffer, offset: number, reason: string) {
      unparsedRows.push(encodeUnparsedRow(line, offset, reason, current));
      counters.unparsed += 1;
    },
    skipped(count: number) {
      counters.skipped += count;
    },
  };

  const doCommit = async (options: { closeAll?: boolean; saveState?: boolean; final?: boolean }) => {
    await deps.storeReady;
    // Everything below is taken in one synchronous step, so the rows written and
    // the state saved describe the same set of lines, whatever arrives meanwhile.
    // The events and unparsed lines, encoded already, go to the store first, while this thread collects
    // and encodes what the aggregation derived (at the end of an import: 0.25 s of collecting, encoding
    // and the snapshot that the store used to wait for); the derived rows follow once the events are in.
    const insertingEvidence = insertEvidence(
      client,
      { events: eventRows, eventBlocks: blocksOf(eventBlocks), unparsed: unparsedRows },
      metrics,
    );
    insertingEvidence.catch(() => undefined); // awaited below, through `inserting`
    eventRows = [];
    eventBlocks = [];
    unparsedRows = [];
    // A commit that saves no state writes only the last rows of the windows that closed: changed records
    // and windows wait for the next save (they would be re-derived from the last saved state after a crash
    // anyway), so each is written once per save rather than once per batch.
    const changes =
      options.saveState === false
        ? processor.collect({ closedOnly: true })
        : processor.collect({
            ...(options.closeAll === undefined ? {} : { closeAll: options.closeAll }),
            ...(options.final === true ? { flushOpen: true } : {}),
          });
    const encoded = encodeAccountRows(changes);
    const derived: DerivedRows = { ...encoded, windows: blocksOf([...heldWindows, encoded.windows]) };
    heldWindows = [];
    const accounts = options.saveState === false ? null : processor.encodeState();
    const committedPositions = [...positions.values()];
    const lines = pending;
    pending = 0;
    const inserting = insertingEvidence.then(() => insertDerived(client, derived, metrics));
    inserting.catch(() => undefined); // awaited below
    // The state is written beside the state file while the store inserts (this thread would wait);
    // it takes the state file's place once the store acknowledged the rows.
    const replacement =
      accounts === null
        ? null
        : prepareStateReplacement(
            deps.statePath,
            { savedAt: new Date().toISOString(), positions: committedPositions },
            accounts,
          );
    let replaced = false;
    try {
      await inserting;
      for (const alert of changes.alerts) {
        metrics.alerts.inc({ kind: alert.kind });
        deps.onAlert?.(alert);
      }
      if (replacement !== null) {
        await replacement.commit();
        replaced = true;
        metrics.commits.inc();
      }
    } finally {
      if (replacement !== null && !replaced) await replacement.abandon();
    }
    const stats = processor.stats();
    metrics.users.set(stats.users);
    metrics.lateEvents.set(stats.lateEvents);
    logger.debug({ lines, alerts: changes.alerts.length }, "Committed");
  };

  return {
    positions,
    beginSource: (sourceId) => processor.beginSource(sourceId),
    finishSource: (sourceId) => processor.finishSource(sourceId),
    resumeSource: (sourceId) => processor.resumeSource(sourceId),
    processChunk(parser, chunk, position) {
      current = { sourceId: chunk.sourceId, path: chunk.path };
      const before = counters.events + counters.skipped + counters.unparsed;
      parser.parseChunk(chunk.data, chunk.startOffset, sink);
      const lines = counters.events + counters.skipped + counters.unparsed - before;
      counters.lines += lines;
      counters.bytes += chunk.data.length;
      pending += lines;
      metrics.linesRead.inc({ kind: "mail" }, lines);
      metrics.bytesRead.inc(chunk.data.length);
      positions.set(position.sourceId, position);
    },
    processParsed(parsed, position) {
      processor.foldParsed(parsed);
      eventBlocks.push({ bytes: parsed.eventRows, rows: parsed.events });
      for (const row of parsed.unparsedRows) unparsedRows.push(row);
      counters.events += parsed.events;
      counters.skipped += parsed.skipped;
      counters.unparsed += parsed.unparsed;
      counters.lines += parsed.lines;
      const bytes = parsed.endOffset - parsed.startOffset;
      counters.bytes += bytes;
      pending += parsed.lines;
      metrics.linesRead.inc({ kind: "mail" }, parsed.lines);
      metrics.bytesRead.inc(bytes);
      positions.set(position.sourceId, position);
    },
    foldPending: () => processor.foldPending(),
    pendingLines: () => pending,
    holdClosedWindows() {
      heldWindows.push(encodeAccountRows(processor.collect({ closedOnly: true })).windows);
    },
    commit(options = {}) {
      const next = chain.then(() => doCommit(options));
      chain = next.catch(() => undefined);
      return next;
    },
    counters: () => ({ ...counters }),
    stats: () => processor.stats(),
  };
}
