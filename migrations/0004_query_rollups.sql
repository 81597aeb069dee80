-- Dashboard speed (issue 8, docs/decisions/0002-query-rollups.md): indexes chosen from
-- EXPLAIN QUERY PLAN, and hourly rollups of the raw rows. Triggers only mark the hours whose
-- rows changed (rollup_dirty); src/store/rollups.ts recomputes those hours from the raw rows.

-- The message list's order (received_at, host, queue_id, id): a range scan in that order needs
-- no sort. It replaces messages_received, its prefix.
DROP INDEX messages_received;
CREATE INDEX messages_time ON messages (received_at, host, queue_id);
-- The period's end (max(last_at)) and retention.
CREATE INDEX messages_last ON messages (last_at);
-- No index per filter column (client, sender domain, outcome, queue id, recipient domain): each
-- one on a random key cost an import of a message-heavy log 20-45% (measured: decision 0002).
-- Those filters read the period in list order and stop at the page; only rare values are slow.
CREATE INDEX messages_backscatter ON messages (received_at, host, queue_id) WHERE backscatter = 1;
-- Failed recipients (few): causes, recommendations and the cause filter.
CREATE INDEX recipients_failed ON recipients (cause, message) WHERE cause IS NOT NULL;
-- The recipient filter compares lower-cased (this replaces the plain index, at the same cost).
DROP INDEX recipients_address;
CREATE INDEX recipients_address ON recipients (lower(address));

-- Hours whose rows changed since their rollups were computed.
CREATE TABLE rollup_dirty (hour INTEGER PRIMARY KEY);

CREATE TRIGGER messages_rollup_ins AFTER INSERT ON messages BEGIN
  INSERT OR IGNORE INTO rollup_dirty VALUES (NEW.received_at - NEW.received_at % 3600000);
END;
CREATE TRIGGER messages_rollup_upd AFTER UPDATE ON messages BEGIN
  INSERT OR IGNORE INTO rollup_dirty VALUES (NEW.received_at - NEW.received_at % 3600000);
  INSERT OR IGNORE INTO rollup_dirty SELECT OLD.received_at - OLD.received_at % 3600000
    WHERE OLD.received_at - OLD.received_at % 3600000 != NEW.received_at - NEW.received_at % 3600000;
END;
CREATE TRIGGER messages_rollup_del AFTER DELETE ON messages BEGIN
  INSERT OR IGNORE INTO rollup_dirty VALUES (OLD.received_at - OLD.received_at % 3600000);
END;
-- Recipients are written only together with their message (writer.ts: the message row is
-- inserted or updated, then its recipients replaced), so the message's trigger marks their hour.
CREATE TRIGGER smtp_rejects_rollup_ins AFTER INSERT ON smtp_rejects BEGIN
  INSERT OR IGNORE INTO rollup_dirty VALUES (NEW.time - NEW.time % 3600000);
END;
CREATE TRIGGER smtp_rejects_rollup_del AFTER DELETE ON smtp_rejects BEGIN
  INSERT OR IGNORE INTO rollup_dirty VALUES (OLD.time - OLD.time % 3600000);
END;
CREATE TRIGGER smtp_rejects_rollup_upd AFTER UPDATE ON smtp_rejects BEGIN
  INSERT OR IGNORE INTO rollup_dirty VALUES (NEW.time - NEW.time % 3600000);
  INSERT OR IGNORE INTO rollup_dirty VALUES (OLD.time - OLD.time % 3600000);
END;

-- Messages by the hour they were received: the summary's counters, the time series, /metrics.
CREATE TABLE rollup_hours (
  hour INTEGER PRIMARY KEY,
  accepted INTEGER NOT NULL, accepted_remote INTEGER NOT NULL, delivered INTEGER NOT NULL, deferred INTEGER NOT NULL,
  bounced INTEGER NOT NULL,              -- origin smtp, outcome bounced_after_accept
  ndrs INTEGER NOT NULL, backscatter INTEGER NOT NULL,
  o_bounced INTEGER NOT NULL, o_rejected INTEGER NOT NULL, o_discarded INTEGER NOT NULL, o_pending INTEGER NOT NULL
);
-- SMTP-time rejects (reject, milter-reject) by hour.
CREATE TABLE rollup_rejects (hour INTEGER PRIMARY KEY, rejected INTEGER NOT NULL);
-- Failed recipients by hour of their message, lower-cased address and cause.
CREATE TABLE rollup_failed (hour INTEGER NOT NULL, address TEXT NOT NULL, cause TEXT NOT NULL, n INTEGER NOT NULL);
CREATE INDEX rollup_failed_hour ON rollup_failed (hour);
-- Backscatter by hour, forged sender domain and NDR fate.
CREATE TABLE rollup_backscatter (hour INTEGER NOT NULL, sender_domain TEXT, ndr_fate TEXT, n INTEGER NOT NULL);
CREATE INDEX rollup_backscatter_hour ON rollup_backscatter (hour);
-- Remote clients by hour.
CREATE TABLE rollup_clients (
  hour INTEGER NOT NULL, client_ip TEXT, client_name TEXT, helo TEXT,
  messages INTEGER NOT NULL, bounced INTEGER NOT NULL, backscatter INTEGER NOT NULL
);
CREATE INDEX rollup_clients_hour ON rollup_clients (hour);
CREATE INDEX rollup_clients_ip ON rollup_clients (client_ip, hour);
CREATE INDEX rollup_clients_bounced ON rollup_clients (hour, client_ip) WHERE bounced > 0;
-- SMTP-time rejects by hour, MTA and client, for dictionary-scan suspects.
CREATE TABLE rollup_scanners (
  hour INTEGER NOT NULL, mta TEXT NOT NULL, client_ip TEXT NOT NULL,
  rejects INTEGER NOT NULL,              -- reject, milter-reject
  unknown_rejects INTEGER NOT NULL,      -- of those, cause unknown_recipient
  reject_name TEXT,                      -- max(client_name) of the rejects
  unknown_any INTEGER NOT NULL,          -- cause unknown_recipient, any action
  unknown_name TEXT                      -- max(client_name) of those
);
CREATE INDEX rollup_scanners_hour ON rollup_scanners (hour);
CREATE INDEX rollup_scanners_unknown ON rollup_scanners (hour, client_ip) WHERE unknown_any > 0;
CREATE INDEX rollup_scanners_ip ON rollup_scanners (client_ip, hour);

-- A database from before this migration: every hour with rows is computed at the next read.
INSERT OR IGNORE INTO rollup_dirty SELECT DISTINCT received_at - received_at % 3600000 FROM messages;
INSERT OR IGNORE INTO rollup_dirty SELECT DISTINCT time - time % 3600000 FROM smtp_rejects;
