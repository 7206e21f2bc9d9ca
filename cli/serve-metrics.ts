import type { Command } from "commander";
import type { Registry } from "prom-client";
import { startMetricsServer } from "../runtime/metrics-server.js";
import { parsePositiveInt } from "./output-format.js";

/** `--metrics-port` / `--metrics-host` of the long-running commands: /metrics and /healthz, or nothing. */
export async function serveMetricsIfAsked(
  options: Record<string, unknown>,
  registry: Registry,
  healthy: () => { ok: boolean; detail: string },
): Promise<{ close(): Promise<void> } | null> {
  if (typeof options.metricsPort !== "string") return null;
  const host = String(options.metricsHost ?? "127.0.0.1");
  const server = await startMetricsServer({
    registry,
    host,
    port: options.metricsPort === "0" ? 0 : parsePositiveInt(options.metricsPort, "--metrics-port"),
    healthy,
  });
  process.stderr.write(`metrics on http://${host}:${server.port}/metrics\n`);
  return server;
}

/** `--metrics-port` and `--metrics-host`, as every long-running command takes them. */
export function withMetricsOptions(command: Command): Command {
  return command
    .option("--metrics-port <port>", "serve /metrics and /healthz on 127.0.0.1:PORT (0: any free port)")
    .option("--metrics-host <host>", "address for --metrics-port", "127.0.0.1");
}
