import type { MailLineParserOptions } from "../parse/mail-line-parser.js";
import type { ParsedMailChunk } from "./parsed-mail-chunk.js";

/** What the main thread sends the parse worker. */
export type ParseWorkerRequest =
  | { type: "parser"; parserId: number; options: MailLineParserOptions }
  | {
      type: "chunk";
      parserId: number;
      sourceId: string;
      path: string;
      startOffset: number;
      data: Uint8Array;
      /** Encode the events' rows for the store (false when measuring the aggregation alone). */
      encodeRows: boolean;
    };

/** What it answers, one reply per chunk, in order. */
export type ParseWorkerReply = { type: "parsed"; chunk: ParsedMailChunk } | { type: "failed"; message: string };
