-- Alerts (src/alerts/), as SQLite's migrations/0015_alerts.sql: at most one firing alert per
-- (rule, key), so that of several agents evaluating the same rules only one notifies.
CREATE TABLE alerts (
  id                bigserial PRIMARY KEY,
  rule              text NOT NULL,
  key               text NOT NULL,
  host              text,
  state             text NOT NULL CHECK (state IN ('firing', 'resolved')),
  started_at        bigint NOT NULL,
  resolved_at       bigint,
  fired_at          bigint NOT NULL,
  title             text NOT NULL,
  value             double precision NOT NULL,
  threshold         double precision NOT NULL,
  evidence          text NOT NULL,
  notified_firing   boolean NOT NULL DEFAULT false,
  notified_resolved boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX alerts_firing ON alerts (rule, key) WHERE state = 'firing';
CREATE INDEX alerts_started ON alerts (started_at);
CREATE INDEX alerts_key ON alerts (rule, key, resolved_at);
