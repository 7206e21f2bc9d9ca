-- The audit trail of actions: one row per step of an action's life
-- (proposed, approved, rejected, run, failed, refused, notified, ignored),
-- whoever caused it (a rule, a webhook, a person on the CLI). Never updated;
-- the latest row of an id is its state. The ORDER BY key makes a replayed
-- row (an audit spool imported twice) collapse into one.
CREATE TABLE IF NOT EXISTS action_audit
(
    id String,
    ts DateTime64(3, 'UTC'),
    state LowCardinality(String),
    actor String,
    remediation LowCardinality(String),
    params String,
    target String,
    hosts Array(String),
    mode LowCardinality(String),
    alert_kind String,
    alert_subject String,
    alert_fingerprint String,
    result String,
    output String CODEC(ZSTD(3))
)
ENGINE = ReplacingMergeTree
ORDER BY (id, state, ts);
