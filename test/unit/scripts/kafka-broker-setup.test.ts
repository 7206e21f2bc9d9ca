import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ensureKafkaJars,
  KAFKA_VERSION,
  KafkaSetupError,
  startKafkaBroker,
} from "../../../scripts/kafka/kafka-broker.js";

// A machine without Java (or Maven): the broker's start says what is missing and what to install.
describe("the Kafka broker on a machine without Java", () => {
  let folder: string;
  let savedPath: string | undefined;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), "vigil-no-java-"));
    mkdirSync(join(folder, "empty-bin"));
    savedPath = process.env.PATH;
    process.env.PATH = join(folder, "empty-bin");
  });
  afterEach(() => {
    process.env.PATH = savedPath;
    rmSync(folder, { recursive: true, force: true });
  });

  it("names Java and the Debian packages before fetching the jars", () => {
    const attempt = () => ensureKafkaJars(join(folder, "cache"));
    expect(attempt).toThrow(KafkaSetupError);
    expect(attempt).toThrow(/java is not available.*Java 17 or newer.*apt-get install openjdk-17-jre-headless maven/);
  });

  it("names Java when the jars are already cached", async () => {
    const jars = join(folder, "cache", `jars-${KAFKA_VERSION}`);
    mkdirSync(jars, { recursive: true });
    writeFileSync(join(jars, ".complete"), "1\n");
    const runDir = join(folder, "run");
    mkdirSync(runDir);
    const start = startKafkaBroker({ cacheDir: join(folder, "cache"), runDir });
    await expect(start).rejects.toThrow(KafkaSetupError);
    await expect(start).rejects.toThrow(/java is not available.*apt-get install openjdk-17-jre-headless/);
  });
});
