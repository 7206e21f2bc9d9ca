import { locationAt } from "../parse-worker/address-location-columns.js";
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
  let events = 0;
  for (const chunk of chunks) events += chunk.events;
  growScratch(events);
  numberUsers(state, chunks, names, known.users, scratch.userOfEvent);
  const batch = groupedByUser(chunks, scratch.userOfEvent, state.userNames.length);
  const alertsBefore = state.pendingAlerts.length;
  const alertEvents: number[] = [];
  foldGrouped(state, batch, events, names, known.records, first.sourceId, context, alertEvents);
  if (alertEvents.length > 1) inLineOrder(state, alertsBefore, alertEvents);
}

// The loops below are functions of their own, each small: V8 compiles (and, when a path is first taken
// late, compiles again) each one alone, not one large function holding them all.

/** Each event's user (in line order: users are numbered in the order first met, as folding line by line does). */
function numberUsers(
  state: AccountState,
  chunks: readonly ParsedMailChunk[],
  names: ParsedPairNames,
  usersOfPairs: Int32Array,
  userOfEvent: Int32Array,
): void {
  let index = 0;
  for (const chunk of chunks) {
    const pairs = chunk.pairs;
    for (let event = 0; event < chunk.events; event++, index++) {
      const pair = pairs[event] as number;
      let user = usersOfPairs[pair] as number;
      if (user < 0) user = numberUser(state, names, usersOfPairs, pair);
      userOfEvent[index] = user;
    }
  }
}

function numberUser(state: AccountState, names: ParsedPairNames, usersOfPairs: Int32Array, pair: number): number {
  const name = names.users[pair] as string;
  const user = state.userIds.get(name) ?? addUser(state, name);
  usersOfPairs[pair] = user;
  return user;
}

/** Folds a batch grouped by user; `alertEvents` gets the batch position of the event behind each alert raised. */
function foldGrouped(
  state: AccountState,
  batch: GroupedEvents,
  events: number,
  names: ParsedPairNames,
  records: Int32Array,
  sourceId: string,
  context: FoldContext,
  alertEvents: number[],
): void {
  const { ts, offsets, success, pairs, users, lines } = batch;
  for (let position = 0; position < events; position++) {
    const pair = pairs[position] as number;
    const time = ts[position] as number;
    const offset = offsets[position] as number;
    const user = users[position] as number;
    let record = records[pair] as number;
    if (record < 0) record = recordOfNewPair(state, names, records, pair, user, time, offset, context);
    const alerts = state.pendingAlerts.length;
    foldLogin(state, user, record, time, success[position] === 1, sourceId, offset, context);
    if (state.pendingAlerts.length !== alerts) noteAlerts(state, alerts, alertEvents, lines[position] as number);
  }
}

/** The record of a pair this state meets for the first time under this numbering (found by name, or new). */
function recordOfNewPair(
  state: AccountState,
  names: ParsedPairNames,
  records: Int32Array,
  pair: number,
  user: number,
  time: number,
  offset: number,
  context: FoldContext,
): number {
  const address = names.addressOfPair[pair] as number;
  const ip = names.addresses[address] as string;
  let record = findRecord(state, user, ip);
  if (record < 0) record = newRecord(state, user, ip, time, offset, context, names.locations[address]);
  records[pair] = record;
  return record;
}

function noteAlerts(state: AccountState, from: number, alertEvents: number[], line: number): void {
  for (let added = from; added < state.pendingAlerts.length; added++) alertEvents.push(line);
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

/** A batch's events grouped by user: its columns in that order, with each event's user and place in the batch. */
export type GroupedEvents = {
  ts: Float64Array;
  offsets: Float64Array;
  success: Uint8Array;
  pairs: Int32Array;
  users: Int32Array;
  /** Where the event is in the batch (its line order). */
  lines: Int32Array;
};

/** Scratch columns reused from batch to batch (the fold runs on one thread). */
const scratch = {
  userOfEvent: new Int32Array(0),
  starts: new Int32Array(0),
  grouped: {
    ts: new Float64Array(0),
    offsets: new Float64Array(0),
    success: new Uint8Array(0),
    pairs: new Int32Array(0),
    users: new Int32Array(0),
    lines: new Int32Array(0),
  } satisfies GroupedEvents,
};

function growScratch(events: number): void {
  if (events <= scratch.userOfEvent.length) return;
  const capacity = nextCapacity(scratch.userOfEvent.length, events);
  scratch.userOfEvent = new Int32Array(capacity);
  scratch.grouped = {
    ts: new Float64Array(capacity),
    offsets: new Float64Array(capacity),
    success: new Uint8Array(capacity),
    pairs: new Int32Array(capacity),
    users: new Int32Array(capacity),
    lines: new Int32Array(capacity),
  };
}

/**
 * The events of `chunks` grouped by user (a stable counting sort: users by number, each user's events in
 * line order), `userOfEvent` giving each event's user in line order. The columns are scattered straight to
 * their sorted places, so the fold then reads them front to back.
 */
export function groupedByUser(
  chunks: readonly Pick<ParsedMailChunk, "events" | "ts" | "offsets" | "success" | "pairs">[],
  userOfEvent: Int32Array,
  users: number,
): GroupedEvents {
  let events = 0;
  for (const chunk of chunks) events += chunk.events;
  growScratch(events);
  if (users + 1 > scratch.starts.length)
    scratch.starts = new Int32Array(nextCapacity(scratch.starts.length, users + 1));
  const starts = scratch.starts;
  userStarts(userOfEvent, events, starts, users);
  const grouped = scratch.grouped;
  let index = 0;
  for (const chunk of chunks) index = scatterByUser(chunk, userOfEvent, index, starts, grouped);
  return grouped;
}

// The loops of the grouping are functions of their own: V8 optimising one in the middle of a large batch
// met the next without having run it, and threw that code away.

/** `starts[user]`: where the user's events begin in the grouped order (counted, then summed). */
function userStarts(userOfEvent: Int32Array, events: number, starts: Int32Array, users: number): void {
  starts.fill(0, 0, users + 1);
  countPerUser(userOfEvent, events, starts);
  for (let user = 0; user < users; user++) starts[user + 1] = (starts[user + 1] as number) + (starts[user] as number);
}

/** `starts[user + 1]`: the user's events. */
function countPerUser(userOfEvent: Int32Array, events: number, starts: Int32Array): void {
  for (let index = 0; index < events; index++) {
    const next = (userOfEvent[index] as number) + 1;
    starts[next] = (starts[next] as number) + 1;
  }
}

/** Writes a chunk's events to their grouped places (its first event is the batch's `first`); returns the next event's. */
function scatterByUser(
  chunk: Pick<ParsedMailChunk, "events" | "ts" | "offsets" | "success" | "pairs">,
  userOfEvent: Int32Array,
  first: number,
  starts: Int32Array,
  grouped: GroupedEvents,
): number {
  const { ts, offsets, success, pairs } = chunk;
  let index = first;
  for (let event = 0; event < chunk.events; event++, index++) {
    const user = userOfEvent[index] as number;
    const at = starts[user] as number;
    starts[user] = at + 1;
    grouped.ts[at] = ts[event] as number;
    grouped.offsets[at] = offsets[event] as number;
    grouped.success[at] = success[event] as number;
    grouped.pairs[at] = pairs[event] as number;
    grouped.users[at] = user;
    grouped.lines[at] = index;
  }
  return index;
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
    // Each loop a function of its own: V8 optimising the first in the middle of a large chunk met the second
    // without having run it, and threw that code away chunk after chunk.
    learnPairs(this, chunk);
    learnAddresses(this, chunk);
  }
}

function learnPairs(names: ParsedPairNames, chunk: ParsedMailChunk): void {
  const { users, addressOfPair } = names;
  for (let index = 0; index < chunk.newPairUsers.length; index++) {
    users.push(chunk.newPairUsers[index] as string);
    addressOfPair.push(chunk.newPairAddresses[index] as number);
  }
}

function learnAddresses(names: ParsedPairNames, chunk: ParsedMailChunk): void {
  const { addresses, locations } = names;
  for (let index = 0; index < chunk.newAddresses.length; index++) {
    addresses.push(chunk.newAddresses[index] as string);
    locations.push(locationAt(chunk.newAddressLocations, index));
  }
}
