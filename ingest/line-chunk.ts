/**
 * What ingest hands to the parse stage: a run of complete lines from one
 * source, with the coordinates that make every line's identity stable.
 * `data` always ends with "\n" (a last line without one is held back until it
 * is completed, or flushed with an added "\n" when the source is closed).
 */
export type LineChunk = {
  /** Stable id of the file's content (fingerprint of its first bytes), not its path: survives rename-rotation. */
  sourceId: string;
  /** Path the lines were read from (for people; not part of the identity). */
  path: string;
  /** Byte offset in the source of data[0]. */
  startOffset: number;
  /** Complete lines, each ending with "\n". */
  data: Buffer;
  /**
   * True when nothing but `data` reads its memory (its ArrayBuffer): a consumer may move that memory to
   * another thread instead of copying it, after which `data` is empty. Set by readFileChunks for plain files.
   */
  ownsMemory?: true;
  /**
   * Set when `data` lies in memory shared with the parse worker (readFileChunks with `sharedMemory`):
   * the chunk is sent to it without a copy, and this is called once nothing reads `data` any more,
   * after which its bytes change. A consumer that does not call it only keeps that memory from reuse.
   */
  releaseShared?: () => void;
};

/** Where a reader has got to in one source: everything before `offset` is processed. */
export type SourcePosition = {
  sourceId: string;
  path: string;
  inode: number;
  offset: number;
};
