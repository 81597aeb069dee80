-- The blocklist watch (src/blocklist/): what is known of each of our sending addresses at each
-- DNSBL: listed or not, since when (the first check that found it so), the list's codes and
-- reasons, and the last check's error. A failed check (timeout, SERVFAIL, refused resolver)
-- changes nothing but last_error: an unreachable list is not a delisting.
CREATE TABLE blocklist_status (
  address    TEXT NOT NULL,
  zone       TEXT NOT NULL,
  status     TEXT NOT NULL CHECK (status IN ('listed', 'not_listed', 'unknown')),
  since      INTEGER NOT NULL,            -- wall-clock ms
  checked_at INTEGER NOT NULL,            -- wall-clock ms
  codes      TEXT NOT NULL DEFAULT '[]',  -- JSON array of the A records
  reasons    TEXT NOT NULL DEFAULT '[]',  -- JSON array of the TXT records
  meaning    TEXT,
  last_error TEXT,
  agent      TEXT NOT NULL,
  PRIMARY KEY (address, zone)
);
