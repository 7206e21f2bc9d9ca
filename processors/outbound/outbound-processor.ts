import { hash } from "node:crypto";
import { createNetworkList } from "../../runtime/network-list.js";
import type { ConnEvent, Resolution } from "../../schemas/outbound-evidence.js";
import type { WebConfig } from "../../schemas/web-config.js";
import type { AlertRow } from "../account-ips/rows.js";
import { createRing, type Interval, latencyLink, type RequestSpan } from "./latency-link.js";

/**
 * The `outbound` processor: per web host and destination, first and last
 * seen, connections and processes; and the findings, each an alert with its
 * evidence: a site's own domain leaving the host, a stale resolution, a new
 * destination, with the latency link. Pure: event time only, no IO; the
 * pipeline around it reads the samples and writes the rows.
 */
export const OWN_DOMAIN_LEAVES_HOST = "own-domain-leaves-host";
export const STALE_RESOLUTION = "stale-resolution";
export const NEW_DESTINATION = "new-destination";

export type DestinationRow = {
  host: string;
  address: string;
  port: number;
  first_seen: number;
  last_seen: number;
  connections: number;
  processes: string[];
  verdict: string;
  domains: string[];
};

type Destination = DestinationRow & { changed: boolean };
type HostState = {
  firstSeen: number;
  own: Set<string>;
  resolutions: Map<string, Resolution>;
  destinations: Map<string, Destination>;
  /** Open intervals of connections per destination address. */
  intervals: Map<string, ReturnType<typeof createRing<Interval>>>;
  /** Last sighting of each connection (4-tuple), to count a connection once across samples. */
  seen: Map<string, number>;
  seenLimit: number;
};

const MAX_DESTINATIONS_PER_HOST = 10_000;
const MAX_PROCESSES = 16;
const CONNECTION_GAP_MS = 15_000;
const SEEN_LIMIT = 50_000;

export function createOutboundProcessor(options: { config: WebConfig; learningMs: number }) {
  const { config } = options;
  const hosts = new Map<string, HostState>();
  const requests = new Map<string, ReturnType<typeof createRing<RequestSpan>>>();
  const siteAddresses = new Map(
    config.sites
      .filter((site) => site.address !== undefined)
      .map((site) => [site.domain.toLowerCase(), site.address as string]),
  );
  const domains = new Set(config.sites.map((site) => site.domain.toLowerCase()));
  const expected = createNetworkList(config.expected.cidrs, "web.expected.cidrs");
  const expectedHosts = new Set(config.expected.hosts.map((name) => name.toLowerCase()));
  /** Addresses the expected host names resolved to, as the web hosts' resolvers answered. */
  const expectedAddresses = new Set<string>();
  let alerts: AlertRow[] = [];
  const fired = new Set<string>();

  const hostState = (host: string, ts: number): HostState => {
    let state = hosts.get(host);
    if (state === undefined) {
      state = {
        firstSeen: ts,
        own: new Set(config.ownAddresses),
        resolutions: new Map(),
        destinations: new Map(),
        intervals: new Map(),
        seen: new Map(),
        seenLimit: SEEN_LIMIT,
      };
      hosts.set(host, state);
    }
    return state;
  };

  const isOwn = (state: HostState, address: string) =>
    state.own.has(address) || address.startsWith("127.") || address === "::1" || address === "0.0.0.0";

  const fire = (
    kind: string,
    subject: string,
    ts: number,
    level: number,
    verdict: string,
    summary: string,
    evidence: unknown,
  ) => {
    const day = Math.floor(ts / 86_400_000) * 86_400_000;
    const key = `${kind}\n${subject}\n${day}\n${level}`;
    if (fired.has(key)) return;
    fired.add(key);
    alerts.push({
      alert_id: hash("sha1", key, "hex").slice(0, 16),
      kind,
      subject,
      window: "24h",
      window_start: day,
      window_end: day + 86_400_000,
      level,
      verdict,
      summary,
      evidence: JSON.stringify(evidence),
      fired_at: ts,
    });
  };

  const domainsResolvingTo = (state: HostState, address: string) =>
    [...state.resolutions.values()].filter((resolution) => resolution.addresses.includes(address)).map((r) => r.domain);

  const requestTimes = (domain: string) => requests.get(domain)?.values() ?? [];

  return {
    /** A domain served here, learned from %v of the access logs. */
    addSite(domain: string) {
      if (domain === "" || domains.has(domain) || domains.size >= 10_000) return;
      domains.add(domain.toLowerCase());
    },
    /** The names the resolver sampler asks for: the sites and the expected hosts. */
    sites: () => [...new Set([...domains, ...expectedHosts])],
    observeRequest(vhost: string, ts: number, durationUs: number) {
      if (vhost === "" || durationUs < 0) return;
      let ring = requests.get(vhost);
      const domain = vhost.toLowerCase();
      if (ring === undefined) {
        if (requests.size >= 10_000) return;
        ring = createRing<RequestSpan>(20_000);
        requests.set(domain, ring);
        if (domain !== vhost) requests.set(vhost, ring);
      }
      // %t has whole seconds: a request logged at :10 began within [:10, :11).
      const uncertainty = ts % 1000 === 0 ? 1000 : 0;
      ring.push({ start: ts, end: ts + uncertainty + durationUs / 1000, duration: durationUs / 1000 });
    },
    observeResolution(resolution: Resolution) {
      const domain = resolution.domain.toLowerCase();
      if (expectedHosts.has(domain)) {
        for (const address of resolution.addresses) if (expectedAddresses.size < 10_000) expectedAddresses.add(address);
        if (!domains.has(domain)) return;
      }
      const state = hostState(resolution.host, resolution.ts);
      state.resolutions.set(domain, { ...resolution, domain });
      const current = siteAddresses.get(domain) ?? majorityAnswer(hosts, domain, resolution.host);
      if (current !== undefined && resolution.addresses.length > 0 && !resolution.addresses.includes(current)) {
        fire(
          STALE_RESOLUTION,
          domain,
          resolution.ts,
          1,
          "stale",
          `${resolution.host} resolves ${domain} to ${resolution.addresses.join(", ")}, not to the site's current address ${current}: its requests to ${domain} go to another (perhaps the old) host`,
          {
            host: resolution.host,
            domain,
            resolved: resolution.addresses,
            current,
            fix: `vigil actions pin-domain ${domain} -g ${config.group}`,
          },
        );
      }
    },
    observeConnection(conn: ConnEvent) {
      const state = hostState(conn.host, conn.ts);
      state.own.add(conn.src);
      if (isOwn(state, conn.dst)) return;
      const tuple = `${conn.src}|${conn.src_port}|${conn.dst}|${conn.dst_port}`;
      const last = state.seen.get(tuple);
      const isNew = last === undefined || conn.ts - last > CONNECTION_GAP_MS || conn.source === "nflog";
      state.seen.set(tuple, conn.ts);
      if (state.seen.size > state.seenLimit) {
        // Forget connections not seen for a while; the limit grows with what stays, so this runs rarely.
        for (const [key, at] of state.seen) if (conn.ts - at > CONNECTION_GAP_MS) state.seen.delete(key);
        state.seenLimit = Math.max(SEEN_LIMIT, state.seen.size * 2);
      }
      let ring = state.intervals.get(conn.dst);
      if (ring === undefined) {
        ring = createRing<Interval>(2_000);
        state.intervals.set(conn.dst, ring);
      }
      const latest = ring.last();
      if (latest !== undefined && conn.ts - latest.end <= CONNECTION_GAP_MS) latest.end = Math.max(latest.end, conn.ts);
      else ring.push({ start: conn.ts, end: conn.ts });

      const key = `${conn.dst}|${conn.dst_port}`;
      let destination = state.destinations.get(key);
      if (destination === undefined) {
        if (state.destinations.size >= MAX_DESTINATIONS_PER_HOST) return;
        const learning = conn.ts - state.firstSeen < options.learningMs;
        const fine =
          expected.has(conn.dst) || expectedAddresses.has(conn.dst) || config.expected.ports.includes(conn.dst_port);
        destination = {
          host: conn.host,
          address: conn.dst,
          port: conn.dst_port,
          first_seen: conn.ts,
          last_seen: conn.ts,
          connections: 0,
          processes: [],
          verdict: fine ? "expected" : learning ? "learned" : "new",
          domains: [],
          changed: true,
        };
        state.destinations.set(key, destination);
        if (destination.verdict === "new") {
          fire(
            NEW_DESTINATION,
            `${conn.host} ${conn.dst}:${conn.dst_port}`,
            conn.ts,
            1,
            "new",
            `${conn.host} connects to ${conn.dst}:${conn.dst_port} (${conn.process || "unknown process"}), a destination neither expected nor seen while learning`,
            { host: conn.host, address: conn.dst, port: conn.dst_port, process: conn.process, uid: conn.uid },
          );
        }
      }
      destination.last_seen = Math.max(destination.last_seen, conn.ts);
      if (isNew) destination.connections += 1;
      if (
        conn.process !== "" &&
        !destination.processes.includes(conn.process) &&
        destination.processes.length < MAX_PROCESSES
      )
        destination.processes.push(conn.process);
      destination.changed = true;

      const ownDomains = domainsResolvingTo(state, conn.dst).filter((domain) => domains.has(domain));
      for (const domain of ownDomains) {
        destination.verdict = OWN_DOMAIN_LEAVES_HOST;
        if (!destination.domains.includes(domain)) destination.domains.push(domain);
        const link = latencyLink(requestTimes(domain), state.intervals.get(conn.dst)?.values() ?? []);
        const level = destination.connections >= 10 ? 2 : 1;
        fire(
          OWN_DOMAIN_LEAVES_HOST,
          domain,
          conn.ts,
          level,
          "own-domain-leaves-host",
          `${conn.host} connects to ${conn.dst}:${conn.dst_port}, the address its own site ${domain} resolves to on ${conn.host}, which is not one of its own addresses: the site's requests to itself leave the server and wait on another host` +
            (link.with_connections.requests > 0
              ? ` (requests of ${domain} while these connections are open: p99 ${link.with_connections.p99_ms} ms over ${link.with_connections.requests}; without: p99 ${link.without_connections.p99_ms} ms over ${link.without_connections.requests})`
              : "") +
            `. Fix: pin ${domain} to 127.0.0.1 in the hosts file of every web server: vigil actions pin-domain ${domain} -g ${config.group}`,
          {
            host: conn.host,
            domain,
            address: conn.dst,
            port: conn.dst_port,
            processes: destination.processes,
            connections: destination.connections,
            requests: requestTimes(domain).length,
            latency: link,
            fix: `vigil actions pin-domain ${domain} -g ${config.group}`,
          },
        );
      }
    },
    /** Destinations changed since the last call, and the alerts that fired. */
    collect(): { destinations: DestinationRow[]; alerts: AlertRow[] } {
      const destinations: DestinationRow[] = [];
      for (const state of hosts.values()) {
        for (const destination of state.destinations.values()) {
          if (!destination.changed) continue;
          destination.changed = false;
          const { changed: _changed, ...row } = destination;
          destinations.push({ ...row, processes: [...row.processes], domains: [...row.domains] });
        }
      }
      const out = alerts;
      alerts = [];
      return { destinations, alerts: out };
    },
    /** What a restart needs to go on with the same counts and verdicts (destinations, learning start, alerts fired). */
    snapshot(): OutboundSnapshot {
      return {
        hosts: [...hosts].map(([host, state]) => ({
          host,
          firstSeen: state.firstSeen,
          own: [...state.own].slice(0, 1000),
          destinations: [...state.destinations.values()].map(({ changed: _changed, ...row }) => row),
        })),
        fired: [...fired].slice(-10_000),
      };
    },
    restore(snapshot: OutboundSnapshot) {
      for (const saved of snapshot.hosts) {
        const state = hostState(saved.host, saved.firstSeen);
        state.firstSeen = saved.firstSeen;
        for (const address of saved.own) state.own.add(address);
        for (const row of saved.destinations)
          state.destinations.set(`${row.address}|${row.port}`, { ...row, changed: false });
      }
      for (const key of snapshot.fired) fired.add(key);
    },
    latency(domain: string, host: string, address: string) {
      return latencyLink(requestTimes(domain), hosts.get(host)?.intervals.get(address)?.values() ?? []);
    },
  };
}

export type OutboundProcessor = ReturnType<typeof createOutboundProcessor>;

export type OutboundSnapshot = {
  hosts: { host: string; firstSeen: number; own: string[]; destinations: DestinationRow[] }[];
  fired: string[];
};

/** What most other hosts resolve a domain to, when they agree. */
function majorityAnswer(hosts: Map<string, HostState>, domain: string, except: string): string | undefined {
  const counts = new Map<string, number>();
  for (const [name, state] of hosts) {
    if (name === except) continue;
    const answer = state.resolutions.get(domain)?.addresses[0];
    if (answer !== undefined) counts.set(answer, (counts.get(answer) ?? 0) + 1);
  }
  const ranked = [...counts].sort((a, b) => b[1] - a[1]);
  return ranked.length > 0 &&
    (ranked.length === 1 || (ranked[0] as [string, number])[1] > (ranked[1] as [string, number])[1])
    ? ranked[0]?.[0]
    : undefined;
}
