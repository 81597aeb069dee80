-- Issue 22: a checkpoint names its file even before the file has a byte. A position now also
-- keeps the file's identity on disk (device, inode, birth time) and its size when last seen; a
-- file with no bytes yet is keyed `empty:dev:ino:birth` instead of by a fingerprint.
ALTER TABLE sources ADD COLUMN dev INTEGER;
ALTER TABLE sources ADD COLUMN ino INTEGER;
ALTER TABLE sources ADD COLUMN birth_ms INTEGER;
ALTER TABLE sources ADD COLUMN size INTEGER;

-- One row per followed path, committed with every batch: which file was live there (a sources
-- key; NULL when the path had no file), since when serve follows the path, and the last commit.
CREATE TABLE follow_checkpoints (
  path      TEXT PRIMARY KEY,
  source    TEXT,
  since     INTEGER NOT NULL,
  looked_at INTEGER NOT NULL
);

-- Lines serve could not read (a rotated file deleted while it was stopped, a truncation without
-- a copy), committed with the position that moved past them; /healthz and /metrics count them.
CREATE TABLE follower_gaps (
  id         INTEGER PRIMARY KEY,
  at         INTEGER NOT NULL,
  path       TEXT NOT NULL,
  file       TEXT NOT NULL,
  reason     TEXT NOT NULL,               -- gone | replaced | truncated | shorter
  bytes      INTEGER NOT NULL,            -- unread bytes known lost (a lower bound, except shorter)
  lines_read INTEGER NOT NULL,            -- lines read from that file before the gap
  did        TEXT NOT NULL
);
