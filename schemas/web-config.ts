import { z } from "zod";

const duration = z
  .string()
  .regex(/^\d+(?:\.\d+)?(ms|s|m|h|d|w)$/, "a duration: a number and a unit (ms, s, m, h, d, w), such as 10m or 24h");

/** The `web` section: this web server, its sites, and how its outbound connections are watched. */
export const SiteSchema = z
  .object({
    domain: z.string().min(1).describe("a domain the server serves"),
    address: z
      .string()
      .optional()
      .describe("the site's current address, if known (a different answer on a server is stale)"),
  })
  .strict();

export const WebConfigSchema = z
  .object({
    host: z.string().optional().describe("this web server's name (default: the OS host name)"),
    group: z.string().default("web").describe("inventory group of the web servers, named in proposed fixes"),
    sites: z.array(SiteSchema).default([]).describe("the domains served here; %v of the access logs adds more"),
    ownAddresses: z
      .array(z.string())
      .default([])
      .describe("addresses of this server besides loopback and the local side of its connections"),
    sampler: z
      .object({
        interval: duration.default("5s").describe("how often the socket table is read; 0s: never"),
        command: z
          .array(z.string())
          .default(["ss", "-tanpeH"])
          .describe("prints the socket table as ss -tanpeH does; [proc] reads /proc/net/tcp{,6} instead"),
      })
      .strict()
      .default({ interval: "5s", command: ["ss", "-tanpeH"] }),
    resolver: z
      .object({
        interval: duration.default("60s").describe("how often each site domain is resolved; 0s: never"),
        command: z
          .array(z.string())
          .default(["getent", "ahosts"])
          .describe("resolves a name through the system resolver (hosts file first), the name appended"),
      })
      .strict()
      .default({ interval: "60s", command: ["getent", "ahosts"] }),
    expected: z
      .object({
        cidrs: z
          .array(z.string())
          .default([])
          .describe("destinations that are fine: the database, the mail relay, mirrors"),
        hosts: z
          .array(z.string())
          .default([])
          .describe(
            "host names whose addresses are fine, resolved with the sites at the resolver's interval (db.example.com, deb.debian.org)",
          ),
        ports: z
          .array(z.number().int())
          .default([])
          .describe("destination ports that are fine anywhere (53, 123, ...)"),
      })
      .strict()
      .default({ cidrs: [], hosts: [], ports: [] }),
    learningPeriod: duration
      .default("24h")
      .describe("destinations first seen within this time of the first sample are learned, not new"),
  })
  .strict();
export type WebConfig = z.infer<typeof WebConfigSchema>;
