import type { LineChunk } from "../../ingest/line-chunk.js";
import type { MailParseWorker } from "./mail-parse-worker.js";
import type { ParsedMailChunk } from "./parsed-mail-chunk.js";

export type ChunkToParse<Meta> = { chunk: LineChunk; parserId: number; meta: Meta };

/**
 * Chunks parsed on the parse worker, handed back in the order given: `ahead`
 * of them are on their way while the caller works on the oldest, so the
 * worker parses while this thread aggregates. A failure on the worker is
 * thrown where its chunk's turn comes. `whileWaiting` is called when the
 * oldest chunk is not parsed yet, before waiting for it: work this thread
 * would otherwise do later (the aggregation folds the chunks it holds).
 */
export async function* parsedInOrder<Meta>(
  worker: MailParseWorker,
  chunks: AsyncIterable<ChunkToParse<Meta>>,
  ahead: number,
  whileWaiting?: () => void,
): AsyncGenerator<{ parsed: ParsedMailChunk; meta: Meta }> {
  const waiting: { parsed: Promise<ParsedMailChunk>; meta: Meta; done: boolean }[] = [];
  const oldest = async () => {
    const next = waiting.shift() as (typeof waiting)[number];
    if (!next.done) whileWaiting?.();
    return { parsed: await next.parsed, meta: next.meta };
  };
  for await (const { chunk, parserId, meta } of chunks) {
    const parsed = worker.parse(parserId, chunk);
    const entry = { parsed, meta, done: false };
    // Settled (parsed or failed): awaited in its turn, where a failure surfaces.
    parsed.then(
      () => (entry.done = true),
      () => (entry.done = true),
    );
    waiting.push(entry);
    if (waiting.length >= ahead) yield await oldest();
  }
  while (waiting.length > 0) yield await oldest();
}
