/** Room past the chunk size in each slot: a chunk starts with the part of a line the read before left over. */
const SLACK_BYTES = 64 * 1024;

/** A slot of shared memory holding one chunk: `release` once nothing reads it any more. */
export type SharedChunkSlot = { data: Buffer; release(): void };

/**
 * Memory shared with the parse worker that chunks are read into, slot after slot, reused: a chunk is sent
 * to the worker without a copy or a move, and its slot is taken again once the worker answered.
 *
 * Why: every ArrayBuffer a thread allocates or receives counts as that thread's external memory, and
 * each 64 MiB of it starts a major collection there (V8's "external memory pressure"). A new 4 MiB buffer
 * per chunk, moved to the worker, made the bench's 252 MiB file cost several major collections on each
 * thread; a SharedArrayBuffer is counted once.
 */
export class SharedChunkMemory {
  private memory: SharedArrayBuffer | null = null;
  private readonly free: number[] = [];

  constructor(
    readonly slots: number,
    private readonly chunkBytes: number,
  ) {
    for (let slot = slots - 1; slot >= 0; slot--) this.free.push(slot);
  }

  /** Slots not taken, of `slots`. */
  get freeSlots(): number {
    return this.free.length;
  }

  /** A slot of at least `bytes` bytes (its content undefined), or null when none is free or it would not fit. */
  take(bytes: number): SharedChunkSlot | null {
    const slotBytes = this.chunkBytes + SLACK_BYTES;
    if (bytes > slotBytes) return null;
    const slot = this.free.pop();
    if (slot === undefined) return null;
    this.memory ??= new SharedArrayBuffer(this.slots * slotBytes);
    let released = false;
    return {
      data: Buffer.from(this.memory, slot * slotBytes, bytes),
      release: () => {
        if (released) return;
        released = true;
        this.free.push(slot);
      },
    };
  }
}
