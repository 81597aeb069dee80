-- The first schema: messages (one row per message, with its correlator state while open),
-- their recipients, SMTP-time rejects, raw lines per message, line counters, unknown-line
-- samples, import positions per source file, and learnt local domains.

CREATE TABLE messages (
  id            INTEGER PRIMARY KEY,
  mta           TEXT NOT NULL,
  host          TEXT NOT NULL,
  queue_id      TEXT NOT NULL,
  queue_ids     TEXT NOT NULL,           -- JSON array, first hop first
  message_id    TEXT,
  origin        TEXT NOT NULL,           -- smtp | local | unknown
  received_at   INTEGER NOT NULL,        -- ms since epoch, first line of the message
  last_at       INTEGER NOT NULL,
  client_ip     TEXT,
  client_name   TEXT,
  helo          TEXT,
  authenticated INTEGER NOT NULL,
  remote        INTEGER NOT NULL,
  sender        TEXT,
  sender_domain TEXT,
  outcome       TEXT NOT NULL,
  ndr_queue_id  TEXT,
  ndr_to        TEXT,
  ndr_fate      TEXT,
  ndr_count     INTEGER NOT NULL DEFAULT 0,
  backscatter   INTEGER NOT NULL,
  state         TEXT                     -- correlator state (JSON) while the message is open
);
CREATE INDEX messages_received ON messages (received_at);
CREATE INDEX messages_queue ON messages (host, queue_id);
CREATE INDEX messages_open ON messages (id) WHERE state IS NOT NULL;

CREATE TABLE recipients (
  message      INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  seq          INTEGER NOT NULL,
  address      TEXT NOT NULL,
  orig_address TEXT,
  status       TEXT NOT NULL,
  dsn          TEXT,
  cause        TEXT,
  reason       TEXT,
  PRIMARY KEY (message, seq)
) WITHOUT ROWID;
CREATE INDEX recipients_address ON recipients (address);

CREATE TABLE message_lines (
  message INTEGER NOT NULL,
  chunk   TEXT NOT NULL                  -- raw log lines, newline-separated, in log order
);
CREATE INDEX message_lines_message ON message_lines (message);

CREATE TABLE smtp_rejects (
  id          INTEGER PRIMARY KEY,
  time        INTEGER NOT NULL,
  mta         TEXT NOT NULL,
  host        TEXT NOT NULL,
  queue_id    TEXT,
  action      TEXT NOT NULL,             -- reject | milter-reject | discard
  stage       TEXT NOT NULL,             -- CONNECT HELO MAIL RCPT DATA END-OF-MESSAGE HEADER BODY
  by_program  TEXT NOT NULL,             -- smtpd | postscreen | cleanup | exim
  client_ip   TEXT,
  client_name TEXT,
  helo        TEXT,
  sender      TEXT,
  recipient   TEXT,
  code        TEXT,
  dsn         TEXT,
  cause       TEXT,
  reason      TEXT NOT NULL,
  line        TEXT NOT NULL
);
CREATE INDEX smtp_rejects_time ON smtp_rejects (time);

CREATE TABLE line_counts (
  hour    INTEGER PRIMARY KEY,           -- ms since epoch of the hour's start
  total   INTEGER NOT NULL DEFAULT 0,
  mail    INTEGER NOT NULL DEFAULT 0,
  unknown INTEGER NOT NULL DEFAULT 0,
  other   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE unknown_samples (
  id      INTEGER PRIMARY KEY,
  program TEXT,
  line    TEXT NOT NULL,
  seen_at INTEGER
);

CREATE TABLE sources (
  fingerprint TEXT PRIMARY KEY,          -- sha1 of the first fp_len bytes of the (decompressed) file
  fp_len      INTEGER NOT NULL,
  path        TEXT NOT NULL,
  offset      INTEGER NOT NULL,          -- bytes of the decompressed stream already stored
  lines       INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);

CREATE TABLE local_domains (
  domain TEXT PRIMARY KEY,
  source TEXT NOT NULL                   -- configured | learnt
);
