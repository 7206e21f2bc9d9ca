import type { AddressLocationColumns } from "./address-location-columns.js";

/**
 * A chunk of mail log lines parsed by the parse worker: what the aggregation
 * needs as columns (no object per line), and the rows of `mail_auth_events`
 * and `unparsed_lines` already encoded. Its typed arrays are transferred
 * between threads, not copied.
 *
 * The worker numbers every distinct (user, address) pair it meets, from 0 up
 * in the order first seen, so the aggregation finds an event's record by
 * number instead of by strings; a pair's names travel once, in the chunk of
 * its first event, and an address's location once, in the chunk where it is
 * first seen.
 */
export type ParsedMailChunk = {
  sourceId: string;
  startOffset: number;
  /** Byte offset just past the chunk's last line. */
  endOffset: number;
  lines: number;
  events: number;
  skipped: number;
  unparsed: number;
  /** Identifies the worker's pair numbering (a new worker numbers afresh). */
  numbering: string;
  ts: Float64Array;
  offsets: Float64Array;
  /** 1 for a successful login, 0 for a failure. */
  success: Uint8Array;
  /** The (user, address) pair number of each event. */
  pairs: Int32Array;
  /** Pairs first seen in this chunk are numbered `firstNewPair` on: their normalised users and address numbers. */
  firstNewPair: number;
  newPairUsers: string[];
  newPairAddresses: number[];
  /**
   * Addresses (canonical) are numbered too, from 0 up in the order first seen; those first seen in this
   * chunk are numbered `firstNewAddress` on, each with where it is (located on the worker's core).
   */
  firstNewAddress: number;
  newAddresses: string[];
  newAddressLocations: AddressLocationColumns;
  /** `mail_auth_events` rows, TabSeparated, each ending with "\n" (empty when the worker was asked for no rows). */
  eventRows: Uint8Array;
  /** `unparsed_lines` rows, TabSeparated, without newline. */
  unparsedRows: string[];
};

/** The arrays to transfer with a chunk. */
export function transferablesOf(chunk: ParsedMailChunk): ArrayBuffer[] {
  return [chunk.ts, chunk.offsets, chunk.success, chunk.pairs, chunk.eventRows].map(
    (array) => array.buffer as ArrayBuffer,
  );
}
