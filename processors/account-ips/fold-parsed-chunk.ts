import type { ParsedMailChunk } from "../parse-worker/parsed-mail-chunk.js";
import type { AccountState } from "./account-state.js";
import { addUser, findRecord } from "./account-state.js";
import type { AddressLocation } from "./address-records.js";
import { RecordField } from "./address-records.js";
import { type FoldContext, foldLogin, newRecord } from "./fold-event.js";
import { grownColumn, nextCapacity } from "./table-capacity.js";

/**
 * Folds every event of a chunk parsed by the parse worker. Events name their
 * (user, address) pair by the worker's number: a number already met maps to
 * its record directly (no string, no hash of one); a new number is resolved
 * once by its names. Same result as folding the events one by one.
 */
export function foldParsedChunk(
  state: AccountState,
  chunk: ParsedMailChunk,
  names: ParsedPairNames,
  context: FoldContext,
): void {
  names.learn(chunk);
  const known = state.parsedPairs;
  if (known.numbering !== chunk.numbering) {
    // A new worker (numbered afresh), or a state just restored: records are found again by name.
    known.numbering = chunk.numbering;
    known.records = new Int32Array(0);
  }
  if (names.count > known.records.length) {
    const before = known.records.length;
    known.records = grownColumn(known.records, nextCapacity(before, names.count));
    known.records.fill(-1, before);
  }
  const records = known.records;
  const { ts, offsets, success, pairs } = chunk;
  for (let index = 0; index < chunk.events; index++) {
    const pair = pairs[index] as number;
    const time = ts[index] as number;
    const offset = offsets[index] as number;
    let record = records[pair] as number;
    if (record < 0) {
      const name = names.users[pair] as string;
      const address = names.addressOfPair[pair] as number;
      const ip = names.addresses[address] as string;
      const user = state.userIds.get(name) ?? addUser(state, name);
      record = findRecord(state, user, ip);
      if (record < 0) record = newRecord(state, user, ip, time, offset, context, names.locations[address]);
      records[pair] = record;
    }
    const user = state.records.field(record, RecordField.user);
    foldLogin(state, user, record, time, success[index] === 1, chunk.sourceId, offset, context);
  }
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
