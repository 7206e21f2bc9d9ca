import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";

const dist = resolve(import.meta.dirname, "..", "..", "..", "dist");

/** Runs a script in a child Node process (ESM, importing from dist/): its exit code or signal, and its stdout. */
function runScript(script: string): Promise<{ status: number | string; stdout: Buffer; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (data: Buffer) => out.push(data));
    child.stderr.on("data", (data: Buffer) => err.push(data));
    child.on("error", fail);
    child.on("close", (code, signal) =>
      done({ status: code ?? signal ?? "unknown", stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }),
    );
  });
}

describe("exitProcess", () => {
  test("after the embedded engine ran MergeTree tables: ends with the code asked for, every byte of stdout delivered", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "vigil-exit-"));
    const script = `
      import { createStoreClient } from ${JSON.stringify(join(dist, "store/create-store-client.js"))};
      import { readFileSync } from "node:fs";
      import { exitProcess } from ${JSON.stringify(join(dist, "runtime/exit-process.js"))};
      const engineLoaded = () => readFileSync("/proc/self/maps", "utf8").includes("/libchdb.so");
      const client = createStoreClient({ dataDir: ${JSON.stringify(dataDir)} });
      await client.command({ query: "CREATE TABLE t (a UInt64) ENGINE = MergeTree ORDER BY a" });
      await client.insert({ table: "t", values: [{ a: 1 }, { a: 2 }], format: "JSONEachRow" });
      await client.close();
      if (!engineLoaded()) throw new Error("the engine should count as loaded");
      // A pipe holds 64 KiB: 4 MiB is still being written when exitProcess is called.
      process.stdout.write("x".repeat(4 << 20));
      process.stdout.write("\\nend\\n");
      process.exitCode = 5;
      // _exit skips Node's exit as well as the engine's destructors: this never prints.
      process.on("exit", () => process.stdout.write("node exit\\n"));
      await exitProcess();
    `;
    const { status, stdout, stderr } = await runScript(script);
    expect(status, stderr).toBe(5);
    expect(stdout.length).toBe((4 << 20) + 5);
    expect(stdout.subarray(-5).toString()).toBe("\nend\n");
  }, 60_000);

  test("without the engine: Node's own exit, with the code given", async () => {
    const script = `
      import { readFileSync } from "node:fs";
      import { exitProcess } from ${JSON.stringify(join(dist, "runtime/exit-process.js"))};
      const engineLoaded = () => readFileSync("/proc/self/maps", "utf8").includes("/libchdb.so");
      process.on("exit", () => process.stdout.write(engineLoaded() ? "engine\\n" : "node exit\\n"));
      await exitProcess(3);
    `;
    const { status, stdout, stderr } = await runScript(script);
    expect(status, stderr).toBe(3);
    expect(stdout.toString()).toBe("node exit\n");
  }, 60_000);
});
