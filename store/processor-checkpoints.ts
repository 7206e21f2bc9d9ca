import type { ClickHouseClient } from "@clickhouse/client";
import { insertTsvRows, looksTransient } from "./insert-rows.js";
import { escapeTsv } from "./tsv.js";

export type CheckpointKey = { stage: string; topic: string; partition: number };

/** The newest checkpoint of a stage's partition: the next offset it covers and its state (JSON), or null. */
export async function loadCheckpoint(
  client: ClickHouseClient,
  key: CheckpointKey,
): Promise<{ nextOffset: string; state: string } | null> {
  // A store that just restarted leaves stale pooled connections: those fail once and are worth another try.
  for (let attempt = 1; ; attempt++) {
    try {
      return await queryCheckpoint(client, key);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (attempt >= 5 || !looksTransient(message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
    }
  }
}

async function queryCheckpoint(
  client: ClickHouseClient,
  key: CheckpointKey,
): Promise<{ nextOffset: string; state: string } | null> {
  const result = await client.query({
    query: `SELECT toString(next_offset) AS next_offset, state FROM processor_checkpoints
            WHERE stage = {stage:String} AND topic = {topic:String} AND partition = {partition:UInt32}
            ORDER BY next_offset DESC, saved_at DESC LIMIT 1`,
    query_params: key,
    format: "JSONEachRow",
  });
  const rows = await result.json<{ next_offset: string; state: string }>();
  const row = rows[0];
  return row === undefined ? null : { nextOffset: row.next_offset, state: row.state };
}

/** Records a partition's state as of `nextOffset`; the store must already hold every row derived from it. */
export async function saveCheckpoint(
  client: ClickHouseClient,
  key: CheckpointKey,
  nextOffset: string,
  state: string,
): Promise<void> {
  await insertTsvRows(client, {
    table: "processor_checkpoints",
    columns: ["stage", "topic", "partition", "next_offset", "state", "saved_at"],
    rows: [
      [escapeTsv(key.stage), escapeTsv(key.topic), key.partition, nextOffset, escapeTsv(state), Date.now()].join("\t"),
    ],
  });
}
