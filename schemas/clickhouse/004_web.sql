-- The web half: Apache requests and errors, the web servers' outbound
-- connections and how they resolve their sites' domains, and the
-- destinations the outbound processor keeps. Lines from logs are keyed by
-- their source coordinates; samples by what they saw and when.
CREATE TABLE IF NOT EXISTS http_requests
(
    ts DateTime64(3, 'UTC'),
    host LowCardinality(String),
    vhost LowCardinality(String),
    port Int32,
    client String,
    method LowCardinality(String),
    path String,
    status Int16,
    bytes UInt64,
    duration_us Int64,
    format LowCardinality(String),
    source_id String,
    offset UInt64
)
ENGINE = ReplacingMergeTree
ORDER BY (vhost, ts, source_id, offset)
TTL toDateTime(ts) + INTERVAL 90 DAY;

CREATE TABLE IF NOT EXISTS web_errors
(
    ts DateTime64(3, 'UTC'),
    host LowCardinality(String),
    module LowCardinality(String),
    level LowCardinality(String),
    pid Int32,
    client String,
    message String,
    peer String,
    source_id String,
    offset UInt64
)
ENGINE = ReplacingMergeTree
ORDER BY (host, ts, source_id, offset)
TTL toDateTime(ts) + INTERVAL 90 DAY;

CREATE TABLE IF NOT EXISTS conn_events
(
    ts DateTime64(3, 'UTC'),
    host LowCardinality(String),
    source LowCardinality(String),
    process String,
    pid Int32,
    uid Int32,
    src String,
    src_port UInt16,
    dst String,
    dst_port UInt16
)
ENGINE = ReplacingMergeTree
ORDER BY (host, dst, dst_port, ts, src, src_port)
TTL toDateTime(ts) + INTERVAL 30 DAY;

CREATE TABLE IF NOT EXISTS site_resolutions
(
    ts DateTime64(3, 'UTC'),
    host LowCardinality(String),
    domain String,
    addresses Array(String),
    error String
)
ENGINE = ReplacingMergeTree
ORDER BY (host, domain, ts)
TTL toDateTime(ts) + INTERVAL 90 DAY;

-- One row per (web host, destination address, port); the row with the most
-- connections (then the latest sighting) wins.
CREATE TABLE IF NOT EXISTS outbound_destinations
(
    host LowCardinality(String),
    address String,
    port UInt16,
    first_seen DateTime64(3, 'UTC'),
    last_seen DateTime64(3, 'UTC'),
    connections UInt64,
    processes Array(String),
    verdict LowCardinality(String),
    domains Array(String),
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (host, address, port);
