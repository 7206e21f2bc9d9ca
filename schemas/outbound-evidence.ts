import { z } from "zod";

/**
 * Evidence of a web server's outbound connections and name resolution, as the
 * samplers in ingest/ produce it (tables `conn_events`, `site_resolutions`).
 */
export const ConnEventSchema = z
  .object({
    ts: z.number().int().describe("when the connection was seen, epoch ms"),
    host: z.string().describe("the web server"),
    source: z
      .enum(["ss", "proc", "nflog"])
      .describe("socket table sample (ss or /proc/net/tcp), or a netfilter LOG line"),
    process: z.string().describe("owning process name, empty when unknown"),
    pid: z.number().int().describe("-1 when unknown"),
    uid: z.number().int().describe("-1 when unknown"),
    src: z.string().describe("local address"),
    src_port: z.number().int(),
    dst: z.string().describe("remote address"),
    dst_port: z.number().int(),
  })
  .strict();
export type ConnEvent = z.infer<typeof ConnEventSchema>;

export const ResolutionSchema = z
  .object({
    ts: z.number().int(),
    host: z.string().describe("the web server whose resolver answered (it honours that server's hosts file)"),
    domain: z.string(),
    addresses: z.array(z.string()).describe("sorted; empty when the name did not resolve"),
    error: z.string().describe("why it did not resolve, or empty"),
  })
  .strict();
export type Resolution = z.infer<typeof ResolutionSchema>;
