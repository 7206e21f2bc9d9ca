import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Registry } from "prom-client";
import { afterEach, expect, test, vi } from "vitest";
import { createKafka } from "../../../bus/kafka.js";
import { createShipper } from "../../../ingest/shipper.js";
import { silentLogger } from "../../../runtime/logger.js";
import { createShipMetrics } from "../../../runtime/ship-metrics.js";
import { ConfigSchema, type KafkaConfig } from "../../../schemas/config.js";
import { freePort } from "../../../scripts/kafka/kafka-broker.js";
import { waitFor } from "../../helpers/scaled-out.js";
import { tempDir } from "../../helpers/vigil-cli.js";

afterEach(() => {
  vi.useRealTimers();
});

// The shipper's health says how long lines have waited for the broker. A shipper idle for two minutes
// whose broker just went away has waited since its lines were read, not since its last acknowledged send
// (it reported "waiting for 138112 ms" seconds into an outage, and /healthz failed at once).
test("lines held for an unreachable broker wait since they were read, not since the last acknowledged send", async () => {
  const dir = tempDir("shipper-waiting");
  const log = join(dir, "maillog");
  writeFileSync(log, "Nov 24 08:00:00 mx1 dovecot: imap-login: Login: user=<ann>, rip=192.0.2.7\n");
  const closedPort = await freePort();
  const config = ConfigSchema.parse({
    data: join(dir, "data"),
    sources: [{ path: log }],
    kafka: { brokers: [`127.0.0.1:${closedPort}`], clientId: "shipper-waiting" },
  });
  const kafkaConfig = config.kafka as KafkaConfig;
  vi.useFakeTimers({ toFake: ["Date"] });
  const startedAt = Date.parse("2026-12-06T08:00:00Z");
  vi.setSystemTime(startedAt);
  const shipper = createShipper({
    config,
    kafkaConfig,
    kafka: createKafka(kafkaConfig, silentLogger()),
    logger: silentLogger(),
    metrics: createShipMetrics(new Registry()),
  });
  expect(shipper.waitingSince()).toBeNull();

  const readAt = startedAt + 120_000;
  vi.setSystemTime(readAt);
  const controller = new AbortController();
  const running = shipper.run(controller.signal).catch(() => undefined);
  await waitFor(() => shipper.holding() === 1, "the line to be held for the broker", 10_000);
  expect(shipper.waitingSince()).toBeGreaterThanOrEqual(readAt);
  controller.abort();
  await running;
}, 30_000);
