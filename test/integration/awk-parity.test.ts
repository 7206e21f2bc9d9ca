import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { writeAwkLoginLog } from "../../demo/write-awk-login-log.js";
import { tempDir, vigil } from "../helpers/vigil-cli.js";

const ONE_LINER = `/LOGIN,/ {if (index(i[$12], $13) == 0) i[$12]=i[$12] " " $13} END {for(p in i) {print split(i[p], a, " ") " " p " " i[p]}}`;

function oneLiner(awk: string, file: string): string {
  return execFileSync("sh", ["-c", `${awk} '${ONE_LINER}' '${file}' | LC_ALL=C sort -n | grep -v '^1 '`], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
}

describe("vigil top accounts --format awk prints what the awk one-liner prints", () => {
  const dir = tempDir("awk");
  const file = join(dir, "maillog");
  let ours = "";

  beforeAll(async () => {
    await writeAwkLoginLog({ path: file, lines: 200_000, users: 5_000, seed: 11 });
    const data = join(dir, "data");
    const imported = await vigil(["backfill", "--format", "awk-login", "--quiet-alerts", "--data", data, file]);
    expect(imported.stderr).toContain("200000 lines");
    expect(imported.code).toBe(0);
    const top = await vigil(["top", "accounts", "--format", "awk", "--data", data]);
    expect(top.code).toBe(0);
    ours = top.stdout;
  }, 240_000);

  test("under mawk", () => {
    const expected = oneLiner("mawk", file);
    expect(expected.split("\n").length).toBeGreaterThan(100);
    expect(ours).toBe(expected);
  });

  test("under gawk", () => {
    expect(ours).toBe(oneLiner("gawk", file));
  });
});
