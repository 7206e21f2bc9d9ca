import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../helpers/vigil-cli.js";

const KAFKAJS_TIMER = "-1796588204223 is a negative number.";
const OWN_TIMER = "-5 is a negative number.";
const OTHER = "a warning that has nothing to do with timers";

/**
 * Runs a Node process that makes three warnings, the first from a file in a `kafkajs` package (as kafkajs'
 * request queue does on Node 23 and later: tulios/kafkajs#1751), the others from the script itself, after
 * building a kafkajs client through Vigil's `createKafka` (or not). Returns what Node printed on stderr.
 */
function warningsPrinted(options: { throughCreateKafka: boolean; nodeArgs?: string[] }): string {
  const folder = mkdtempSync(join(tmpdir(), "vigil-kafkajs-warning-"));
  const queueFolder = join(folder, "node_modules", "kafkajs", "src", "network", "requestQueue");
  mkdirSync(queueFolder, { recursive: true });
  writeFileSync(
    join(queueFolder, "index.js"),
    `module.exports = () => process.emitWarning(${JSON.stringify(`${KAFKAJS_TIMER}\nTimeout duration was set to 1.`)}, "TimeoutNegativeWarning");\n`,
  );
  const kafkaModule = pathToFileURL(join(repoRoot, "dist", "bus", "kafka.js")).href;
  const script = [
    `import { createRequire } from "node:module";`,
    `import { createKafka } from ${JSON.stringify(kafkaModule)};`,
    options.throughCreateKafka
      ? `createKafka({ clientId: "warning-test", brokers: ["127.0.0.1:1"] }, { info() {}, debug() {} });`
      : "",
    `createRequire(import.meta.url)("./node_modules/kafkajs/src/network/requestQueue/index.js")();`,
    `process.emitWarning(${JSON.stringify(OWN_TIMER)}, "TimeoutNegativeWarning");`,
    `process.emitWarning(${JSON.stringify(OTHER)});`,
  ].join("\n");
  writeFileSync(join(folder, "script.mjs"), script);
  const result = spawnSync(process.execPath, [...(options.nodeArgs ?? []), "script.mjs"], {
    cwd: folder,
    encoding: "utf8",
  });
  rmSync(folder, { recursive: true, force: true });
  expect(result.status, result.stderr).toBe(0);
  return result.stderr;
}

describe("kafkajs' negative timer warning (Node 23 and later)", () => {
  it("is not printed once Vigil built a kafkajs client; every other warning still is", () => {
    const stderr = warningsPrinted({ throughCreateKafka: true });
    expect(stderr).not.toContain(KAFKAJS_TIMER);
    expect(stderr).toContain(OWN_TIMER);
    expect(stderr).toContain(OTHER);
  });

  it("is printed like any warning without a kafkajs client, so the test above proves the hiding", () => {
    const stderr = warningsPrinted({ throughCreateKafka: false });
    expect(stderr).toContain(KAFKAJS_TIMER);
    expect(stderr).toContain(OWN_TIMER);
  });

  it("leaves --no-warnings and --trace-warnings as Node makes them", () => {
    expect(warningsPrinted({ throughCreateKafka: true, nodeArgs: ["--no-warnings"] })).toBe("");
    const traced = warningsPrinted({ throughCreateKafka: true, nodeArgs: ["--trace-warnings"] });
    expect(traced).not.toContain(KAFKAJS_TIMER);
    expect(traced).toMatch(/-5 is a negative number\.\n\s+at /);
  });
});
