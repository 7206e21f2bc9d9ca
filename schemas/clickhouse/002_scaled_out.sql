-- Scaled-out stream processors: a stage's state per input partition, with the
-- next offset it covers. Written after the rows that depend on it and before
-- the Kafka offset commit, so a restarted or rebalanced worker resumes from
-- exactly what the store holds. The highest next_offset wins.
CREATE TABLE IF NOT EXISTS processor_checkpoints
(
    stage LowCardinality(String),
    topic String,
    partition UInt32,
    next_offset UInt64,
    state String CODEC(ZSTD(3)),
    saved_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(next_offset)
ORDER BY (stage, topic, partition);

-- Where each shipper has got to in each file (acknowledged by the broker), for `vigil status`.
CREATE TABLE IF NOT EXISTS ship_positions
(
    host String,
    path String,
    source_id String,
    inode UInt64,
    offset UInt64,
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (host, path, source_id);
