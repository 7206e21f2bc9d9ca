import type { AccountState, UserRecord } from "./account-state.js";
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
};

/**
 * Everything that changed since the last collection, as rows for the store,
 * plus the alerts raised meanwhile. Closed windows are emitted one last time
 * and dropped from memory. Only changed users are visited, and all users only
 * when the watermark has passed the end of the earliest open window.
 */
export function collectChanges(state: AccountState, context: CollectContext): Changes {
  flushSourceWatermark(state);
  const changes: Changes = { history: [], windows: [], alerts: state.pendingAlerts };
  state.pendingAlerts = [];
  const closeBefore = context.closeAll === true ? Number.POSITIVE_INFINITY : context.watermark - context.lateness;
  for (const user of state.dirtyUsers) {
    user.dirty = false;
    collectUser(user, changes, context);
  }
  state.dirtyUsers = [];
  if (closeBefore >= state.earliestEnd) {
    let earliestEnd = Number.POSITIVE_INFINITY;
    for (const user of state.users.values()) {
      for (let index = 0; index < user.windows.length; index++) {
        const open = user.windows[index];
        if (open === undefined) continue;
        for (const [start, window] of open) {
          if (window.end <= closeBefore) {
            if (window.dirty) changes.windows.push(context.describeWindow(user, window));
            window.dirty = false;
            open.delete(start);
            if (user.current[index] === window) user.current[index] = undefined;
          } else if (window.end < earliestEnd) earliestEnd = window.end;
        }
      }
    }
    state.earliestEnd = earliestEnd;
  }
  return changes;
}

function collectUser(user: UserRecord, changes: Changes, context: CollectContext): void {
  for (const record of user.ips.values()) {
    if (!record.dirty) continue;
    record.dirty = false;
    changes.history.push({
      user: user.user,
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
  }
  for (const open of user.windows) {
    for (const window of open.values()) {
      if (!window.dirty) continue;
      window.dirty = false;
      changes.windows.push(context.describeWindow(user, window));
    }
  }
}
