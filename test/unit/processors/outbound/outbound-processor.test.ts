import { describe, expect, test } from "vitest";
import {
  createOutboundProcessor,
  NEW_DESTINATION,
  OWN_DOMAIN_LEAVES_HOST,
  STALE_RESOLUTION,
} from "../../../../processors/outbound/outbound-processor.js";
import type { ConnEvent } from "../../../../schemas/outbound-evidence.js";
import { WebConfigSchema } from "../../../../schemas/web-config.js";

const T0 = Date.UTC(2026, 11, 2, 9, 0, 0);
const conn = (ts: number, srcPort: number, dst = "10.213.0.1", dstPort = 8080): ConnEvent => ({
  ts,
  host: "web1",
  source: "ss",
  process: "curl",
  pid: 42,
  uid: 33,
  src: "10.213.0.2",
  src_port: srcPort,
  dst,
  dst_port: dstPort,
});

describe("the outbound processor", () => {
  test("a site whose own domain resolves to another host: the finding names domain, address, processes, the latency link and the fix", () => {
    const processor = createOutboundProcessor({
      config: WebConfigSchema.parse({ sites: [{ domain: "shop.test" }], group: "web" }),
      learningMs: 0,
    });
    processor.observeResolution({ ts: T0, host: "web1", domain: "shop.test", addresses: ["10.213.0.1"], error: "" });
    // Fast requests before, slow ones while connections to the old host are open.
    for (let i = 0; i < 50; i++) processor.observeRequest("shop.test", T0 - 600_000 + i * 1000, 2_000);
    for (let i = 0; i < 20; i++) {
      processor.observeRequest("shop.test", T0 + i * 2_000, 1_500_000);
      processor.observeConnection(conn(T0 + i * 2_000 + 200, 40_000 + i));
      processor.observeConnection(conn(T0 + i * 2_000 + 1_200, 40_000 + i));
    }
    const { destinations, alerts } = processor.collect();
    expect(destinations).toEqual([
      expect.objectContaining({
        host: "web1",
        address: "10.213.0.1",
        port: 8080,
        connections: 20,
        processes: ["curl"],
        verdict: OWN_DOMAIN_LEAVES_HOST,
        domains: ["shop.test"],
      }),
    ]);
    const own = alerts.filter((alert) => alert.kind === OWN_DOMAIN_LEAVES_HOST);
    expect(own.map((alert) => alert.level)).toEqual([1, 2]);
    const evidence = JSON.parse(own[1]?.evidence ?? "{}");
    expect(evidence).toMatchObject({
      host: "web1",
      domain: "shop.test",
      address: "10.213.0.1",
      processes: ["curl"],
      fix: "vigil actions pin-domain shop.test -g web",
    });
    expect(evidence.latency.with_connections.p99_ms).toBe(1500);
    expect(evidence.latency.without_connections.p99_ms).toBe(2);
    expect(own[1]?.summary).toContain(
      "Fix: pin shop.test to 127.0.0.1 in the hosts file of every web server: vigil actions pin-domain shop.test -g web",
    );
    // Its own addresses and loopback are never destinations.
    processor.observeConnection(conn(T0 + 60_000, 50_000, "127.0.0.1", 8080));
    processor.observeConnection(conn(T0 + 60_000, 50_001, "10.213.0.2", 8080));
    expect(processor.collect().destinations).toEqual([]);
  });

  test("a stale resolution: another answer than the site's configured address", () => {
    const processor = createOutboundProcessor({
      config: WebConfigSchema.parse({ sites: [{ domain: "shop.test", address: "10.213.0.2" }] }),
      learningMs: 0,
    });
    processor.observeResolution({ ts: T0, host: "web1", domain: "shop.test", addresses: ["10.213.0.1"], error: "" });
    const [alert] = processor.collect().alerts;
    expect(alert).toMatchObject({ kind: STALE_RESOLUTION, subject: "shop.test" });
    expect(JSON.parse(alert?.evidence ?? "{}")).toMatchObject({ resolved: ["10.213.0.1"], current: "10.213.0.2" });
    processor.observeResolution({
      ts: T0 + 1000,
      host: "web1",
      domain: "shop.test",
      addresses: ["10.213.0.2"],
      error: "",
    });
    expect(processor.collect().alerts).toEqual([]);
  });

  test("new destinations after the learning period, unless expected; the state survives a snapshot", () => {
    const config = WebConfigSchema.parse({
      expected: { cidrs: ["192.0.2.0/24"], ports: [53], hosts: ["db.example.com"] },
    });
    const processor = createOutboundProcessor({ config, learningMs: 3_600_000 });
    expect(processor.sites()).toEqual(["db.example.com"]);
    processor.observeConnection(conn(T0, 1, "198.51.100.1", 443)); // learned
    processor.observeResolution({
      ts: T0,
      host: "web1",
      domain: "db.example.com",
      addresses: ["198.51.100.77"],
      error: "",
    });
    processor.observeConnection(conn(T0 + 7_200_000, 6, "198.51.100.77", 5432)); // an expected host's address
    processor.observeConnection(conn(T0 + 7_200_000, 2, "192.0.2.9", 3306)); // expected CIDR
    processor.observeConnection(conn(T0 + 7_200_000, 3, "198.51.100.2", 53)); // expected port
    processor.observeConnection(conn(T0 + 7_200_000, 4, "203.0.113.66", 6667)); // new
    const { destinations, alerts } = processor.collect();
    expect(Object.fromEntries(destinations.map((row) => [row.address, row.verdict]))).toEqual({
      "198.51.100.1": "learned",
      "192.0.2.9": "expected",
      "198.51.100.2": "expected",
      "203.0.113.66": "new",
      "198.51.100.77": "expected",
    });
    expect(alerts.map((alert) => [alert.kind, alert.subject])).toEqual([[NEW_DESTINATION, "web1 203.0.113.66:6667"]]);

    const restarted = createOutboundProcessor({ config, learningMs: 3_600_000 });
    restarted.restore(JSON.parse(JSON.stringify(processor.snapshot())));
    restarted.observeConnection(conn(T0 + 8_000_000, 5, "203.0.113.66", 6667));
    const again = restarted.collect();
    expect(again.alerts).toEqual([]);
    expect(again.destinations).toEqual([
      expect.objectContaining({ address: "203.0.113.66", connections: 2, verdict: "new" }),
    ]);
  });
});
