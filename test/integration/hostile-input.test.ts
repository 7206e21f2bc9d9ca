import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { dumpStore } from "../helpers/dump-store.js";
import { tempDir, vigil } from "../helpers/vigil-cli.js";

const ok = (user: string, ip: string, minute: number) =>
  `Nov 24 10:${String(minute).padStart(2, "0")}:00 mx1 dovecot: imap-login: Login: user=<${user}>, method=PLAIN, rip=${ip}, lip=192.0.2.1, mpid=1, TLS, session=<abc>`;

describe("hostile input", () => {
  test("binary garbage, a 1 MB line, invalid UTF-8 and shell-looking user names are counted, kept, never executed", async () => {
    const dir = tempDir("hostile");
    const pwned = join(dir, "pwned");
    const nasty = [
      `x;touch ${pwned}`,
      `$(touch ${pwned})`,
      `\`touch ${pwned}\``,
      `o'brien"q`,
      "jürgen@exämple.de",
      "ユーザー",
    ];
    const parts: Buffer[] = [
      Buffer.from(`${ok("ann@example.com", "203.0.113.9", 1)}\n`),
      Buffer.from([0x00, 0xff, 0xfe, 0x1b, 0x5b, 0x32, 0x4a, 0x0a]), // binary and an escape sequence
      Buffer.concat([
        Buffer.from("Nov 24 10:02:00 mx1 postfix/smtpd[1]: sasl_username="),
        Buffer.alloc(1024 * 1024, 0x41),
        Buffer.from("\n"),
      ]),
      Buffer.concat([
        Buffer.from("Nov 24 10:03:00 mx1 dovecot: imap-login: Login: user=<bad\xff\xfe"),
        Buffer.from([0xc3, 0x28]),
        Buffer.from(">, rip=198.51.100.1\n"),
      ]),
      ...nasty.map((user, index) => Buffer.from(`${ok(user, `198.51.100.${index + 10}`, 10 + index)}\n`)),
      Buffer.from("this line ends without a newline"),
    ];
    const file = join(dir, "maillog");
    writeFileSync(file, Buffer.concat(parts));
    const data = join(dir, "data");
    const result = await vigil(["backfill", "--quiet-alerts", "--data", data, file]);
    expect(result.code, result.stderr).toBe(0);
    // 11 lines: 8 logins (the invalid UTF-8 one too), the 1 MB look-alike kept as unparsed, 2 other lines.
    expect(result.stderr).toMatch(/^11 lines .*: 8 authentication events, 2 other lines, 1 unparsed/m);
    expect(existsSync(pwned)).toBe(false);

    for (const [index, user] of nasty.entries()) {
      const history = await vigil(["history", user, "--format", "json", "--data", data]);
      expect(history.code, history.stderr).toBe(0);
      expect(JSON.parse(history.stdout.trim()).ip).toBe(`198.51.100.${index + 10}`);
    }
    expect(existsSync(pwned)).toBe(false);
    const dump = await dumpStore(data);
    // The 1 MB look-alike is kept (its first 64 KiB and its length) with the reason.
    expect(Number(JSON.parse(dump.unparsed_lines?.[0] ?? "{}").rows)).toBe(1);
  }, 120_000);

  test("importing the same file twice changes no query result", async () => {
    const dir = tempDir("twice");
    const file = join(dir, "maillog");
    writeFileSync(
      file,
      `${Array.from({ length: 50 }, (_, i) => ok(`u${i % 7}@example.com`, `203.0.${i}.9`, i)).join("\n")}\n`,
    );
    const data = join(dir, "data");
    expect((await vigil(["backfill", "--quiet-alerts", "--data", data, file])).code).toBe(0);
    const first = await dumpStore(data);
    const again = await vigil(["backfill", "--quiet-alerts", "--data", data, file]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("imported before");
    expect(await dumpStore(data)).toEqual(first);
    expect(Number(JSON.parse(first.mail_auth_events?.[0] ?? "{}").rows)).toBe(50);
  }, 120_000);
});
