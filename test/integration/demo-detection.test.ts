import { describe, expect, test } from "vitest";
import { tempDir, vigil } from "../helpers/vigil-cli.js";

describe("vigil demo", () => {
  test("flags every compromised account and no roaming smartphone, and says where its data went", async () => {
    const data = tempDir("demo");
    const demo = await vigil(["demo", "--data", data]);
    expect(demo.code, demo.stderr).toBe(0);
    const truth =
      /(\d+) of (\d+) compromised accounts flagged, (\d+) of (\d+) roaming smartphones flagged, (\d+) other accounts flagged/.exec(
        demo.stdout,
      );
    expect(truth, demo.stdout).not.toBeNull();
    const [, caught, compromised, phonesFlagged, phones, others] = (truth ?? []).map(Number);
    expect(compromised).toBeGreaterThanOrEqual(10);
    expect(caught).toBe(compromised);
    expect(phones).toBeGreaterThanOrEqual(100);
    expect(phonesFlagged).toBe(0);
    expect(others).toBe(0);
    expect(demo.stdout).toContain(`chDB (embedded ClickHouse) in ${data}/chdb`);

    // The commands it suggests work on what it stored.
    const alerts = await vigil(["alerts", "--format", "json", "--data", data]);
    expect(alerts.code).toBe(0);
    const users = new Set(
      alerts.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line).user as string),
    );
    expect(users.size).toBe(compromised);
    const top = await vigil([
      "top",
      "accounts",
      "--since",
      "24h",
      "--format",
      "json",
      "--limit",
      String(compromised),
      "--data",
      data,
    ]);
    const topUsers = top.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line).user as string);
    expect(topUsers.length).toBe(compromised);
    expect(users.has(topUsers[0] ?? ""), `${topUsers[0]} is on top but not alerted`).toBe(true);
  }, 180_000);
});
