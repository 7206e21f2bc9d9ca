import { createMailParseWorker, type MailParseWorker } from "./mail-parse-worker.js";

let early: MailParseWorker | null = null;

/**
 * Starts the parse worker before the command that needs it has loaded its own modules (bin/vigil.ts,
 * for `backfill`): the worker's start (its code, the ASN tables) overlaps that loading and the store's
 * opening instead of following them, and its first chunk is parsed sooner. Like every parse worker, it
 * keeps the process alive only while it has chunks to parse.
 */
export function startParseWorkerEarly(): void {
  early ??= createMailParseWorker();
}

/** The parse worker started early (handed out once), or a new one. */
export function takeParseWorker(): MailParseWorker {
  const worker = early ?? createMailParseWorker();
  early = null;
  return worker;
}
