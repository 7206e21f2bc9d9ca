import type { AccountState } from "./account-state.js";
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
 * and dropped from memory.
 */
export function collectChanges(state: AccountState, context: CollectContext): Changes {
  const changes: Changes = { history: [], windows: [], alerts: state.pendingAlerts };
  state.pendingAlerts = [];
  const closeBefore = context.watermark - context.lateness;
  for (const user of state.users.values()) {
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
    for (const [key, window] of user.windows) {
      const closing = context.closeAll === true || window.end <= closeBefore;
      if (window.dirty || closing) {
        window.dirty = false;
        changes.windows.push(context.describeWindow(user, window));
      }
      if (closing) user.windows.delete(key);
    }
  }
  return changes;
}
