import { z } from "zod";

/**
 * One request from an Apache access log (table `http_requests`). What the
 * LogFormat does not carry is empty or -1: a `common` line has no vhost, no
 * duration.
 */
export const HttpRequestSchema = z
  .object({
    ts: z.number().int().describe("request time (%t), epoch milliseconds UTC"),
    host: z.string().describe("the web server that wrote the line (the source's configured host)"),
    vhost: z.string().describe("virtual host (%v, %V), or the source's configured vhost"),
    port: z.number().int().describe("server port (%p), -1 when not logged"),
    client: z.string().describe("client address (%a or %h)"),
    method: z.string().describe("request method (%m or from %r)"),
    path: z.string().describe("URL path without the query string, at most 2,048 characters"),
    status: z.number().int().describe("final status (%>s or %s), -1 when not logged"),
    bytes: z.number().int().describe("response bytes (%b, %B, %O), 0 for '-'"),
    duration_us: z.number().int().describe("time to serve (%D µs, %T s, %{ms}T), -1 when not logged"),
    format: z.string().describe("the LogFormat's name (common, combined, vhost_combined, or custom)"),
  })
  .strict();
export type HttpRequest = z.infer<typeof HttpRequestSchema>;

export const MAX_PATH_CHARS = 2048;
