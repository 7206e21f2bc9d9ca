import { z } from "zod";

/**
 * Headers of a `vigil.raw.mail` record. The record's key is the shipping
 * host; its value is one or more complete raw lines (each ending in "\n")
 * read from one file, the first at byte `offset` of the source: every line's
 * coordinates (host, file, inode, offset) follow from the record.
 */
export const RawMailHeadersSchema = z
  .object({
    host: z.string().min(1).describe("the shipping server"),
    path: z.string().min(1).describe("the file the lines were read from"),
    source: z
      .string()
      .regex(/^[0-9a-f]{16}$/, "a 16-hex-digit source fingerprint")
      .describe("fingerprint of the file's content"),
    inode: z.string().regex(/^\d+$/, "a decimal inode number"),
    offset: z.string().regex(/^\d+$/, "a decimal byte offset").describe("byte offset of the first line in the source"),
    format: z.string().min(1).describe("the source's configured parser (or auto)"),
    "default-host": z.string().optional().describe("host for lines whose envelope names none"),
  })
  .strict();
export type RawMailHeaders = z.infer<typeof RawMailHeadersSchema>;

/** A record on `vigil.dlq`: what could not be read, where it came from, and why. */
export const DeadLetterHeadersSchema = z.object({
  "dlq-reason": z.string(),
  "dlq-stage": z.string(),
  "dlq-topic": z.string(),
  "dlq-partition": z.string(),
  "dlq-offset": z.string(),
});
export type DeadLetterHeaders = z.infer<typeof DeadLetterHeadersSchema>;
