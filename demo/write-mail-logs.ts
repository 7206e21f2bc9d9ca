import { createWriteStream, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MONTH_NAMES } from "../processors/parse/month-names.js";
import type { LoginEvent, MailHost, MailScenario } from "./mail-scenario.js";
import { type Random, seededRandom } from "./seeded-random.js";

export type WrittenFile = { path: string; format: string; host: string; lines: number };
export type WrittenLogs = { files: WrittenFile[]; totalLines: number; groundTruth: string };

/** `Nov  5 02:00:01` (UTC). */
function rfc3164(ts: number): string {
  const date = new Date(ts);
  return `${MONTH_NAMES[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, " ")} ${date.toISOString().slice(11, 19)}`;
}
/** `2026-11-25T02:00:01.123456+00:00`, as rsyslog's high-precision format writes it. */
const isoPrecise = (ts: number) =>
  `${new Date(ts).toISOString().slice(0, 23)}${String(ts % 997).padStart(3, "0")}+00:00`;
/** exim's own `2026-11-25 02:00:01`. */
const eximTime = (ts: number) => new Date(ts).toISOString().slice(0, 19).replace("T", " ");

const hex = (random: Random, length: number) =>
  Array.from({ length }, () => "0123456789ABCDEF"[random.int(0, 15)]).join("");

/**
 * Writes the scenario as real-shaped mail logs, one file per host and layout:
 * `mx1/maillog` (RFC 3164: Dovecot and Postfix), `mx2/maillog` (rsyslog
 * ISO-8601: Dovecot and Postfix), `mx3/maillog` (RFC 3164: Courier, vpopmail,
 * Sendmail) and `mx3/exim_mainlog` (exim's own log), with the daemons' other
 * lines mixed in (about 40% of all lines) and a few malformed look-alikes.
 * `ground-truth.json` beside them lists every account with its role and counts.
 */
export async function writeMailLogs(options: {
  scenario: MailScenario;
  dir: string;
  seed: number;
}): Promise<WrittenLogs> {
  const random = seededRandom(options.seed ^ 0x5eed);
  const outputs = new Map<string, { file: WrittenFile; lines: string[] }>();
  const output = (host: MailHost, name: string, format: string) => {
    const path = join(options.dir, host, name);
    let entry = outputs.get(path);
    if (entry === undefined) {
      entry = { file: { path, format, host, lines: 0 }, lines: [] };
      outputs.set(path, entry);
    }
    return entry;
  };
  let malformed = 0;
  for (const event of options.scenario.events) {
    const target = lineFor(event, random);
    const entry = output(event.host, target.file, target.file === "exim_mainlog" ? "exim" : "auto");
    entry.lines.push(target.line);
    if (random.chance(0.68)) entry.lines.push(noiseFor(event, random, target.file === "exim_mainlog"));
    if (event.host === "mx1" && malformed < 5 && random.chance(0.001)) {
      malformed += 1;
      entry.lines.push(
        `${rfc3164(event.ts)} mx1 postfix/smtpd[${random.int(1000, 9999)}]: ${hex(random, 10)}: client=unknown[unknown], sasl_method=PLAIN, sasl_username=${event.user}`,
      );
    }
  }
  let totalLines = 0;
  const files: WrittenFile[] = [];
  for (const { file, lines } of [...outputs.values()].sort((a, b) => a.file.path.localeCompare(b.file.path))) {
    mkdirSync(join(file.path, ".."), { recursive: true });
    await new Promise<void>((resolve, reject) => {
      const stream = createWriteStream(file.path);
      stream.on("error", reject);
      stream.end(`${lines.join("\n")}\n`, () => resolve());
    });
    file.lines = lines.length;
    totalLines += lines.length;
    files.push(file);
  }
  const groundTruth = join(options.dir, "ground-truth.json");
  writeFileSync(groundTruth, `${JSON.stringify(summarise(options.scenario), null, 1)}\n`);
  return { files, totalLines, groundTruth };
}

function lineFor(event: LoginEvent, random: Random): { file: string; line: string } {
  const { user, ip } = event;
  const pid = random.int(1000, 65000);
  if (event.host === "mx3") {
    if (event.service === "imap") {
      return {
        file: "maillog",
        line: event.success
          ? `${rfc3164(event.ts)} mx3 imapd-ssl: LOGIN, user=${user}, ip=[::ffff:${ip}], port=[${random.int(1024, 65000)}], protocol=IMAP`
          : `${rfc3164(event.ts)} mx3 imapd-ssl: LOGIN FAILED, user=${user}, ip=[::ffff:${ip}]`,
      };
    }
    if (event.service === "pop3") {
      return {
        file: "maillog",
        line: event.success
          ? `${rfc3164(event.ts)} mx3 vpopmail[${pid}]: vchkpw-pop3: (PLAIN) login success ${user}:${ip}`
          : `${rfc3164(event.ts)} mx3 vpopmail[${pid}]: vchkpw-pop3: password fail (pass: '${hex(random, 6)}') ${user}:${ip}`,
      };
    }
    if (random.chance(0.5)) {
      const id = `${hex(random, 6).toLowerCase()}-${hex(random, 6)}-${hex(random, 2)}`;
      return {
        file: "exim_mainlog",
        line: event.success
          ? `${eximTime(event.ts)} ${id} <= ${user} H=(laptop) [${ip}]:${random.int(1024, 65000)} P=esmtpsa X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no A=dovecot_plain:${user} S=${random.int(500, 90000)} id=${hex(random, 12)}@example.com`
          : `${eximTime(event.ts)} dovecot_login authenticator failed for (laptop) [${ip}]:${random.int(1024, 65000)}: 535 Incorrect authentication data (set_id=${user})`,
      };
    }
    const queue = `5A${hex(random, 10)}`;
    return {
      file: "maillog",
      line: event.success
        ? `${rfc3164(event.ts)} mx3 sendmail[${pid}]: ${queue}: AUTH=server, relay=[${ip}], authid=${user}, mech=PLAIN, bits=0`
        : `${rfc3164(event.ts)} mx3 sendmail[${pid}]: ${queue}: AUTH failure (LOGIN): authentication failure (-13) SASL(-13): authentication failure: checkpass failed, user=${user}, relay=[${ip}]`,
    };
  }
  const envelope = event.host === "mx1" ? rfc3164(event.ts) : isoPrecise(event.ts);
  const session = hex(random, 12);
  if (event.service === "smtp") {
    return {
      file: "maillog",
      line: event.success
        ? `${envelope} ${event.host} postfix/submission/smtpd[${pid}]: ${hex(random, 10)}: client=unknown[${ip}], sasl_method=PLAIN, sasl_username=${user}`
        : `${envelope} ${event.host} postfix/submission/smtpd[${pid}]: warning: unknown[${ip}]: SASL PLAIN authentication failed: authentication failure, sasl_username=${user}`,
    };
  }
  return {
    file: "maillog",
    line: event.success
      ? `${envelope} ${event.host} dovecot[${pid % 900}]: ${event.service}-login: Login: user=<${user}>, method=PLAIN, rip=${ip}, lip=192.0.2.1, mpid=${pid}, TLS, session=<${session}>`
      : `${envelope} ${event.host} dovecot[${pid % 900}]: ${event.service}-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<${user}>, method=PLAIN, rip=${ip}, lip=192.0.2.1, TLS, session=<${session}>`,
  };
}

/** A line of the same daemons that is not an authentication. */
function noiseFor(event: LoginEvent, random: Random, exim: boolean): string {
  const ts = event.ts + random.int(0, 900);
  if (exim)
    return `${eximTime(ts)} ${hex(random, 6).toLowerCase()}-${hex(random, 6)}-${hex(random, 2)} => ${event.user} R=local_user T=mail_spool`;
  const envelope = event.host === "mx2" ? isoPrecise(ts) : rfc3164(ts);
  const queue = hex(random, 10);
  switch (random.int(0, 4)) {
    case 0:
      return `${envelope} ${event.host} postfix/qmgr[${random.int(100, 999)}]: ${queue}: from=<${event.user}>, size=${random.int(500, 90000)}, nrcpt=1 (queue active)`;
    case 1:
      return `${envelope} ${event.host} postfix/smtp[${random.int(1000, 9999)}]: ${queue}: to=<someone@example.net>, relay=mx.example.net[198.51.100.25]:25, delay=0.4, status=sent (250 2.0.0 Ok)`;
    case 2:
      return `${envelope} ${event.host} dovecot[${random.int(100, 999)}]: imap(${event.user})<${random.int(1000, 9999)}><${hex(random, 12)}>: Disconnected: Logged out in=${random.int(10, 999)} out=${random.int(100, 99999)}`;
    case 3:
      return `${envelope} ${event.host} postfix/smtpd[${random.int(1000, 9999)}]: disconnect from unknown[${event.ip}] ehlo=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=6`;
    default:
      return `${envelope} ${event.host} CRON[${random.int(1000, 9999)}]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)`;
  }
}

function summarise(scenario: MailScenario) {
  const byUser = new Map<string, { ips: Set<string>; logins: number; failures: number }>();
  for (const event of scenario.events) {
    let entry = byUser.get(event.user);
    if (entry === undefined) {
      entry = { ips: new Set(), logins: 0, failures: 0 };
      byUser.set(event.user, entry);
    }
    entry.ips.add(event.ip);
    if (event.success) entry.logins += 1;
    else entry.failures += 1;
  }
  return scenario.accounts.map((account) => {
    const entry = byUser.get(account.user);
    return { ...account, ips: entry?.ips.size ?? 0, logins: entry?.logins ?? 0, failures: entry?.failures ?? 0 };
  });
}
