-- Every notification a message caused (issue 21): NDRs (one per delivery attempt that failed
-- recipients), delay warnings, success notifications, postmaster's copies; with their fate.
-- messages.ndr_* stay the first NDR's. Backscatter is counted per NDR from here, and delay
-- warnings to forged senders apart (messages.delay_backscatter).
CREATE TABLE notifications (
  message  INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  seq      INTEGER NOT NULL,
  queue_id TEXT NOT NULL,
  type     TEXT NOT NULL,                -- non_delivery | delay | success | postmaster_copy
  rcpt     TEXT,                         -- the "to" of the contract
  fate     TEXT NOT NULL,                -- delivered | deferred | rejected | undeliverable | unknown
  cause    TEXT,                         -- why it failed (rejected, undeliverable): causes.ts, e.g. listed
  reason   TEXT,                         -- the reply or error it failed with
  PRIMARY KEY (message, seq)
) WITHOUT ROWID;
-- A message from before this migration lists its first NDR, the one it kept.
INSERT INTO notifications (message, seq, queue_id, type, rcpt, fate)
  SELECT id, 0, ndr_queue_id, 'non_delivery', ndr_to, coalesce(ndr_fate, 'unknown') FROM messages WHERE ndr_queue_id IS NOT NULL;

-- Delay warnings the message caused, when it came from a remote client with a sender outside
-- the local domains (the backscatter judgement without the bounce): milder backscatter.
ALTER TABLE messages ADD COLUMN delay_backscatter INTEGER NOT NULL DEFAULT 0;

-- Per hour: NDRs of backscatter messages, and those delay warnings. rollup_backscatter counts
-- NDRs (no longer messages) by fate. Every hour is recomputed at the next read.
ALTER TABLE rollup_hours ADD COLUMN backscatter_ndrs INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_hours ADD COLUMN delay_backscatter INTEGER NOT NULL DEFAULT 0;
-- Backscatter messages by sender domain (the message list's count; rollup_backscatter counts NDRs).
ALTER TABLE rollup_sender_domains ADD COLUMN backscatter INTEGER NOT NULL DEFAULT 0;
INSERT OR IGNORE INTO rollup_dirty SELECT DISTINCT received_at - received_at % 3600000 FROM messages;
