import { describe, expect, test } from "vitest";
import type { LineChunk } from "../../../../ingest/line-chunk.js";
import { SharedChunkMemory } from "../../../../ingest/shared-chunk-memory.js";
import type { MailParseWorker } from "../../../../processors/parse-worker/mail-parse-worker.js";
import { type ChunkToParse, parsedInOrder } from "../../../../processors/parse-worker/parsed-in-order.js";
import type { ParsedMailChunk } from "../../../../processors/parse-worker/parsed-mail-chunk.js";

/** A worker whose answers the test gives, chunk by chunk (each answer names its chunk's start). */
function manualWorker() {
  const answers: ((chunk: ParsedMailChunk) => void)[] = [];
  const worker: MailParseWorker = {
    defineParser: () => 0,
    parse: () => new Promise<ParsedMailChunk>((resolve) => answers.push(resolve)),
    close: async () => undefined,
    sharedMemory: new SharedChunkMemory(1, 1024),
  };
  const answer = (index: number) => answers[index]?.({ startOffset: index } as ParsedMailChunk);
  return { worker, answer, asked: () => answers.length };
}

async function* chunks(count: number): AsyncGenerator<ChunkToParse<number>> {
  for (let index = 0; index < count; index++) {
    const chunk: LineChunk = { sourceId: "s", path: "p", startOffset: index, data: Buffer.from("line\n") };
    yield { chunk, parserId: 0, meta: index };
  }
}

describe("parsed chunks in order", () => {
  test("hands chunks back in the order given, and works meanwhile only when the oldest is not parsed yet", async () => {
    const { worker, answer, asked } = manualWorker();
    const events: string[] = [];
    const results = parsedInOrder(worker, chunks(4), 2, () => events.push(`waiting (${asked()} asked)`));
    const meta = async (next: Promise<IteratorResult<{ meta: number }>>) => {
      const { meta } = (await next).value as { meta: number };
      events.push(`got ${meta}`);
      return meta;
    };
    const got: number[] = [];
    // Chunk 0 is not parsed when its turn comes: the caller works meanwhile.
    const first = results.next();
    await new Promise((resolve) => setImmediate(resolve));
    answer(0);
    got.push(await meta(first));
    // Chunk 1 is parsed before its turn: no wait.
    answer(1);
    got.push(await meta(results.next()));
    // Chunk 2 is not; chunk 3 is parsed first.
    const third = results.next();
    await new Promise((resolve) => setImmediate(resolve));
    answer(3);
    answer(2);
    got.push(await meta(third));
    got.push(await meta(results.next()));
    expect((await results.next()).done).toBe(true);
    expect(got).toEqual([0, 1, 2, 3]);
    expect(events).toEqual(["waiting (2 asked)", "got 0", "got 1", "waiting (4 asked)", "got 2", "got 3"]);
  });
});
