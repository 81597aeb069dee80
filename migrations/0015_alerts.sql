-- Alerts (src/alerts/): each time a rule started to hold for one thing (rule, key), until it
-- no longer held. At most one firing alert per (rule, key): the partial unique index is what
-- lets several agents of a fleet evaluate the same rules and only one of them notify.
CREATE TABLE alerts (
  id                INTEGER PRIMARY KEY,
  rule              TEXT NOT NULL,
  key               TEXT NOT NULL,
  host              TEXT,
  state             TEXT NOT NULL CHECK (state IN ('firing', 'resolved')),
  started_at        INTEGER NOT NULL,       -- log time (ms) of the window's end when it fired
  resolved_at       INTEGER,                -- log time (ms) when it no longer held
  fired_at          INTEGER NOT NULL,       -- wall-clock ms
  title             TEXT NOT NULL,
  value             REAL NOT NULL,
  threshold         REAL NOT NULL,
  evidence          TEXT NOT NULL,          -- JSON: window, message filter, figures
  notified_firing   INTEGER NOT NULL DEFAULT 0,
  notified_resolved INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX alerts_firing ON alerts (rule, key) WHERE state = 'firing';
CREATE INDEX alerts_started ON alerts (started_at);
CREATE INDEX alerts_key ON alerts (rule, key, resolved_at);
