import type { AccountState } from "./account-state.js";
import { flushSourceWatermark } from "./account-state.js";
import type { AddressLocation } from "./address-records.js";
import { RecordField } from "./address-records.js";
import type { DescribeWindow } from "./describe-window.js";
import { WindowField } from "./open-windows.js";
import type { AlertRow, HistoryRow, WindowRow } from "./rows.js";
import { WindowRowColumns } from "./window-row-columns.js";

/**
 * What a collection found. The window rows are numbers (`windowRows`, read by the store's encoder);
 * `windows` makes them objects, for whoever wants them (each read makes them afresh).
 */
export type Changes = {
  history: HistoryRow[];
  windowRows: WindowRowColumns;
  readonly windows: WindowRow[];
  alerts: AlertRow[];
};

export type CollectContext = {
  describeWindow: DescribeWindow;
  /** Lowest watermark of the active sources; windows that ended more than `lateness` before it are closed. */
  watermark: number;
  lateness: number;
  /** Close every window (end of a finite input). */
  closeAll?: boolean;
  /** Also write every open window that changed since its last row (at shutdown and at the end of an import). */
  flushOpen?: boolean;
  /**
   * Only close the windows the watermark has passed (their last rows): changed records, windows that
   * gained an address and alerts wait for the next full collection. Cheap enough for every batch; keeps
   * the open windows few and spreads their rows over an import instead of all at its end.
   */
  closedOnly?: boolean;
};

/**
 * What changed since the last collection, as rows for the store, plus the
 * alerts raised meanwhile; the cost follows the changes, not the state.
 * - every address record that changed;
 * - every window that gained an address (its distinct counts and verdict
 *   moved), and every window closing, once more if anything changed since its
 *   last row; a window's logins and failures are therefore current at the
 *   latest when it closes;
 * - closed windows leave memory. Closing visits only the windows whose end
 *   the watermark has passed (the open windows are indexed by end); every
 *   user is visited only to flush the open windows (`flushOpen`).
 */
export function collectChanges(state: AccountState, context: CollectContext): Changes {
  flushSourceWatermark(state);
  const closedOnly = context.closedOnly === true;
  const windows = state.windows;
  const closeBefore = context.closeAll === true ? Number.POSITIVE_INFINITY : context.watermark - context.lateness;
  // At most a row per open window that gained an address (the dirty list also names windows closed since),
  // and one per window that closes or is flushed.
  const mostRows =
    (closedOnly ? 0 : Math.min(state.dirtyWindows.length, windows.openCount)) +
    (context.flushOpen === true ? windows.openCount : windows.countEndingBy(closeBefore));
  const windowRows = new WindowRowColumns(state.userNames, state.windowNames, mostRows);
  const changes: Changes = {
    history: [],
    windowRows,
    get windows() {
      return windowRows.rows();
    },
    alerts: closedOnly ? [] : state.pendingAlerts,
  };
  if (!closedOnly) collectChanged(state, context, changes);
  if (closeBefore >= windows.earliestEnd()) closeWindows(state, closeBefore, context.describeWindow, windowRows);
  if (context.flushOpen === true) flushOpenWindows(state, context.describeWindow, windowRows);
  return changes;
}

// The loops over windows are functions of their own: V8 compiles each once, not the whole collection
// again (a closure made per collection and called from them made it do so). They index their arrays
// rather than iterate them: a collection runs a few times per import, mostly before V8 optimises it, and
// unoptimised iteration made an object per step (about 30 MB of garbage in the bench's 2 million lines).

/** Writes a window's row: its numbers as they are now. */
function emitWindow(state: AccountState, slot: number, describeWindow: DescribeWindow, rows: WindowRowColumns): void {
  state.windows.setField(slot, WindowField.emittedEvents, state.windows.field(slot, WindowField.events));
  describeWindow.into(state, slot, rows);
}

/** Closes the windows that ended by `closeBefore`, writing the last row of each that changed since its row. */
function closeWindows(
  state: AccountState,
  closeBefore: number,
  describeWindow: DescribeWindow,
  rows: WindowRowColumns,
): void {
  const windows = state.windows;
  const closing = windows.takeEndingBy(closeBefore);
  for (let index = 0; index < closing.length; index++) {
    const slot = closing[index] as number;
    // Still queued only after a closing-only collection: its last row is written now, with the rest.
    const changed = windows.field(slot, WindowField.emittedEvents) !== windows.field(slot, WindowField.events);
    if (changed || windows.field(slot, WindowField.queued) === 1) emitWindow(state, slot, describeWindow, rows);
    windows.setField(slot, WindowField.queued, 0);
    const owner = windows.owner(slot);
    if (state.currentWindow[owner] === slot) state.currentWindow[owner] = -1;
    windows.close(slot);
  }
}

/** Writes every open window that changed since its last row (they stay open). */
function flushOpenWindows(state: AccountState, describeWindow: DescribeWindow, rows: WindowRowColumns): void {
  const windows = state.windows;
  const owners = state.userNames.length * state.windowCount;
  for (let owner = 0; owner < owners; owner++) {
    for (let slot = windows.newest(owner); slot >= 0; slot = windows.field(slot, WindowField.next))
      if (windows.field(slot, WindowField.emittedEvents) !== windows.field(slot, WindowField.events))
        emitWindow(state, slot, describeWindow, rows);
  }
}

/** Changed records and windows that gained an address; the alerts raised meanwhile. */
function collectChanged(state: AccountState, context: CollectContext, changes: Changes): void {
  state.pendingAlerts = [];
  const records = state.records;
  const dirtyRecords = state.dirtyRecords;
  for (let index = 0; index < dirtyRecords.length; index++) {
    const record = dirtyRecords[index] as number;
    records.setField(record, RecordField.dirty, 0);
    const location = records.location[record] as AddressLocation;
    const logins = records.field(record, RecordField.logins);
    const failures = records.field(record, RecordField.failures);
    changes.history.push({
      user: state.userNames[records.field(record, RecordField.user)] as string,
      ip: records.ip[record] as string,
      first_seen: records.field(record, RecordField.firstSeen),
      last_seen: records.field(record, RecordField.lastSeen),
      logins,
      failures,
      first_offset: records.field(record, RecordField.firstOffset),
      network: location.network,
      network16: location.network16,
      asn: location.asn,
      as_name: location.asName,
      country: location.country,
      version: logins + failures,
    });
  }
  dirtyRecords.length = 0;
  const windows = state.windows;
  const dirtyWindows = state.dirtyWindows;
  for (let index = 0; index < dirtyWindows.length; index++) {
    const slot = dirtyWindows[index] as number;
    // A window closed since it was queued (its last row written then) is no longer queued: skip it.
    if (windows.field(slot, WindowField.queued) === 0) continue;
    windows.setField(slot, WindowField.queued, 0);
    windows.setField(slot, WindowField.emittedEvents, windows.field(slot, WindowField.events));
    context.describeWindow.into(state, slot, changes.windowRows);
  }
  dirtyWindows.length = 0;
}
