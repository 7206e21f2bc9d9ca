import type { AccountState, UserRecord, WindowRecord } from "./account-state.js";
import { flushSourceWatermark } from "./account-state.js";
import type { DescribeWindow } from "./describe-window.js";
import type { AlertRow, HistoryRow, WindowRow } from "./rows.js";

export type Changes = { history: HistoryRow[]; windows: WindowRow[]; alerts: AlertRow[] };

export type CollectContext = {
  describeWindow: DescribeWindow;
  /** Lowest watermark of the active sources; windows that ended more than `lateness` before it are closed. */
  watermark: number;
  lateness: number;
  /** Close every window (end of a finite input). */
  closeAll?: boolean;
  /** Also write every open window that changed since its last row (at shutdown and at the end of an import). */
  flushOpen?: boolean;
};

/**
 * What changed since the last collection, as rows for the store, plus the
 * alerts raised meanwhile; the cost follows the changes, not the state.
 * - every address record that changed;
 * - every window that gained an address (its distinct counts and verdict
 *   moved), and every window closing, once more if anything changed since its
 *   last row; a window's logins and failures are therefore current at the
 *   latest when it closes;
 * - closed windows leave memory. All users are visited only when the
 *   watermark has passed the end of the earliest open window.
 */
export function collectChanges(state: AccountState, context: CollectContext): Changes {
  flushSourceWatermark(state);
  const changes: Changes = { history: [], windows: [], alerts: state.pendingAlerts };
  state.pendingAlerts = [];
  state.dirtyRecords.forEach((record, index) => {
    record.dirty = false;
    changes.history.push({
      user: (state.dirtyRecordUsers[index] as UserRecord).user,
      ip: record.ip,
      first_seen: record.firstSeen,
      last_seen: record.lastSeen,
      logins: record.logins,
      failures: record.failures,
      first_offset: record.firstOffset,
      network: record.network,
      network16: record.network16,
      asn: record.asn,
      as_name: record.asName,
      country: record.country,
      version: record.logins + record.failures,
    });
  });
  state.dirtyRecords = [];
  state.dirtyRecordUsers = [];
  const emit = (user: UserRecord, window: WindowRecord) => {
    window.emittedEvents = window.events;
    changes.windows.push(context.describeWindow(user, window));
  };
  state.dirtyWindows.forEach((window, index) => {
    window.queued = false;
    emit(state.dirtyWindowUsers[index] as UserRecord, window);
  });
  state.dirtyWindows = [];
  state.dirtyWindowUsers = [];

  const closeBefore = context.closeAll === true ? Number.POSITIVE_INFINITY : context.watermark - context.lateness;
  if (closeBefore >= state.earliestEnd || context.flushOpen === true) {
    let earliestEnd = Number.POSITIVE_INFINITY;
    for (const user of state.users.values()) {
      for (let index = 0; index < user.windows.length; index++) {
        const open = user.windows[index];
        if (open === undefined) continue;
        for (const [ordinal, window] of open) {
          if (window.end <= closeBefore) {
            if (window.emittedEvents !== window.events) emit(user, window);
            open.delete(ordinal);
            if (user.current[index] === window) user.current[index] = undefined;
          } else {
            if (context.flushOpen === true && window.emittedEvents !== window.events) emit(user, window);
            if (window.end < earliestEnd) earliestEnd = window.end;
          }
        }
      }
    }
    state.earliestEnd = earliestEnd;
  }
  return changes;
}
