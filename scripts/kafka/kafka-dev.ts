/**
 * `npm run kafka:start` / `npm run kafka:stop`: one development broker that
 * outlives the command, its pid and address in `.vigil-cache/kafka/dev.json`.
 * Its data folder is kept between stops; `kafka:stop -- --wipe` removes it.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KafkaSetupError, startKafkaBroker } from "./kafka-broker.js";

const cache = join(process.cwd(), ".vigil-cache", "kafka");
const statePath = join(cache, "dev.json");
const runDir = join(cache, "dev");

type DevState = { pid: number; bootstrap: string; port: number; runDir: string };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function start(): Promise<void> {
  if (existsSync(statePath)) {
    const state = JSON.parse(readFileSync(statePath, "utf8")) as DevState;
    if (alive(state.pid)) {
      process.stdout.write(`Kafka is already running on ${state.bootstrap} (pid ${state.pid})\n`);
      return;
    }
  }
  const previous = existsSync(statePath) ? (JSON.parse(readFileSync(statePath, "utf8")) as DevState) : null;
  const broker = await startKafkaBroker({
    runDir,
    detached: true,
    ...(previous === null ? {} : { port: previous.port }),
  });
  const state: DevState = { pid: broker.pid, bootstrap: broker.bootstrap, port: broker.port, runDir };
  writeFileSync(statePath, `${JSON.stringify(state)}\n`);
  process.stdout.write(
    `Kafka ${broker.bootstrap} (pid ${broker.pid}, data ${runDir})\nput it in vigil.yaml: kafka: { brokers: ["${broker.bootstrap}"] }\n`,
  );
}

async function stop(wipe: boolean): Promise<void> {
  if (!existsSync(statePath)) {
    process.stdout.write("no development broker was started (npm run kafka:start)\n");
    return;
  }
  const state = JSON.parse(readFileSync(statePath, "utf8")) as DevState;
  if (alive(state.pid)) {
    process.kill(state.pid, "SIGTERM");
    const deadline = Date.now() + 30_000;
    while (alive(state.pid) && Date.now() < deadline) await new Promise((wake) => setTimeout(wake, 200));
    if (alive(state.pid)) process.kill(state.pid, "SIGKILL");
  }
  if (wipe) {
    rmSync(state.runDir, { recursive: true, force: true });
    rmSync(statePath, { force: true });
  }
  process.stdout.write(`Kafka stopped${wipe ? " and its data removed" : ""}\n`);
}

const [command, flag] = process.argv.slice(2);
try {
  if (command === "start") await start();
  else if (command === "stop") await stop(flag === "--wipe");
  else {
    process.stderr.write("usage: kafka-dev.js start | stop [--wipe]\n");
    process.exitCode = 2;
  }
} catch (error) {
  process.stderr.write(`${error instanceof KafkaSetupError ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
