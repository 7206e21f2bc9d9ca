import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { loadConfig } from "../../../cli/load-config.js";

function configFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "vigil-config-")), "vigil.yaml");
  writeFileSync(path, text);
  return path;
}

describe("loading the config", () => {
  test("the example config parses", () => {
    const config = loadConfig({ config: "vigil.example.yaml", data: "/tmp/x" });
    expect(config.data).toBe("/tmp/x");
    expect(config.sources.length).toBeGreaterThan(0);
  });

  test("a bad value names the key, the value and what is allowed", () => {
    const path = configFile("accountIps:\n  lateness: soon\n");
    expect(() => loadConfig({ config: path })).toThrow(/accountIps\.lateness: a duration.*got "soon"/);
  });

  test("an unknown key is refused by name", () => {
    const path = configFile("sources:\n  - path: /var/log/maillog\n    fromat: postfix\n");
    expect(() => loadConfig({ config: path })).toThrow(/sources\[0\].*fromat/);
  });

  test("invalid YAML says where", () => {
    const path = configFile("sources: [\n");
    expect(() => loadConfig({ config: path })).toThrow(/not valid YAML/);
  });

  test("a missing file says which", () => {
    expect(() => loadConfig({ config: "/nonexistent/vigil.yaml" })).toThrow(/cannot read config file \/nonexistent/);
  });
});
