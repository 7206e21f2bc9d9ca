import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
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

  test("the example's actions section parses into the documented defaults, with its commented keys too", () => {
    const example = readFileSync("vigil.example.yaml", "utf8");
    const section = example.slice(example.indexOf("actions:"), example.indexOf("# Scaled-out mode"));
    const uncommented = section.replace(/^ {2}# (inventory|rules):/gm, "  $1:");
    const config = loadConfig({ config: configFile(uncommented) });
    expect(config.actions).toMatchObject({
      inventory: "./inventory.yml",
      rules: "./rules.yml",
      knownHosts: "~/.ssh/known_hosts",
      acceptNew: false,
      parallel: 10,
      timeoutSeconds: 300,
      serve: { listen: "127.0.0.1:9466", tokenEnv: "VIGIL_WEBHOOK_TOKEN", maxBodyBytes: 1048576 },
    });
    expect(loadConfig({ config: configFile("data: /tmp/x\n") }).actions).toEqual({
      ...config.actions,
      inventory: undefined,
      rules: undefined,
    });
  });

  test("the example's commented web section, uncommented, parses", () => {
    const example = readFileSync("vigil.example.yaml", "utf8");
    const section = example.slice(example.indexOf("# web:"), example.indexOf("# The fleet, remediations"));
    const config = loadConfig({
      config: configFile(
        section
          .split("\n")
          .map((line) => line.replace(/^# ?/, ""))
          .join("\n"),
      ),
    });
    expect(config.web).toMatchObject({
      host: "web1",
      group: "web",
      sites: [{ domain: "shop.example.com", address: "192.0.2.10" }],
      sampler: { interval: "5s", command: ["ss", "-tanpeH"] },
      learningPeriod: "24h",
    });
  });

  test("the example's commented kafka section, uncommented, parses into the documented defaults", () => {
    const example = readFileSync("vigil.example.yaml", "utf8");
    const kafka = example
      .slice(example.indexOf("# kafka:"))
      .split("\n")
      .map((line) => line.replace(/^# ?/, ""))
      .join("\n");
    const config = loadConfig({ config: configFile(kafka) });
    expect(config.kafka?.brokers).toEqual(["kafka1.example.net:9092", "kafka2.example.net:9092"]);
    expect(config.kafka?.topics.mailAuth).toEqual({
      name: "vigil.events.mail-auth",
      partitions: 12,
      retention: "7d",
      compact: false,
    });
    const defaults = loadConfig({ config: configFile('kafka: { brokers: ["127.0.0.1:9092"] }\n') });
    expect(defaults.kafka?.commitInterval).toBe("5s");
    expect(defaults.kafka?.topics.rawMail.name).toBe("vigil.raw.mail");
  });

  test("a broker given without a port is refused by key", () => {
    const path = configFile("kafka:\n  brokers: [localhost]\n");
    expect(() => loadConfig({ config: path })).toThrow(/kafka\.brokers\[0\]: HOST:PORT/);
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
