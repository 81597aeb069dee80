-- Where the systemd journal was read to, committed with the rows like a file's byte offset.
-- A journal entry's cursor names its sequence (s=, a random 128-bit id kept across rotations)
-- and its number in it (i=): keeping the highest number read per sequence makes a re-import
-- of the same entries (the local journal, or files copied from another host) add nothing, and
-- the newest cursor is where `serve` resumes (journalctl --after-cursor).
CREATE TABLE journal_positions (
  source      TEXT NOT NULL,
  seqnum_id   TEXT NOT NULL,
  seqnum      INTEGER NOT NULL,
  cursor      TEXT NOT NULL,
  realtime_us INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (source, seqnum_id)
);
