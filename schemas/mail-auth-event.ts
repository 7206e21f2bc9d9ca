import { z } from "zod";

/**
 * One authentication attempt on a mail service, as the parse stage emits it
 * (topic `vigil.events.mail-auth`, table `mail_auth_events`). Field names are
 * the table's column names.
 */
export const MailAuthEventSchema = z
  .object({
    ts: z.number().int().describe("event time from the log line, epoch milliseconds UTC"),
    host: z.string().describe("host that wrote the line (syslog host, or the source's configured host)"),
    service: z.string().describe("imap, pop3, smtp, submission, sieve, ... as the log names it, lower case"),
    user: z.string().describe("normalised account name: trimmed, lower case"),
    user_raw: z.string().describe("the account name exactly as logged"),
    ip: z.string().describe("canonical client address: IPv4 dotted quad, or compressed IPv6"),
    success: z.boolean().describe("true for a successful login, false for a failed authentication"),
    format: z.string().describe("id of the parser that read the line"),
    reason: z.string().describe("failure reason as logged, empty on success"),
    source_id: z.string().describe("stable id of the log file content the line came from"),
    offset: z
      .number()
      .int()
      .nonnegative()
      .describe("byte offset of the line in that source; (source_id, offset) is the dedup key"),
  })
  .strict();

export type MailAuthEvent = z.infer<typeof MailAuthEventSchema>;

/** What a mail parser extracts from one line; the pipeline adds source_id and offset, which together are the event's identity. */
export const ParsedMailAuthSchema = MailAuthEventSchema.omit({ source_id: true, offset: true });
export type ParsedMailAuth = z.infer<typeof ParsedMailAuthSchema>;

/** The stable `vigil parse --kind mail` output for a parsed line (ts as ISO-8601). */
export const ParseOutputSchema = z.union([
  z
    .object({
      ts: z.string(),
      host: z.string(),
      service: z.string(),
      user: z.string(),
      user_raw: z.string(),
      ip: z.string(),
      success: z.boolean(),
      format: z.string(),
      reason: z.string(),
    })
    .strict(),
  z
    .object({
      unparsed: z.literal(true),
      line: z.string(),
      reason: z.string().describe("why: not an authentication event, or what failed to parse"),
    })
    .strict(),
]);
export type ParseOutput = z.infer<typeof ParseOutputSchema>;
