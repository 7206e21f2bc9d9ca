-- Mail authentication events, one row per log line; identity (source_id, offset).
CREATE TABLE IF NOT EXISTS mail_auth_events
(
    ts DateTime64(3, 'UTC'),
    host LowCardinality(String),
    service LowCardinality(String),
    user String,
    user_raw String,
    ip String,
    success Bool,
    format LowCardinality(String),
    reason String,
    source_id String,
    offset UInt64
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (user, ts, source_id, offset)
TTL toDateTime(ts) + INTERVAL 400 DAY;

-- Every (user, ip) ever seen; version = logins + failures, so the newest state wins.
CREATE TABLE IF NOT EXISTS account_ip_history
(
    user String,
    ip String,
    first_seen DateTime64(3, 'UTC'),
    last_seen DateTime64(3, 'UTC'),
    logins UInt64,
    failures UInt64,
    first_offset UInt64,
    network String,
    network16 String,
    asn UInt32,
    as_name String,
    country LowCardinality(String),
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (user, ip);

-- Per user and event-time window; version = events folded into the window.
CREATE TABLE IF NOT EXISTS account_windows
(
    user String,
    window LowCardinality(String),
    window_start DateTime('UTC'),
    window_end DateTime('UTC'),
    ips UInt32,
    networks UInt32,
    networks16 UInt32,
    asns UInt32,
    countries UInt32,
    logins UInt64,
    failures UInt64,
    new_networks UInt32,
    first_login DateTime64(3, 'UTC'),
    last_login DateTime64(3, 'UTC'),
    verdict LowCardinality(String),
    level UInt8,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(window_start)
ORDER BY (user, window, window_start)
TTL window_start + INTERVAL 90 DAY;

-- Findings of every kind; one row per (kind, subject, window, level).
CREATE TABLE IF NOT EXISTS alerts
(
    alert_id String,
    kind LowCardinality(String),
    subject String,
    window LowCardinality(String),
    window_start DateTime('UTC'),
    window_end DateTime('UTC'),
    level UInt8,
    verdict LowCardinality(String),
    summary String,
    evidence String,
    fired_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (kind, subject, window, window_start, level);

-- Lines that looked like an event but did not parse: kept with the reason, never dropped.
CREATE TABLE IF NOT EXISTS unparsed_lines
(
    source_id String,
    offset UInt64,
    path String,
    kind LowCardinality(String),
    format LowCardinality(String),
    reason String,
    line String,
    line_bytes UInt64,
    ingested_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (source_id, offset)
TTL toDateTime(ingested_at) + INTERVAL 30 DAY;
