/**
 * A real single-node Apache Kafka broker (KRaft, broker and controller in one
 * JVM) on 127.0.0.1, from jars Maven fetches from Maven Central, for
 * development (`npm run kafka:start`) and the integration tests. The recipe
 * and its reasons are in ../shared/kafka-broker.md and docs/kafka.md.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export const KAFKA_VERSION = "3.9.2";
/** The folder holding package.json, from the sources (scripts/kafka) or the build (dist/scripts/kafka). */
function findRepoRoot(): string {
  let folder = import.meta.dirname;
  while (!existsSync(join(folder, "package.json")) && dirname(folder) !== folder) folder = dirname(folder);
  return folder;
}
const repoRoot = findRepoRoot();
const pomPath = join(repoRoot, "scripts", "kafka", "pom.xml");
const defaultCache = join(repoRoot, ".vigil-cache", "kafka");

export type KafkaBroker = {
  /** `127.0.0.1:PORT`, for kafkajs `brokers`. */
  bootstrap: string;
  port: number;
  controllerPort: number;
  pid: number;
  runDir: string;
  /** SIGTERM (clean shutdown), SIGKILL after 30 s, then the run folder is removed unless `keepData`. */
  stop(options?: { keepData?: boolean }): Promise<void>;
  /** The broker's own output so far (for failure messages). */
  output(): string;
};

export class KafkaSetupError extends Error {}

function requireTool(command: string, args: string[], what: string): void {
  try {
    execFileSync(command, args, { stdio: "ignore" });
  } catch {
    throw new KafkaSetupError(
      `${command} is not available: the Kafka broker for development and tests needs ${what}. Install it (Debian: apt-get install openjdk-17-jre-headless maven) and try again.`,
    );
  }
}

/** The broker's runtime jars, fetched once by Maven into the cache folder. Returns the folder. */
export function ensureKafkaJars(cacheDir = defaultCache): string {
  const jars = join(cacheDir, `jars-${KAFKA_VERSION}`);
  const marker = join(jars, ".complete");
  if (existsSync(marker)) return jars;
  requireTool("java", ["-version"], "Java 17 or newer");
  requireTool("mvn", ["-v"], "Apache Maven");
  mkdirSync(cacheDir, { recursive: true });
  process.stderr.write(`fetching Apache Kafka ${KAFKA_VERSION} jars from Maven Central into ${jars} ...\n`);
  try {
    execFileSync(
      "mvn",
      [
        "-q",
        "-B",
        "-f",
        pomPath,
        `-Dmaven.repo.local=${join(cacheDir, "m2")}`,
        `-Dkafka.version=${KAFKA_VERSION}`,
        "dependency:copy-dependencies",
        "-DincludeScope=runtime",
        `-DoutputDirectory=${jars}`,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
  } catch (error) {
    const detail = (error as { stdout?: Buffer; stderr?: Buffer }).stdout?.toString().slice(-2000) ?? "";
    throw new KafkaSetupError(`Maven could not fetch the Kafka jars (is Maven Central reachable?):\n${detail}`);
  }
  const count = readdirSync(jars).filter((name) => name.endsWith(".jar")).length;
  if (count === 0) throw new KafkaSetupError(`Maven fetched no jars into ${jars}`);
  writeFileSync(marker, `${count}\n`);
  return jars;
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function serverProperties(port: number, controllerPort: number, runDir: string): string {
  return `process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controllerPort}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=${join(runDir, "data")}
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
default.replication.factor=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
offsets.topic.num.partitions=1
transaction.state.log.num.partitions=1
auto.create.topics.enable=false
num.network.threads=2
num.io.threads=2
background.threads=2
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=16777216
group.min.session.timeout.ms=1000
`;
}

const LOG4J = `log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.controller=WARN
log4j.logger.org.apache.kafka.controller=WARN
`;

const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function killAllOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of running) child.kill("SIGKILL");
  });
}

export type StartOptions = {
  cacheDir?: string;
  /** Reuse a run folder (a restarted broker keeps its data); default: a fresh one. */
  runDir?: string;
  port?: number;
  controllerPort?: number;
  /** Keep the JVM running when this process exits (`npm run kafka:start`). */
  detached?: boolean;
  readyTimeoutMs?: number;
};

/** Formats a fresh run folder (or reuses `runDir`'s data) and starts the broker; resolves when it serves. */
export async function startKafkaBroker(options: StartOptions = {}): Promise<KafkaBroker> {
  const jars = ensureKafkaJars(options.cacheDir);
  // Checked on every start, not only before the first fetch: cached jars need a Java too.
  requireTool("java", ["-version"], "Java 17 or newer");
  const classpath = `${jars}/*`;
  const runDir = options.runDir ?? mkdtempSync(join(tmpdir(), "vigil-kafka-"));
  mkdirSync(join(runDir, "tmp"), { recursive: true });
  const port = options.port ?? (await freePort());
  const controllerPort = options.controllerPort ?? (await freePort());
  const propertiesPath = join(runDir, "server.properties");
  writeFileSync(propertiesPath, serverProperties(port, controllerPort, runDir));
  const log4jPath = join(runDir, "log4j.properties");
  writeFileSync(log4jPath, LOG4J);
  if (!existsSync(join(runDir, "data", "meta.properties"))) {
    // 16 random bytes, base64url without padding, never starting with "-".
    let clusterId = randomBytes(16).toString("base64url");
    while (clusterId.startsWith("-")) clusterId = randomBytes(16).toString("base64url");
    execFileSync(
      "java",
      ["-Xmx256m", "-cp", classpath, "kafka.tools.StorageTool", "format", "-t", clusterId, "-c", propertiesPath],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
  }
  const outputPath = join(runDir, "broker.out");
  const out = openSync(outputPath, "a");
  const child = spawn(
    "java",
    [
      "-Xms256m",
      "-Xmx512m",
      "-XX:+UseSerialGC",
      "-XX:TieredStopAtLevel=1",
      `-Dlog4j.configuration=file:${log4jPath}`,
      `-Djava.io.tmpdir=${join(runDir, "tmp")}`,
      "-cp",
      classpath,
      "kafka.Kafka",
      propertiesPath,
    ],
    { stdio: ["ignore", out, out], detached: options.detached === true },
  );
  closeSync(out);
  const output = () => (existsSync(outputPath) ? readFileSync(outputPath, "utf8") : "");
  if (options.detached === true) child.unref();
  else {
    running.add(child);
    killAllOnExit();
  }
  let exited = false;
  let spawnError: Error | undefined;
  child.once("exit", () => {
    exited = true;
    running.delete(child);
  });
  child.once("error", (error) => {
    spawnError = error;
    exited = true;
    running.delete(child);
  });
  const deadline = Date.now() + (options.readyTimeoutMs ?? 90_000);
  const startedAt = output().length;
  for (;;) {
    const text = output().slice(startedAt);
    if (text.includes("Kafka Server started")) break;
    if (exited || Date.now() > deadline) {
      child.kill("SIGKILL");
      let why = exited ? "the JVM exited" : "not ready after the timeout";
      if (spawnError !== undefined) why = `java could not be run: ${spawnError.message}`;
      throw new KafkaSetupError(
        `the Kafka broker did not start (${why}); its last output:\n${text.split("\n").slice(-30).join("\n")}`,
      );
    }
    await new Promise((wake) => setTimeout(wake, 200));
  }
  const pid = child.pid ?? 0;
  return {
    bootstrap: `127.0.0.1:${port}`,
    port,
    controllerPort,
    pid,
    runDir,
    output,
    async stop(stopOptions = {}) {
      if (!exited) {
        const gone = new Promise<void>((done) => child.once("exit", () => done()));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
        await gone;
        clearTimeout(timer);
      }
      if (stopOptions.keepData !== true && options.runDir === undefined)
        rmSync(runDir, { recursive: true, force: true });
    },
  };
}
