import { parseDuration } from "../../runtime/duration.js";
import { ConfigError } from "../../runtime/errors.js";
import { createNetworkList } from "../../runtime/network-list.js";
import type { AccountIpsConfig } from "../../schemas/config.js";
import type { ParsedMailChunk } from "../parse-worker/parsed-mail-chunk.js";
import { createAccountState, flushSourceWatermark } from "./account-state.js";
import { type EncodedAccountState, encodeAccountState } from "./account-state-binary.js";
import { addressLocator } from "./address-locator.js";
import type { AsnDatabase } from "./asn-database.js";
import { type Changes, collectChanges } from "./collect-changes.js";
import { windowDescriber } from "./describe-window.js";
import { type AuthFact, type FoldContext, foldEvent } from "./fold-event.js";
import { foldParsedChunks, ParsedPairNames } from "./fold-parsed-chunks.js";
import { restoreState, type StateSnapshot, snapshotState } from "./state-snapshot.js";

/** Watermark of a declared source that has sent nothing yet: holds every window open. */
const NOT_STARTED = Number.MIN_SAFE_INTEGER;

/**
 * Parsed chunks are folded together, grouped by user, once this many events wait (or whenever anything
 * else is asked of the processor): the more logins of one user a batch holds, the fewer times its state
 * is fetched from memory. Imports collect every `tail.batchLines` lines, which bounds a batch first.
 */
export const FOLD_BATCH_EVENTS = 1 << 18;

export type AccountIpsProcessor = {
  fold(fact: AuthFact): void;
  /**
   * Folds a chunk parsed by the parse worker (same result as folding its events one by one). The fold
   * may wait for the next chunks (see FOLD_BATCH_EVENTS); every other call folds what waits first.
   */
  foldParsed(chunk: ParsedMailChunk): void;
  /** Folds the parsed chunks that wait now (the thread would otherwise wait for the parse worker). */
  foldPending(): void;
  /** Declares a source before its first event, so windows stay open until it has caught up. */
  beginSource(sourceId: string): void;
  /** A finished or idle source sends again. */
  resumeSource(sourceId: string): void;
  /** The source will send nothing more (end of a backfilled file): it no longer holds the watermark back. */
  finishSource(sourceId: string): void;
  /** `closedOnly`: only the last rows of the windows that close now (see CollectContext). */
  collect(options?: { closeAll?: boolean; flushOpen?: boolean; closedOnly?: boolean }): Changes;
  snapshot(): StateSnapshot;
  /** The state in its binary form (what `snapshot` describes, made without formatting it): the embedded pipeline's state file. */
  encodeState(): EncodedAccountState;
  restore(snapshot: StateSnapshot): void;
  stats(): { users: number; addresses: number; openWindows: number; lateEvents: number; watermark: number };
};

/**
 * The per-user distinct-IP aggregation: (user, ip) history, event-time
 * windows with distinct addresses, networks, ASNs and countries, verdicts and
 * alerts. Memory is bounded by users × their addresses and open windows.
 */
export function createAccountIpsProcessor(deps: {
  config: AccountIpsConfig;
  asnDatabase: AsnDatabase;
  /**
   * Write every window a collection finds changed (its logins and failures current at every checkpoint),
   * not only those that gained an address: the scaled-out stage, whose last checkpoint of a partition may
   * be written by any worker, uses it so the final rows never depend on which worker stopped last.
   */
  writeEveryChange?: boolean;
}): AccountIpsProcessor {
  const { config, asnDatabase } = deps;
  const windows = config.windows.map((name, index) => ({
    name,
    size: parseDuration(name, `accountIps.windows[${index}]`),
    alertAt: config.thresholds[name]?.networks ?? Number.POSITIVE_INFINITY,
  }));
  for (const { name } of windows) {
    if (config.thresholds[name] === undefined) {
      throw new ConfigError(
        `accountIps.thresholds`,
        `window "${name}" has no thresholds`,
        `add accountIps.thresholds.${name}: { networks, asns, countries }`,
      );
    }
  }
  const lateness = parseDuration(config.lateness, "accountIps.lateness");
  const allowlistedUsers = new Set(config.allowlist.users.map((user) => user.trim().toLowerCase()));
  const allowlistedNetworks = createNetworkList(config.allowlist.cidrs, "accountIps.allowlist.cidrs");
  const windowNames = windows.map((window) => window.name);
  let state = createAccountState(windowNames);
  let finished = new Set<string>();
  const pairNames = new ParsedPairNames();
  let waiting: ParsedMailChunk[] = [];
  let waitingEvents = 0;

  const locate = addressLocator(asnDatabase);
  const allowlistedAddress =
    config.allowlist.cidrs.length === 0 ? () => false : (ip: string) => allowlistedNetworks.has(ip);

  const watermark = (): number => {
    flushSourceWatermark(state);
    let lowest = Number.POSITIVE_INFINITY;
    let highest = Number.NEGATIVE_INFINITY;
    for (const [sourceId, ts] of state.sourceWatermarks) {
      if (ts > highest) highest = ts;
      if (!finished.has(sourceId) && ts < lowest) lowest = ts;
    }
    return Number.isFinite(lowest) ? lowest : highest === NOT_STARTED ? Number.NEGATIVE_INFINITY : highest;
  };

  // The watermark is recomputed once per collection, not per event: between
  // collections it only lags, which keeps windows open a little longer.
  const describeWindow = windowDescriber(
    config,
    allowlistedUsers.size === 0 ? () => false : (user) => allowlistedUsers.has(user),
  );
  const foldContext: FoldContext = {
    windows,
    lateness,
    watermark: Number.NEGATIVE_INFINITY,
    locate,
    allowlistedAddress,
    describeWindow,
    writeEveryChange: deps.writeEveryChange === true,
  };

  /** Folds the parsed chunks that wait: before anything reads or changes the state otherwise. */
  const foldWaiting = () => {
    if (waiting.length === 0) return;
    const chunks = waiting;
    waiting = [];
    waitingEvents = 0;
    foldParsedChunks(state, chunks, pairNames, foldContext);
  };

  return {
    fold(fact) {
      foldWaiting();
      foldEvent(state, fact, foldContext);
    },
    foldParsed(chunk) {
      const last = waiting[waiting.length - 1];
      if (last !== undefined && (last.sourceId !== chunk.sourceId || last.numbering !== chunk.numbering)) foldWaiting();
      waiting.push(chunk);
      waitingEvents += chunk.events;
      if (waitingEvents >= FOLD_BATCH_EVENTS) foldWaiting();
    },
    foldPending: () => foldWaiting(),
    beginSource(sourceId) {
      foldWaiting();
      if (!state.sourceWatermarks.has(sourceId)) state.sourceWatermarks.set(sourceId, NOT_STARTED);
    },
    resumeSource(sourceId) {
      foldWaiting();
      finished.delete(sourceId);
    },
    finishSource(sourceId) {
      foldWaiting();
      finished.add(sourceId);
    },
    collect(options = {}) {
      foldWaiting();
      const current = watermark();
      foldContext.watermark = current;
      return collectChanges(state, {
        describeWindow,
        watermark: current,
        lateness,
        ...(options.closeAll === undefined ? {} : { closeAll: options.closeAll }),
        ...(options.flushOpen === undefined ? {} : { flushOpen: options.flushOpen }),
        ...(options.closedOnly === undefined ? {} : { closedOnly: options.closedOnly }),
      });
    },
    snapshot() {
      foldWaiting();
      return snapshotState(state, finished);
    },
    encodeState() {
      foldWaiting();
      return encodeAccountState(state, finished);
    },
    restore(snapshot) {
      foldWaiting();
      const restored = restoreState(snapshot, windowNames, allowlistedAddress);
      state = restored.state;
      finished = restored.finished;
      foldContext.watermark = watermark();
    },
    stats() {
      foldWaiting();
      const openWindows = state.windows.openCount;
      return {
        users: state.userNames.length,
        addresses: state.records.count,
        openWindows,
        lateEvents: state.lateEvents,
        watermark: watermark(),
      };
    },
  };
}
