-- Digests that were sent: which period each covered, when, to whom and how, so that a
-- postmaster (or a later digest) can tell what was already reported.
CREATE TABLE digests (
  id          INTEGER PRIMARY KEY,
  period_from INTEGER NOT NULL,          -- ms since epoch, start of the period (inclusive)
  period_to   INTEGER NOT NULL,          -- ms since epoch, end of the period (exclusive)
  sent_at     INTEGER NOT NULL,          -- ms since epoch, when the transport accepted it
  recipients  TEXT NOT NULL,             -- JSON array of the addresses it was accepted for
  transport   TEXT NOT NULL,             -- sendmail:PATH | smtp://HOST:PORT | stdout
  subject     TEXT NOT NULL,
  message_id  TEXT
);
CREATE INDEX digests_sent ON digests (sent_at);
