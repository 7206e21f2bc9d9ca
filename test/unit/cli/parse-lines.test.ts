import { PassThrough } from "node:stream";
import { describe, expect, test } from "vitest";
import { parseLines } from "../../../cli/parse-lines.js";
import { ConfigSchema } from "../../../schemas/config.js";
import { ParseOutputSchema } from "../../../schemas/mail-auth-event.js";

describe("vigil parse", () => {
  test("writes one JSON object per line: events, and unparsed lines with their reason", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const chunks: Buffer[] = [];
    output.on("data", (data: Buffer) => chunks.push(data));
    input.end(
      [
        "Nov 24 02:00:01 mx1 dovecot: imap-login: Login: user=<Ann@Example.com>, method=PLAIN, rip=[::ffff:203.0.113.9], lip=192.0.2.1",
        "Nov 24 02:00:02 mx1 postfix/qmgr[77]: 3F2A1C0D4E: removed",
        "Nov 24 02:00:03 mx1 postfix/smtpd[1]: 5D: client=unknown[unknown], sasl_method=PLAIN, sasl_username=x",
      ].join("\n"),
    );
    const counts = await parseLines({ format: "auto", config: ConfigSchema.parse({}), input, output });
    expect(counts).toEqual({ lines: 3, events: 1, unparsed: 2 });
    const objects = Buffer.concat(chunks)
      .toString()
      .trim()
      .split("\n")
      .map((line) => ParseOutputSchema.parse(JSON.parse(line)));
    expect(objects[0]).toMatchObject({
      user: "ann@example.com",
      user_raw: "Ann@Example.com",
      ip: "203.0.113.9",
      success: true,
      format: "dovecot",
      host: "mx1",
    });
    expect(objects[0] && "ts" in objects[0] ? objects[0].ts : "").toMatch(/^\d{4}-11-24T02:00:01\.000Z$/);
    expect(objects[1]).toMatchObject({ unparsed: true, reason: "not an authentication event" });
    expect(objects[2]).toMatchObject({ unparsed: true, reason: "postfix: not an address: unknown" });
  });
});
