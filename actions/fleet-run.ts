import type { InventoryHost } from "./inventory.js";
import type { HostKeyChecker } from "./known-hosts.js";
import { type RemoteResult, runRemoteCommand } from "./remote-command.js";

/**
 * Runs a command on many hosts: at most `parallel` at once, in batches of
 * `serial` hosts when given (a rolling change, as Ansible's `serial`), and
 * stops before the next batch when more than `maxFailPercent` of a batch
 * failed (Ansible's max_fail_percentage; without it, a rolling run stops
 * when a whole batch failed). Hosts never started are reported as skipped.
 */
export type FleetRunOptions = {
  hosts: readonly InventoryHost[];
  commandFor(host: InventoryHost): string;
  hostKeys: HostKeyChecker;
  parallel: number;
  serial?: number;
  maxFailPercent?: number;
  timeoutMs: number;
  /** Complete output lines, as they arrive. */
  onLine?(host: string, stream: "stdout" | "stderr", line: string): void;
  onHostDone?(result: RemoteResult): void;
  signal?: AbortSignal;
};

export type FleetRunResult = { results: RemoteResult[]; skipped: string[]; stoppedEarly: string | null };

export async function runOnFleet(options: FleetRunOptions): Promise<FleetRunResult> {
  const batchSize = options.serial ?? options.hosts.length;
  const results: RemoteResult[] = [];
  let stoppedEarly: string | null = null;
  let next = 0;
  while (next < options.hosts.length) {
    const batch = options.hosts.slice(next, next + batchSize);
    next += batch.length;
    const batchResults = await runBatch(batch, options);
    results.push(...batchResults);
    const failed = batchResults.filter((result) => result.status !== "ok").length;
    const failedPercent = (100 * failed) / batch.length;
    const tooMany =
      options.maxFailPercent !== undefined
        ? failedPercent > options.maxFailPercent
        : options.serial !== undefined && failed === batch.length;
    if (tooMany && next < options.hosts.length) {
      stoppedEarly = `${failed} of ${batch.length} hosts of the last batch failed (${Math.round(failedPercent)}%${options.maxFailPercent === undefined ? "" : `, more than --max-fail-percent ${options.maxFailPercent}`}): the remaining hosts were not touched`;
      break;
    }
    if (options.signal?.aborted) break;
  }
  const done = new Set(results.map((result) => result.host));
  return { results, skipped: options.hosts.filter((host) => !done.has(host.name)).map((h) => h.name), stoppedEarly };
}

async function runBatch(batch: readonly InventoryHost[], options: FleetRunOptions): Promise<RemoteResult[]> {
  const results: RemoteResult[] = new Array(batch.length);
  let cursor = 0;
  const worker = async () => {
    while (cursor < batch.length && !options.signal?.aborted) {
      const index = cursor++;
      const host = batch[index] as InventoryHost;
      const lines = {
        stdout: lineSplitter(host.name, "stdout", options),
        stderr: lineSplitter(host.name, "stderr", options),
      };
      const result = await runRemoteCommand({
        host,
        command: options.commandFor(host),
        hostKeys: options.hostKeys,
        timeoutMs: options.timeoutMs,
        onOutput: (stream, chunk) => lines[stream].push(chunk),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      lines.stdout.end();
      lines.stderr.end();
      results[index] = result;
      options.onHostDone?.(result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.parallel, batch.length)) }, worker));
  return results.filter((result) => result !== undefined);
}

const MAX_PARTIAL_LINE = 64 * 1024;

/** Cuts a host's output into lines for prefixing; a partial line longer than 64 KiB is passed on as it is. */
function lineSplitter(host: string, stream: "stdout" | "stderr", options: FleetRunOptions) {
  let partial = "";
  return {
    push(chunk: Buffer) {
      if (options.onLine === undefined) return;
      const text = partial + chunk.toString("utf8");
      const lines = text.split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) options.onLine(host, stream, line);
      if (partial.length > MAX_PARTIAL_LINE) {
        options.onLine(host, stream, partial);
        partial = "";
      }
    },
    end() {
      if (partial !== "") options.onLine?.(host, stream, partial);
      partial = "";
    },
  };
}
