import type { LineChunk } from "../../ingest/line-chunk.js";
import type { MailParseWorker } from "./mail-parse-worker.js";
import type { ParsedMailChunk } from "./parsed-mail-chunk.js";

export type ChunkToParse<Meta> = { chunk: LineChunk; parserId: number; meta: Meta };

/**
 * Chunks parsed on the parse worker, handed back in the order given: `ahead`
 * of them are on their way while the caller works on the oldest, so the
 * worker parses while this thread aggregates. A failure on the worker is
 * thrown where its chunk's turn comes.
 */
export async function* parsedInOrder<Meta>(
  worker: MailParseWorker,
  chunks: AsyncIterable<ChunkToParse<Meta>>,
  ahead: number,
): AsyncGenerator<{ parsed: ParsedMailChunk; meta: Meta }> {
  const waiting: { parsed: Promise<ParsedMailChunk>; meta: Meta }[] = [];
  const oldest = async () => {
    const next = waiting.shift() as (typeof waiting)[number];
    return { parsed: await next.parsed, meta: next.meta };
  };
  for await (const { chunk, parserId, meta } of chunks) {
    const parsed = worker.parse(parserId, chunk);
    parsed.catch(() => undefined); // awaited in its turn, where a failure surfaces
    waiting.push({ parsed, meta });
    if (waiting.length >= ahead) yield await oldest();
  }
  while (waiting.length > 0) yield await oldest();
}
