import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { repoRoot, vigil } from "../helpers/vigil-cli.js";

const version = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;

describe("vigil's entry point loads only the command asked for, and still knows every command", () => {
  test("--version and -V print the package's version", async () => {
    for (const flag of ["--version", "-V"]) {
      const result = await vigil([flag]);
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toBe(version);
    }
  });

  test("`help top` prints top's own help", async () => {
    const result = await vigil(["help", "top"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Usage: vigil top");
    expect(result.stdout).toContain("accounts");
  });

  test("plain `help` and an unknown command still list every command", async () => {
    const help = await vigil(["help"]);
    expect(help.code).toBe(0);
    for (const command of ["demo", "run", "backfill", "top", "history", "alerts", "ship", "process"])
      expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    const unknown = await vigil(["nosuch"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'nosuch'");
  });

  test("a command line commander refuses is bad input: exit 2, with what was wrong", async () => {
    const refused: [string[], string][] = [
      [["top", "accounts", "--bogus"], "unknown option '--bogus'"],
      [["process", "--role", "parsee"], "Allowed choices are parse, account-ips, outbound, all"],
      [["history"], "missing required argument 'user'"],
      [["kafka", "init", "--config"], "argument missing"],
    ];
    for (const [args, message] of refused) {
      const result = await vigil(args);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).toContain(message);
    }
    const help = await vigil(["top", "--help"]);
    expect(help.code).toBe(0);
  });
});
