import type { ParsedMailChunk } from "../parse-worker/parsed-mail-chunk.js";
import type { AccountState } from "./account-state.js";
import { addUser, findRecord } from "./account-state.js";
import type { AddressLocation } from "./address-records.js";
import { type FoldContext, foldLogin, newRecord } from "./fold-event.js";
import { grownColumn, nextCapacity } from "./table-capacity.js";

/**
 * Folds the events of consecutive chunks parsed by the parse worker (one
 * source, one numbering), grouped by user: every user's events in the order
 * they were read, one user after the other. A user's record, current windows
 * and sightings are then fetched from memory once per batch instead of once
 * per login (the fold is bound by those cache misses: 20,000 users' state is
 * far larger than the CPU's caches). Same state, rows and alerts as folding
 * the events one by one in line order:
 * - the fold of one user never reads another user's state, and the watermark
 *   moves only at a collection, never inside a batch;
 * - users are numbered first, in line order, and a user's records and
 *   sightings are added in its own line order (the snapshot lists them per user);
 * - alerts raised in the batch are put back in line order.
 * Only the order of the changed records and windows (rows of one insert) differs.
 *
 * Events name their (user, address) pair by the worker's number: a number
 * already met maps to its user and record directly (no string, no hash of
 * one); a new number is resolved once by its names.
 */
export function foldParsedChunks(
  state: AccountState,
  chunks: readonly ParsedMailChunk[],
  names: ParsedPairNames,
  context: FoldContext,
): void {
  const first = chunks[0];
  if (first === undefined) return;
  for (const chunk of chunks) {
    if (chunk.sourceId !== first.sourceId || chunk.numbering !== first.numbering)
      throw new Error("foldParsedChunks: a batch holds chunks of one source and one numbering");
    names.learn(chunk);
  }
  const known = pairsOf(state, first.numbering, names.count);
  const batch = concatenated(chunks);
  const userOfEvent = scratch.userOfEvent;
  // Users first, in line order (as folding line by line numbers them).
  for (let index = 0; index < batch.events; index++) {
    const pair = batch.pairs[index] as number;
    let user = known.users[pair] as number;
    if (user < 0) {
      const name = names.users[pair] as string;
      user = state.userIds.get(name) ?? addUser(state, name);
      known.users[pair] = user;
    }
    userOfEvent[index] = user;
  }
  const order = groupedByUser(userOfEvent, batch.events, state.userNames.length);

  const alertsBefore = state.pendingAlerts.length;
  const alertEvents: number[] = [];
  const records = known.records;
  const { ts, offsets, success, pairs } = batch;
  for (let position = 0; position < batch.events; position++) {
    const index = order[position] as number;
    const pair = pairs[index] as number;
    const time = ts[index] as number;
    const offset = offsets[index] as number;
    const user = userOfEvent[index] as number;
    let record = records[pair] as number;
    if (record < 0) {
      const address = names.addressOfPair[pair] as number;
      const ip = names.addresses[address] as string;
      record = findRecord(state, user, ip);
      if (record < 0) record = newRecord(state, user, ip, time, offset, context, names.locations[address]);
      records[pair] = record;
    }
    const alerts = state.pendingAlerts.length;
    foldLogin(state, user, record, time, success[index] === 1, first.sourceId, offset, context);
    for (let added = alerts; added < state.pendingAlerts.length; added++) alertEvents.push(index);
  }
  if (alertEvents.length > 1) inLineOrder(state, alertsBefore, alertEvents);
}

/** The state's pair columns for a numbering (reset when the worker or the state is new), long enough for `count` pairs. */
function pairsOf(state: AccountState, numbering: string, count: number): AccountState["parsedPairs"] {
  const known = state.parsedPairs;
  if (known.numbering !== numbering) {
    // A new worker (numbered afresh), or a state just restored: records are found again by name.
    known.numbering = numbering;
    known.records = new Int32Array(0);
    known.users = new Int32Array(0);
  }
  if (count > known.records.length) {
    const before = known.records.length;
    const capacity = nextCapacity(before, count);
    known.records = grownColumn(known.records, capacity);
    known.records.fill(-1, before);
    known.users = grownColumn(known.users, capacity);
    known.users.fill(-1, before);
  }
  return known;
}

type EventColumns = Pick<ParsedMailChunk, "events" | "ts" | "offsets" | "success" | "pairs">;

/** Scratch columns reused from batch to batch (the fold runs on one thread). */
const scratch = {
  ts: new Float64Array(0),
  offsets: new Float64Array(0),
  success: new Uint8Array(0),
  pairs: new Int32Array(0),
  userOfEvent: new Int32Array(0),
  order: new Int32Array(0),
  starts: new Int32Array(0),
};

/** The batch's event columns end to end (the chunk's own columns when it is alone). */
function concatenated(chunks: readonly ParsedMailChunk[]): EventColumns {
  let events = 0;
  for (const chunk of chunks) events += chunk.events;
  if (events > scratch.userOfEvent.length) {
    const capacity = nextCapacity(scratch.userOfEvent.length, events);
    scratch.userOfEvent = new Int32Array(capacity);
    scratch.order = new Int32Array(capacity);
    scratch.ts = new Float64Array(capacity);
    scratch.offsets = new Float64Array(capacity);
    scratch.success = new Uint8Array(capacity);
    scratch.pairs = new Int32Array(capacity);
  }
  if (chunks.length === 1) return chunks[0] as ParsedMailChunk;
  let at = 0;
  for (const chunk of chunks) {
    scratch.ts.set(chunk.ts.subarray(0, chunk.events), at);
    scratch.offsets.set(chunk.offsets.subarray(0, chunk.events), at);
    scratch.success.set(chunk.success.subarray(0, chunk.events), at);
    scratch.pairs.set(chunk.pairs.subarray(0, chunk.events), at);
    at += chunk.events;
  }
  return { events, ts: scratch.ts, offsets: scratch.offsets, success: scratch.success, pairs: scratch.pairs };
}

/** Event indexes grouped by user (a stable counting sort): users by number, each user's events in line order. */
export function groupedByUser(userOfEvent: Int32Array, events: number, users: number): Int32Array {
  if (users + 1 > scratch.starts.length)
    scratch.starts = new Int32Array(nextCapacity(scratch.starts.length, users + 1));
  const starts = scratch.starts;
  starts.fill(0, 0, users + 1);
  for (let index = 0; index < events; index++) {
    const next = (userOfEvent[index] as number) + 1;
    starts[next] = (starts[next] as number) + 1;
  }
  for (let user = 0; user < users; user++) starts[user + 1] = (starts[user + 1] as number) + (starts[user] as number);
  const order = scratch.order;
  for (let index = 0; index < events; index++) {
    const user = userOfEvent[index] as number;
    const at = starts[user] as number;
    order[at] = index;
    starts[user] = at + 1;
  }
  return order;
}

/** Puts the alerts raised since `from` back in the order of the events that raised them. */
function inLineOrder(state: AccountState, from: number, alertEvents: number[]): void {
  const raised = state.pendingAlerts
    .slice(from)
    .map((alert, index) => ({ alert, event: alertEvents[index] as number }));
  raised.sort((a, b) => a.event - b.event);
  for (let index = 0; index < raised.length; index++)
    state.pendingAlerts[from + index] = (raised[index] as (typeof raised)[number]).alert;
}

/** The names of every pair and address a parse worker numbered (kept by the processor, whatever state it restores). */
export class ParsedPairNames {
  private numbering = "";
  users: string[] = [];
  addressOfPair: number[] = [];
  addresses: string[] = [];
  locations: AddressLocation[] = [];

  get count(): number {
    return this.users.length;
  }

  learn(chunk: ParsedMailChunk): void {
    if (chunk.numbering !== this.numbering) {
      this.numbering = chunk.numbering;
      this.users = [];
      this.addressOfPair = [];
      this.addresses = [];
      this.locations = [];
    }
    if (
      (chunk.firstNewPair !== this.users.length && chunk.newPairUsers.length > 0) ||
      (chunk.firstNewAddress !== this.addresses.length && chunk.newAddresses.length > 0)
    )
      throw new Error("parse worker numbers out of order (a chunk was lost or folded twice)");
    for (let index = 0; index < chunk.newPairUsers.length; index++) {
      this.users.push(chunk.newPairUsers[index] as string);
      this.addressOfPair.push(chunk.newPairAddresses[index] as number);
    }
    for (let index = 0; index < chunk.newAddresses.length; index++) {
      this.addresses.push(chunk.newAddresses[index] as string);
      this.locations.push(chunk.newAddressLocations[index] as AddressLocation);
    }
  }
}
