import { createHash } from "node:crypto";

/** Bytes of a file's beginning that identify its content. */
export const FINGERPRINT_BYTES = 1024;

/**
 * A stable id for a log file's content, whatever its name or inode: a hash of
 * its first line (at most 1 KiB). A rotated file (`maillog` -> `maillog.1`)
 * and a compressed copy (`maillog.1.gz`, fingerprinted on its decompressed
 * bytes) keep the id of the file they were. Returns null until the first line
 * is complete (or 1 KiB long), so a file is never identified by a partial line.
 */
export function fingerprint(head: Buffer): string | null {
  const newline = head.indexOf(10);
  if (newline < 0 && head.length < FINGERPRINT_BYTES) return null;
  const end = newline < 0 ? FINGERPRINT_BYTES : Math.min(newline + 1, FINGERPRINT_BYTES);
  return createHash("sha256").update(head.subarray(0, end)).digest("hex").slice(0, 16);
}
