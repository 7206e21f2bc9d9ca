import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Registry } from "prom-client";
import type { z } from "zod";
import type { AlertRowSchema } from "../processors/account-ips/rows.js";
import { AlertRowSchema as VigilAlertSchema } from "../processors/account-ips/rows.js";
import type { Logger } from "../runtime/logger.js";
import type { AlertDispatcher } from "./alert-dispatcher.js";
import type { AuditLog } from "./audit-log.js";
import { alertFromVigil, alertsFromGrafana, GrafanaWebhookSchema } from "./incoming-alert.js";
import { isAuthorized, type RequestAuth } from "./request-auth.js";

/**
 * The HTTP face of `vigil serve` (and of `vigil run` when rules are set):
 *   POST /hooks/grafana              Grafana alerting webhook payload
 *   POST /hooks/vigil                a Vigil alert (as on vigil.alerts), or a list of them
 *   GET  /api/actions                latest state of recent actions (JSON)
 *   POST /api/actions/ID/approve     run a proposed action ({"actor": "..."} optional)
 *   POST /api/actions/ID/reject
 *   GET  /metrics, /healthz          unauthenticated, as Prometheus expects
 * Everything else needs the bearer token or a valid body signature (401),
 * and bodies over the limit are refused (413) before they are read whole.
 */
export type ActionServerOptions = {
  listen: string;
  auth: RequestAuth;
  maxBodyBytes: number;
  dispatcher: AlertDispatcher;
  audit: AuditLog;
  registry: Registry;
  logger: Logger;
};

type Reply = { status: number; body: unknown };

export async function startActionServer(
  options: ActionServerOptions,
): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    handle(options, request)
      .then((reply) => send(response, reply))
      .catch((error: unknown) => {
        options.logger.warn({ error: error instanceof Error ? error.message : String(error) }, "Request failed");
        send(response, { status: 500, body: { error: error instanceof Error ? error.message : String(error) } });
      });
  });
  const [host, port] = splitListen(options.listen);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as { port: number };
  return {
    server,
    url: `http://${host}:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function splitListen(listen: string): [string, number] {
  const index = listen.lastIndexOf(":");
  return [listen.slice(0, index) || "127.0.0.1", Number(listen.slice(index + 1))];
}

async function handle(options: ActionServerOptions, request: IncomingMessage): Promise<Reply> {
  const url = new URL(request.url ?? "/", "http://vigil");
  if (request.method === "GET" && url.pathname === "/healthz") return { status: 200, body: "ok" };
  if (request.method === "GET" && url.pathname === "/metrics")
    return { status: 200, body: await options.registry.metrics() };
  const body = await readBody(request, options.maxBodyBytes);
  if (body === null) return { status: 413, body: { error: `the body is larger than ${options.maxBodyBytes} bytes` } };
  if (!isAuthorized(options.auth, request.headers, body)) {
    return {
      status: 401,
      body: { error: "unauthorized: send Authorization: Bearer <token> or a valid body signature" },
    };
  }
  const json = () => {
    try {
      return body.length === 0 ? {} : (JSON.parse(body.toString("utf8")) as unknown);
    } catch {
      return undefined;
    }
  };
  if (request.method === "POST" && url.pathname === "/hooks/grafana") {
    const parsed = GrafanaWebhookSchema.safeParse(json());
    if (!parsed.success)
      return badRequest("a Grafana alerting webhook payload (alerts[] with status and labels)", parsed.error);
    const decisions = [];
    for (const alert of alertsFromGrafana(parsed.data)) decisions.push(...(await options.dispatcher.handle(alert)));
    return { status: 200, body: { decisions } };
  }
  if (request.method === "POST" && url.pathname === "/hooks/vigil") {
    const raw = json();
    const parsed = VigilAlertSchema.array().safeParse(Array.isArray(raw) ? raw : [raw]);
    if (!parsed.success) return badRequest("a Vigil alert as published on vigil.alerts", parsed.error);
    const decisions = [];
    for (const alert of parsed.data as z.infer<typeof AlertRowSchema>[])
      decisions.push(...(await options.dispatcher.handle(alertFromVigil(alert))));
    return { status: 200, body: { decisions } };
  }
  if (request.method === "GET" && url.pathname === "/api/actions") {
    return {
      status: 200,
      body: { actions: await options.audit.list({ limit: Number(url.searchParams.get("limit") ?? 100) }) },
    };
  }
  const settle = /^\/api\/actions\/([0-9a-f]{6,64})\/(approve|reject)$/.exec(url.pathname);
  if (request.method === "POST" && settle !== null) {
    const raw = json() as { actor?: unknown } | undefined;
    const actor = `approve:${typeof raw?.actor === "string" ? raw.actor.slice(0, 64) : "api"}`;
    const id = settle[1] as string;
    try {
      const decision =
        settle[2] === "approve"
          ? await options.dispatcher.approve(id, actor)
          : await options.dispatcher.reject(id, actor);
      return { status: 200, body: decision };
    } catch (error) {
      return { status: 409, body: { error: error instanceof Error ? error.message : String(error) } };
    }
  }
  return { status: 404, body: { error: `no route ${request.method} ${url.pathname}` } };
}

function badRequest(expected: string, error: z.ZodError): Reply {
  const issue = error.issues[0];
  return {
    status: 400,
    body: { error: `expected ${expected}: ${issue?.path.join(".") || "(body)"}: ${issue?.message}` },
  };
}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers["content-length"] ?? 0);
    if (declared > limit) {
      request.resume();
      resolve(null);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on("end", () => resolve(tooLarge ? null : Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function send(response: ServerResponse, reply: Reply) {
  const text = typeof reply.body === "string" ? reply.body : `${JSON.stringify(reply.body)}\n`;
  response.writeHead(reply.status, {
    "content-type": typeof reply.body === "string" ? "text/plain; version=0.0.4" : "application/json",
  });
  response.end(text);
}
