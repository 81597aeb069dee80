-- The blocklist watch, as SQLite's migrations/0016_blocklist_status.sql.
CREATE TABLE blocklist_status (
  address    text COLLATE "C" NOT NULL,
  zone       text COLLATE "C" NOT NULL,
  status     text NOT NULL CHECK (status IN ('listed', 'not_listed', 'unknown')),
  since      bigint NOT NULL,
  checked_at bigint NOT NULL,
  codes      text NOT NULL DEFAULT '[]',
  reasons    text NOT NULL DEFAULT '[]',
  meaning    text,
  last_error text,
  agent      text NOT NULL,
  PRIMARY KEY (address, zone)
);
