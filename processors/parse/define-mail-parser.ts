import type { Envelope } from "./envelope/syslog-envelope.js";

/** What a format reads from one message: raw user and address, as logged. */
export type MailAuthFields = {
  service: string;
  user: string;
  ip: string;
  success: boolean;
  reason: string;
};

/**
 * A format's verdict on one message: the fields of an authentication event,
 * `{ unparsed: reason }` when it looks like one but does not parse, or null
 * when it is some other line of the daemon.
 */
export type MailParseOutcome = MailAuthFields | { unparsed: string } | null;

export type MailParserDefinition = {
  id: string;
  summary: string;
  /** Literal texts of which every line of this format contains one: lines with none are skipped before any regex runs. */
  needles: readonly string[];
  parse(message: string, envelope: Envelope): MailParseOutcome;
};

/** A mail log format, self-described; registered in registry.ts, proved by `<id>.samples.log` beside it. */
export function defineMailParser(definition: MailParserDefinition): MailParserDefinition {
  return definition;
}

/** `imapd-ssl` -> `imap`, `pop3-login` -> `pop3`, `postfix/submission/smtpd` -> `submission`. */
export function serviceOf(name: string): string {
  const lower = name.toLowerCase();
  for (const service of ["submission", "managesieve", "sieve", "imap", "pop3", "lmtp", "smtp"]) {
    if (lower.includes(service)) return service;
  }
  return lower === "" ? "unknown" : lower;
}
