/**
 * The V8 heap sizes Vigil runs with: on the executable's command line
 * (`bin/vigil.ts`'s first line, `npm start`, the benches' child processes),
 * and set again at start (`heap-tuning.ts`) for a `node dist/bin/vigil.js`
 * started without them, where they reach the parse worker's heap (created
 * after) though not the main thread's (already made).
 *
 * - `--max-semi-space-size=64`: a larger young generation keeps the
 *   short-lived strings of parsing and row encoding out of the old
 *   generation (2 million line bench, whole pipeline: 18.2 s -> 15 s when it
 *   was measured).
 * - `--initial-old-space-size=128`: an import's state grows to a few hundred
 *   MiB, and an old generation starting small is marked and compacted again
 *   and again on the way (3 full collections on the main thread and 4 on
 *   the parse worker in parse + aggregation, 1 each with the flag). 2 million
 *   lines, eight alternating rounds: parse + aggregation median 1.65 ->
 *   1.56 s, CPU 2.38 -> 2.22 s; `vigil backfill` (five rounds) CPU
 *   5.08 -> 4.59 s, wall within the noise; the peak memory the same.
 */
export const NODE_HEAP_FLAGS: readonly string[] = ["--max-semi-space-size=64", "--initial-old-space-size=128"];
