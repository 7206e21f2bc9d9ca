import type { ClickHouseClient } from "@clickhouse/client";

export type DestinationReportRow = {
  host: string;
  address: string;
  port: number;
  verdict: string;
  domains: string[];
  connections: number;
  processes: string[];
  first_seen: number;
  last_seen: number;
};

/** Destinations of the web hosts, with their verdicts; findings first, then by connections. */
export async function listDestinations(
  client: ClickHouseClient,
  options: { host?: string; sinceMs: number | null },
): Promise<DestinationReportRow[]> {
  const result = await client.query({
    query: `SELECT host, address, port, verdict, domains, toString(connections) AS connections, processes,
                   toUnixTimestamp64Milli(first_seen) AS first_seen, toUnixTimestamp64Milli(last_seen) AS last_seen
            FROM outbound_destinations FINAL
            WHERE ({host:String} = '' OR host = {host:String}) AND last_seen >= fromUnixTimestamp64Milli({since:Int64})
            ORDER BY verdict = 'own-domain-leaves-host' DESC, verdict = 'new' DESC, connections DESC, host, address, port`,
    query_params: { host: options.host ?? "", since: options.sinceMs ?? 0 },
    format: "JSONEachRow",
  });
  const rows = await result.json<Record<string, unknown>>();
  return rows.map((row) => ({
    host: String(row.host),
    address: String(row.address),
    port: Number(row.port),
    verdict: String(row.verdict),
    domains: row.domains as string[],
    connections: Number(row.connections),
    processes: row.processes as string[],
    first_seen: Number(row.first_seen),
    last_seen: Number(row.last_seen),
  }));
}

export type LatencyBucketRow = {
  vhost: string;
  bucket: number;
  requests: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  /** Connections seen to destinations where the vhost's own domain left the host, in the bucket. */
  own_domain_connections: number;
};

/** Request times per vhost and time bucket, beside the own-domain connections of the same bucket: the latency link over time. */
export async function latencyByBucket(
  client: ClickHouseClient,
  options: { bucketSeconds: number; sinceMs: number | null; vhost?: string },
): Promise<LatencyBucketRow[]> {
  const result = await client.query({
    query: `WITH requests AS (
              SELECT vhost, toUnixTimestamp(toStartOfInterval(ts, toIntervalSecond({bucket:UInt32}))) AS bucket,
                     count() AS requests,
                     quantile(0.5)(duration_us) / 1000 AS p50_ms, quantile(0.95)(duration_us) / 1000 AS p95_ms, quantile(0.99)(duration_us) / 1000 AS p99_ms
              FROM http_requests FINAL
              WHERE duration_us >= 0 AND vhost != '' AND ts >= fromUnixTimestamp64Milli({since:Int64}) AND ({vhost:String} = '' OR vhost = {vhost:String})
              GROUP BY vhost, bucket),
            connections AS (
              SELECT arrayJoin(d.domains) AS vhost, toUnixTimestamp(toStartOfInterval(c.ts, toIntervalSecond({bucket:UInt32}))) AS bucket,
                     uniqExact(c.host, c.src, c.src_port) AS own_domain_connections
              FROM conn_events AS c FINAL
              INNER JOIN (SELECT host, address, port, domains FROM outbound_destinations FINAL WHERE verdict = 'own-domain-leaves-host') AS d
                ON c.host = d.host AND c.dst = d.address AND c.dst_port = d.port
              WHERE c.ts >= fromUnixTimestamp64Milli({since:Int64})
              GROUP BY vhost, bucket)
            SELECT r.vhost AS vhost, r.bucket AS bucket, toString(r.requests) AS requests,
                   round(r.p50_ms, 1) AS p50_ms, round(r.p95_ms, 1) AS p95_ms, round(r.p99_ms, 1) AS p99_ms,
                   toString(c.own_domain_connections) AS own_domain_connections
            FROM requests AS r LEFT JOIN connections AS c ON r.vhost = c.vhost AND r.bucket = c.bucket
            ORDER BY vhost, bucket`,
    query_params: { bucket: options.bucketSeconds, since: options.sinceMs ?? 0, vhost: options.vhost ?? "" },
    format: "JSONEachRow",
  });
  const rows = await result.json<Record<string, unknown>>();
  return rows.map((row) => ({
    vhost: String(row.vhost),
    bucket: Number(row.bucket) * 1000,
    requests: Number(row.requests),
    p50_ms: Number(row.p50_ms),
    p95_ms: Number(row.p95_ms),
    p99_ms: Number(row.p99_ms),
    own_domain_connections: Number(row.own_domain_connections ?? 0),
  }));
}
