import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { tempDir, vigil } from "../helpers/vigil-cli.js";

describe("vigil backfill: mistakes are named, with what to do", () => {
  const dir = tempDir("backfill-errors");
  const file = join(dir, "maillog");
  writeFileSync(file, "Nov 24 00:00:01 mx1 vpopmail[2231]: vchkpw-pop3: LOGIN, a b c d e ann@example.com 192.0.2.7\n");

  test("an unknown --format is a configuration error listing the formats, not a failure of the parse worker", async () => {
    const result = await vigil(["backfill", "--format", "nosuch", "--data", join(dir, "data"), file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('format: "nosuch" is not a known log format');
    expect(result.stderr).toMatch(/use one of: auto, .*awk-login/);
    expect(result.stderr).not.toContain("unexpected error");
  });

  test("a missing file names the file", async () => {
    const result = await vigil(["backfill", "--data", join(dir, "data"), join(dir, "missing.log")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`cannot read ${join(dir, "missing.log")}`);
  });

  test("a ClickHouse server that cannot be reached is named, with what to do, and the import ends", async () => {
    // Port 9 (discard) has no listener here: the connection is refused at once.
    const config = join(dir, "unreachable.yaml");
    writeFileSync(config, "clickhouse:\n  url: http://127.0.0.1:9\n");
    const result = await vigil(["backfill", "--config", config, "--data", join(dir, "data-unreachable"), file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("vigil: migrating the store: connect ECONNREFUSED 127.0.0.1:9");
    expect(result.stderr).toContain("what to do: check that the ClickHouse URL in the config is reachable");
    // Only Vigil's message: the client library's own dump of the failed request is not printed.
    expect(result.stderr).not.toContain("@clickhouse/client");
  });
});
