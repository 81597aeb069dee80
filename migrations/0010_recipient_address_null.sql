-- A failed recipient whose address the log never names (issue 13: an Exim system filter
-- cancels a message and Exim's default log_selector lists no recipients): its address is
-- NULL, so the cause is still counted. SQLite cannot drop NOT NULL in place: the table is
-- rebuilt with the same columns, rows and indexes.
CREATE TABLE recipients_new (
  message      INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  seq          INTEGER NOT NULL,
  address      TEXT,                     -- NULL: the log names no address for this recipient
  orig_address TEXT,
  status       TEXT NOT NULL,
  dsn          TEXT,
  cause        TEXT,
  reason       TEXT,
  relay        TEXT,
  PRIMARY KEY (message, seq)
) WITHOUT ROWID;
INSERT INTO recipients_new (message, seq, address, orig_address, status, dsn, cause, reason, relay)
  SELECT message, seq, address, orig_address, status, dsn, cause, reason, relay FROM recipients;
DROP TABLE recipients;
ALTER TABLE recipients_new RENAME TO recipients;
CREATE INDEX recipients_failed ON recipients (cause, message) WHERE cause IS NOT NULL;
CREATE INDEX recipients_address ON recipients (lower(address));

-- The failed-recipient rollup (derived rows) takes the NULL address too; its hours are
-- recomputed at the next read.
DROP TABLE rollup_failed;
CREATE TABLE rollup_failed (hour INTEGER NOT NULL, address TEXT, cause TEXT NOT NULL, n INTEGER NOT NULL);
CREATE INDEX rollup_failed_hour ON rollup_failed (hour);
INSERT OR IGNORE INTO rollup_dirty SELECT DISTINCT received_at - received_at % 3600000 FROM messages;
