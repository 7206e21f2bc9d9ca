import { userInfo } from "node:os";
import type { ClickHouseClient } from "@clickhouse/client";
import { type AuditLog, createAuditLog, newActionId } from "../actions/audit-log.js";
import { excerptOutputs, summarizeResults } from "../actions/perform-action.js";
import type { RemoteResult } from "../actions/remote-command.js";
import type { VigilConfig } from "../schemas/config.js";
import { openStore } from "./open-store.js";

/** Who is at the keyboard, for the audit: cli:<login name>. */
export function cliActor(): string {
  return `cli:${process.env.SUDO_USER ?? userInfo().username}`;
}

/**
 * The audit log of a CLI command: in the store when it can be opened, else
 * spooled in the data folder (the embedded store is held by a running
 * `vigil run` or `vigil serve`) for the next process that opens it.
 */
export async function openAuditLog(
  config: VigilConfig,
): Promise<{ audit: AuditLog; close(): Promise<void>; client: ClickHouseClient | null }> {
  let client: ClickHouseClient | null = null;
  try {
    client = await openStore(config);
  } catch {
    client = null;
  }
  return {
    client,
    audit: createAuditLog({ client, dataDir: config.data }),
    close: async () => {
      await client?.close();
    },
  };
}

export async function recordFleetRun(
  config: VigilConfig,
  run: { pattern: string; argv: string[]; results: readonly RemoteResult[]; skipped: readonly string[] },
): Promise<void> {
  const { audit, close } = await openAuditLog(config);
  try {
    const failed = run.results.filter((result) => result.status !== "ok");
    await audit.record({
      id: newActionId(),
      ts: Date.now(),
      state: failed.length === 0 && run.skipped.length === 0 ? "run" : "failed",
      actor: cliActor(),
      remediation: "fleet-run",
      params: { argv: run.argv },
      target: run.pattern,
      hosts: run.results.map((result) => result.host),
      mode: "manual",
      result: summarizeResults(run.results, run.skipped),
      output: excerptOutputs(run.results),
    });
  } finally {
    await close();
  }
}
