import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";

/**
 * Serves `/metrics` (Prometheus text format) and `/healthz` (200 while
 * `healthy()` holds, 503 with the reason otherwise) on the given address.
 */
export async function startMetricsServer(options: {
  registry: Registry;
  host: string;
  port: number;
  healthy: () => { ok: boolean; detail: string };
}): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    if (request.url === "/metrics") {
      options.registry
        .metrics()
        .then((text) => {
          response.writeHead(200, { "content-type": options.registry.contentType });
          response.end(text);
        })
        .catch((error: unknown) => {
          response.writeHead(500);
          response.end(String(error));
        });
      return;
    }
    if (request.url === "/healthz") {
      const health = options.healthy();
      response.writeHead(health.ok ? 200 : 503, { "content-type": "text/plain" });
      response.end(`${health.detail}\n`);
      return;
    }
    response.writeHead(404, { "content-type": "text/plain" });
    response.end("not found: try /metrics or /healthz\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  return {
    server,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
