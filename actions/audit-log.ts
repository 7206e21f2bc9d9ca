import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import type { ClickHouseClient } from "@clickhouse/client";
import { type AuditRow, type AuditRowInput, AuditRowSchema } from "../schemas/action-audit.js";

/**
 * The audit trail of actions in the ClickHouse `action_audit` table. When the
 * store cannot take a row (the embedded store is open in another Vigil
 * process, or the server is away) the row goes to a spool file in the data
 * folder, and the next process that opens the store imports it: an action is
 * never run without a trace.
 */
export type AuditLog = {
  record(row: AuditRowInput): Promise<void>;
  /** Latest state of each action, newest first. */
  list(options?: { sinceMs?: number; limit?: number }): Promise<AuditRow[]>;
  /** Every row of one action, oldest first. */
  history(id: string): Promise<AuditRow[]>;
  /** Actions of a remediation run, approved or proposed since a time: what the hourly limits count. */
  countSince(remediation: string, sinceMs: number): Promise<number>;
  /** Whether the same remediation, parameters and target were proposed, notified or run since a time. */
  seenSince(remediation: string, params: Record<string, unknown>, target: string, sinceMs: number): Promise<boolean>;
};

export const OUTPUT_EXCERPT_CHARS = 4000;

export function newActionId(): string {
  return randomBytes(6).toString("hex");
}

export function spoolPath(dataDir: string): string {
  return `${dataDir}/action-audit.spool.jsonl`;
}

export function createAuditLog(options: { client: ClickHouseClient | null; dataDir: string }): AuditLog {
  const { client, dataDir } = options;
  const spool = (row: AuditRow) => appendFileSync(spoolPath(dataDir), `${JSON.stringify(row)}\n`, { mode: 0o600 });
  const select = async (query: string, params: Record<string, unknown>): Promise<AuditRow[]> => {
    if (client === null) return [];
    const result = await client.query({ query, query_params: params, format: "JSONEachRow" });
    return (await result.json<Record<string, unknown>>()).map(rowFromStore);
  };
  return {
    async record(input) {
      const row = AuditRowSchema.parse({ ...input, output: (input.output ?? "").slice(-OUTPUT_EXCERPT_CHARS) });
      if (client === null) return spool(row);
      try {
        await insertRows(client, [row]);
      } catch {
        spool(row);
      }
    },
    list({ sinceMs = 0, limit = 100 } = {}) {
      return select(
        `SELECT * FROM (
           SELECT ${COLUMNS}, indexOf(['proposed','notified','ignored','refused','approved','rejected','run','failed'], state) AS state_rank
           FROM action_audit FINAL ORDER BY ts DESC, state_rank DESC LIMIT 1 BY id
         ) WHERE ts >= {since:Int64} ORDER BY ts DESC LIMIT {limit:UInt32}`,
        { since: sinceMs, limit },
      );
    },
    history(id) {
      return select(`SELECT ${COLUMNS} FROM action_audit FINAL WHERE id = {id:String} ORDER BY ts`, { id });
    },
    async countSince(remediation, sinceMs) {
      if (client === null) return 0;
      const result = await client.query({
        query:
          "SELECT toString(uniqExact(id)) AS n FROM action_audit FINAL WHERE remediation = {remediation:String} AND state IN ('run', 'failed', 'approved', 'proposed') AND ts >= fromUnixTimestamp64Milli({since:Int64})",
        query_params: { remediation, since: sinceMs },
        format: "JSONEachRow",
      });
      const [row] = await result.json<{ n: string }>();
      return Number(row?.n ?? 0);
    },
    async seenSince(remediation, params, target, sinceMs) {
      if (client === null) return false;
      const result = await client.query({
        query:
          "SELECT toString(count()) AS n FROM action_audit FINAL WHERE remediation = {remediation:String} AND params = {params:String} AND target = {target:String} AND state IN ('proposed', 'notified', 'approved', 'run') AND ts >= fromUnixTimestamp64Milli({since:Int64})",
        query_params: { remediation, params: JSON.stringify(params), target, since: sinceMs },
        format: "JSONEachRow",
      });
      const [row] = await result.json<{ n: string }>();
      return Number(row?.n ?? 0) > 0;
    },
  };
}

const COLUMNS =
  "id, toUnixTimestamp64Milli(ts) AS ts, state, actor, remediation, params, target, hosts, mode, alert_kind, alert_subject, alert_fingerprint, result, output";

async function insertRows(client: ClickHouseClient, rows: readonly AuditRow[]): Promise<void> {
  await client.insert({
    table: "action_audit",
    format: "JSONEachRow",
    values: rows.map((row) => ({
      id: row.id,
      ts: new Date(row.ts).toISOString().replace("T", " ").replace("Z", ""),
      state: row.state,
      actor: row.actor,
      remediation: row.remediation,
      params: JSON.stringify(row.params),
      target: row.target,
      hosts: row.hosts,
      mode: row.mode,
      alert_kind: row.alertKind,
      alert_subject: row.alertSubject,
      alert_fingerprint: row.alertFingerprint,
      result: row.result,
      output: row.output,
    })),
  });
}

function rowFromStore(source: Record<string, unknown>): AuditRow {
  return AuditRowSchema.parse({
    id: source.id,
    ts: Number(source.ts),
    state: source.state,
    actor: source.actor,
    remediation: source.remediation,
    params: JSON.parse(String(source.params || "{}")),
    target: source.target,
    hosts: source.hosts,
    mode: source.mode,
    alertKind: source.alert_kind,
    alertSubject: source.alert_subject,
    alertFingerprint: source.alert_fingerprint,
    result: source.result,
    output: source.output,
  });
}

/** Imports rows other processes spooled while the store was busy (called when a process opens the store). */
export async function importAuditSpool(client: ClickHouseClient, dataDir: string): Promise<number> {
  const path = spoolPath(dataDir);
  if (!existsSync(path)) return 0;
  const claimed = `${path}.importing`;
  renameSync(path, claimed);
  const rows = readFileSync(claimed, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => AuditRowSchema.parse(JSON.parse(line)));
  try {
    if (rows.length > 0) await insertRows(client, rows);
  } catch (error) {
    appendFileSync(path, readFileSync(claimed, "utf8"));
    throw error;
  } finally {
    rmSync(claimed, { force: true });
  }
  return rows.length;
}
