import { z } from "zod";
import { ActionsConfigSchema } from "./actions-config.js";
import { WebConfigSchema } from "./web-config.js";

const duration = z
  .string()
  .regex(/^\d+(?:\.\d+)?(ms|s|m|h|d|w)$/, "a duration: a number and a unit (ms, s, m, h, d, w), such as 10m or 24h");

export const FieldMapSchema = z
  .object({
    pattern: z
      .string()
      .min(1)
      .describe("literal text a line must contain to be read by this map (awk's /.../ without metacharacters)"),
    user: z
      .number()
      .int()
      .min(1)
      .describe("whitespace field number of the user name, counted as awk counts ($1 is the first)"),
    ip: z.number().int().min(1).describe("whitespace field number of the client address, counted as awk counts"),
    success: z.boolean().default(true).describe("whether a line of this map is a successful login (false: a failure)"),
    service: z.string().default("unknown").describe("service name to record for these events"),
  })
  .strict();
export type FieldMap = z.infer<typeof FieldMapSchema>;

export const SourceSchema = z
  .object({
    path: z.string().min(1).describe("log file to tail; rotated by rename or copytruncate"),
    kind: z
      .enum(["mail", "apache-access", "apache-error", "netfilter"])
      .default("mail")
      .describe(
        "what the file holds: mail logs, an Apache access or error log, or a kernel log with vigil-egress LOG lines",
      ),
    format: z
      .string()
      .default("auto")
      .describe(
        "mail: parser id (postfix, dovecot, courier, vpopmail, exim, sendmail), a fieldMaps name, or auto; apache-access: common, combined, vhost_combined, or the LogFormat string",
      ),
    vhost: z.string().optional().describe("apache-access: the virtual host of lines whose format has no %v"),
    host: z.string().optional().describe("host name for lines whose envelope carries none (default: the envelope's)"),
  })
  .strict();
export type Source = z.infer<typeof SourceSchema>;

export const WindowThresholdSchema = z
  .object({
    networks: z
      .number()
      .int()
      .min(1)
      .describe("distinct networks (IPv4 /24, IPv6 /48) in the window at which an alert fires; doubling it escalates"),
    asns: z.number().int().min(1).describe("distinct autonomous systems that make the verdict likely-compromise"),
    countries: z.number().int().min(1).describe("distinct countries that make the verdict likely-compromise"),
  })
  .strict();

export const AccountIpsSchema = z
  .object({
    windows: z.array(duration).min(1).default(["1h", "24h"]).describe("event-time tumbling windows, aligned to UTC"),
    lateness: duration
      .default("10m")
      .describe("how late (event time behind the newest seen) a line may be and still count in its window"),
    thresholds: z
      .record(duration, WindowThresholdSchema)
      .default({
        "1h": { networks: 8, asns: 3, countries: 2 },
        "24h": { networks: 16, asns: 4, countries: 3 },
      })
      .describe("per window: when an alert fires and what reads as a compromise"),
    roaming: z
      .object({
        maxAsns: z.number().int().min(1).default(2).describe("at most this many ASNs ..."),
        maxCountries: z
          .number()
          .int()
          .min(1)
          .default(1)
          .describe("... and countries reads as a phone roaming in its carrier's range"),
        maxOtherAddresses: z
          .number()
          .int()
          .min(0)
          .default(3)
          .describe("addresses outside those ASNs and countries that a phone's owner may still use (home, office)"),
      })
      .strict()
      .default({ maxAsns: 2, maxCountries: 1, maxOtherAddresses: 3 }),
    allowlist: z
      .object({
        users: z.array(z.string()).default([]).describe("accounts that never alert (compared after normalising)"),
        cidrs: z.array(z.string()).default([]).describe("client networks that never count towards an alert"),
      })
      .strict()
      .default({ users: [], cidrs: [] }),
  })
  .strict();
export type AccountIpsConfig = z.infer<typeof AccountIpsSchema>;

export const ClickHouseSchema = z
  .object({
    url: z
      .string()
      .url()
      .describe("ClickHouse server HTTP(S) URL; omit to use the embedded chDB store under the data folder"),
    database: z.string().default("default"),
    username: z.string().default("default"),
    password: z.string().default(""),
  })
  .strict();

export const TailSchema = z
  .object({
    pollInterval: duration.default("250ms").describe("how often tailed files are checked for growth and rotation"),
    flushInterval: duration
      .default("1s")
      .describe("longest time a parsed line waits before it is written to the store"),
    batchLines: z.number().int().min(1).default(100_000).describe("lines per batch written to the store"),
  })
  .strict();

export const TopicSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9._-]+$/, "a Kafka topic name: letters, digits, '.', '_' and '-'"),
    partitions: z.number().int().min(1).describe("partitions: the most workers of one group that can share the topic"),
    retention: duration.describe("how long records are kept (retention.ms)"),
    compact: z.boolean().default(false).describe("cleanup.policy=compact,delete (keep the latest record per key)"),
  })
  .strict();
export type TopicConfig = z.infer<typeof TopicSchema>;

const topic = (name: string, partitions: number, retention: string) =>
  TopicSchema.default({ name, partitions, retention, compact: false });

export const KafkaSchema = z
  .object({
    brokers: z
      .array(z.string().regex(/^[^\s:]+:\d+$/, "HOST:PORT, such as 127.0.0.1:9092"))
      .min(1)
      .describe("bootstrap brokers"),
    clientId: z.string().default("vigil"),
    topics: z
      .object({
        rawMail: topic("vigil.raw.mail", 6, "7d").describe("raw mail log lines from the shippers, keyed by host"),
        mailAuth: topic("vigil.events.mail-auth", 12, "7d").describe("parsed mail auth events, keyed by user"),
        alerts: topic("vigil.alerts", 1, "30d").describe("alerts as they fire, keyed by subject"),
        dlq: topic("vigil.dlq", 1, "30d").describe("records no stage could read, with the reason"),
        rawWeb: topic("vigil.raw.web", 6, "7d").describe(
          "the web servers' evidence, keyed by host: Apache and netfilter lines, socket and resolver samples",
        ),
      })
      .strict()
      .default({
        rawWeb: { name: "vigil.raw.web", partitions: 6, retention: "7d", compact: false },
        rawMail: { name: "vigil.raw.mail", partitions: 6, retention: "7d", compact: false },
        mailAuth: { name: "vigil.events.mail-auth", partitions: 12, retention: "7d", compact: false },
        alerts: { name: "vigil.alerts", partitions: 1, retention: "30d", compact: false },
        dlq: { name: "vigil.dlq", partitions: 1, retention: "30d", compact: false },
      }),
    groups: z
      .object({
        parse: z.string().default("vigil-parse"),
        accountIps: z.string().default("vigil-account-ips"),
        serve: z.string().default("vigil-serve").describe("`vigil serve` reading vigil.alerts"),
        outbound: z.string().default("vigil-outbound").describe("the outbound stage reading vigil.raw.web"),
      })
      .strict()
      .default({
        parse: "vigil-parse",
        accountIps: "vigil-account-ips",
        serve: "vigil-serve",
        outbound: "vigil-outbound",
      }),
    ship: z
      .object({
        host: z.string().optional().describe("this server's name in the records' key (default: the OS host name)"),
        maxRecordBytes: z
          .number()
          .int()
          .min(1024)
          .max(900_000)
          .default(256 * 1024)
          .describe("complete lines per record, at most this many bytes"),
        batchRecords: z.number().int().min(1).default(8).describe("records per produce request"),
      })
      .strict()
      .default({ maxRecordBytes: 256 * 1024, batchRecords: 8 }),
    commitInterval: duration
      .default("5s")
      .describe("longest time a worker holds processed records before writing rows and committing offsets"),
    sessionTimeout: duration
      .default("10s")
      .describe("consumer group session timeout (a dead worker's partitions move after it)"),
  })
  .strict();
export type KafkaConfig = z.infer<typeof KafkaSchema>;

export const ConfigSchema = z
  .object({
    data: z.string().default("./vigil-data").describe("folder for the embedded store, checkpoints and processor state"),
    timezone: z.string().default("UTC").describe("IANA zone of syslog timestamps that carry none (RFC 3164)"),
    clickhouse: ClickHouseSchema.optional(),
    kafka: KafkaSchema.optional().describe("scaled-out mode: where `vigil ship` and `vigil process` meet"),
    sources: z.array(SourceSchema).default([]),
    fieldMaps: z.record(z.string(), FieldMapSchema).default({}).describe("custom whitespace-field layouts, by name"),
    accountIps: AccountIpsSchema.default(AccountIpsSchema.parse({})),
    tail: TailSchema.default(TailSchema.parse({})),
    web: WebConfigSchema.optional().describe("this web server: its sites and how its outbound connections are watched"),
    actions: ActionsConfigSchema.default(ActionsConfigSchema.parse({})).describe(
      "the fleet (inventory, host keys), remediation rules and `vigil serve`",
    ),
  })
  .strict();
export type VigilConfig = z.infer<typeof ConfigSchema>;
