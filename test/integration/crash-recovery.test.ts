import { once } from "node:events";
import { appendFileSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { buildMailScenario } from "../../demo/mail-scenario.js";
import { writeMailLogs } from "../../demo/write-mail-logs.js";
import { loadStateFile } from "../../processors/state-file.js";
import { dumpStore } from "../helpers/dump-store.js";
import { sliceLines } from "../helpers/scaled-out.js";
import { exitOf, startVigil, tempDir, vigil } from "../helpers/vigil-cli.js";

const DAY = 86_400_000;

async function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function committedOffset(dataDir: string): number {
  try {
    const state = loadStateFile(join(dataDir, "state.json"));
    if (state === null) return -1;
    return Math.max(0, ...state.positions.map((position) => position.offset));
  } catch {
    return -1;
  }
}

describe("crash recovery of vigil run", () => {
  test("SIGKILL at several points while tailing a growing file ends with exactly the results of an uninterrupted run", async () => {
    const dir = tempDir("crash");
    const scenario = buildMailScenario({
      seed: 5,
      users: 300,
      start: Math.floor(Date.now() / DAY) * DAY - DAY,
      hours: 24,
    });
    const written = await writeMailLogs({ scenario, dir: join(dir, "generated"), seed: 5 });
    const source = written.files.find((file) => file.format !== "exim") ?? written.files[0];
    if (source === undefined) throw new Error("the generator wrote no file");
    const content = readFileSync(source.path);
    const live = join(dir, "maillog");
    writeFileSync(live, "");
    const data = join(dir, "data");
    const config = join(dir, "vigil.yaml");
    writeFileSync(
      config,
      [
        `data: ${data}`,
        "sources:",
        `  - path: ${live}`,
        "tail: { pollInterval: 50ms, flushInterval: 200ms, batchLines: 700 }",
        "",
      ].join("\n"),
    );

    const slices = sliceLines(content, 12);
    const killAfter = new Set([2, 6, 9]);
    let run = startVigil(["run", "--config", config]);
    let kills = 0;
    for (const [index, slice] of slices.entries()) {
      // Each slice arrives in two writes that split a line, as a busy syslog daemon writes.
      const cut = Math.floor(slice.length / 2);
      appendFileSync(live, slice.subarray(0, cut));
      await new Promise((resolve) => setTimeout(resolve, 60));
      appendFileSync(live, slice.subarray(cut));
      await new Promise((resolve) => setTimeout(resolve, 250 + (index % 3) * 150));
      if (killAfter.has(index)) {
        run.kill("SIGKILL");
        await once(run, "exit");
        kills += 1;
        run = startVigil(["run", "--config", config]);
      }
    }
    const size = statSync(live).size;
    await waitFor(() => committedOffset(data) === size, "vigil run to commit the whole file");
    run.kill("SIGTERM");
    const code = await exitOf(run);
    expect(code, run.output()).toBe(0);
    expect(kills).toBe(3);

    const reference = join(dir, "reference");
    const imported = await vigil(["backfill", "--quiet-alerts", "--data", reference, live]);
    expect(imported.code, imported.stderr).toBe(0);

    const crashed = await dumpStore(data);
    const clean = await dumpStore(reference);
    expect(clean.account_ip_history?.length).toBeGreaterThan(100);
    expect(clean.alerts?.length).toBeGreaterThan(0);
    expect(crashed).toEqual(clean);
  }, 240_000);
});
