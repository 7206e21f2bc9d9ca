import { appendFileSync, copyFileSync, renameSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { loadStateFile } from "../../processors/state-file.js";
import { exitOf, startVigil, tempDir, vigil } from "../helpers/vigil-cli.js";

const login = (n: number) =>
  `Nov 24 11:${String(Math.floor(n / 60) % 60).padStart(2, "0")}:${String(n % 60).padStart(2, "0")} mx1 dovecot: imap-login: Login: user=<u${n % 5}@example.com>, method=PLAIN, rip=198.51.${n % 200}.${(n % 250) + 1}, lip=192.0.2.1\n`;
const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => login(from + i)).join("");
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function committedLines(dataDir: string): number {
  try {
    const state = loadStateFile(join(dataDir, "state.json"));
    if (state === null) return 0;
    return (
      state.accountIps?.users.reduce((sum, user) => sum + user.ips.reduce((n, ip) => n + ip[3] + ip[4], 0), 0) ?? 0
    );
  } catch {
    return 0;
  }
}

describe("vigil run across log rotation", () => {
  test("rename and copytruncate rotations while tailing lose and double nothing", async () => {
    const dir = tempDir("run-rotation");
    const log = join(dir, "maillog");
    const data = join(dir, "data");
    writeFileSync(log, lines(0, 100));
    const config = join(dir, "vigil.yaml");
    writeFileSync(
      config,
      `data: ${data}\nsources:\n  - path: ${log}\ntail: { pollInterval: 30ms, flushInterval: 150ms }\n`,
    );
    const run = startVigil(["run", "--config", config]);
    // The rotation must happen while vigil run follows the file: wait until it has read the first lines.
    const started = Date.now() + 30_000;
    while (committedLines(data) < 100 && Date.now() < started) await pause(50);
    appendFileSync(log, lines(100, 150));
    // logrotate's default: rename, then a new file; the daemon writes a last line to the old one.
    renameSync(log, join(dir, "maillog.1"));
    appendFileSync(join(dir, "maillog.1"), lines(150, 160));
    writeFileSync(log, lines(160, 220));
    await pause(800);
    // copytruncate: copy, then truncate in place; new lines follow.
    copyFileSync(log, join(dir, "maillog.2"));
    truncateSync(log, 0);
    await pause(300);
    appendFileSync(log, lines(220, 300));
    const deadline = Date.now() + 30_000;
    while (committedLines(data) < 300 && Date.now() < deadline) await pause(100);
    run.kill("SIGTERM");
    const code = await exitOf(run);
    expect(code, run.output()).toBe(0);
    expect(committedLines(data)).toBe(300);
    const top = await vigil([
      "top",
      "accounts",
      "--format",
      "json",
      "--min-networks",
      "1",
      "--limit",
      "0",
      "--data",
      data,
    ]);
    const logins = top.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { logins: number })
      .reduce((sum, row) => sum + row.logins, 0);
    expect(logins).toBe(300);
  }, 120_000);
});
