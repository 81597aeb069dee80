-- The ingest's clock, saved with every batch, so that an import or a restart goes on with
-- the same notion of "now" (which messages are stale, which closed ones are past their grace)
-- as one run over the same lines would have: where a batch ended cannot change the result.
CREATE TABLE ingest_clock (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  now          INTEGER NOT NULL,         -- ms since epoch: log time two mail events in a row reached
  last_line_at INTEGER NOT NULL,         -- ms since epoch: the last mail event's own time
  last_time    INTEGER                   -- ms since epoch: the last timed line of any kind (a line
                                         -- without a time of its own is counted in its hour)
);

-- Where an import of a classic-syslog file stopped, in the file's own year: a resumed import
-- with --year goes on in that year (year * 372 + month * 31 + day of the last line).
ALTER TABLE sources ADD COLUMN year_state INTEGER;
