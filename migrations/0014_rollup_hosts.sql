-- A fleet (issue 16): several MTA hosts share one database, and every read can be narrowed to
-- one host. The rollups get a `host` column (and rollup_hours and rollup_rejects their MTA, for
-- the per-host split): a read of one host takes its rows, a read of all sums over the hosts.
-- They are derived rows: dropped, created again, and every hour is recomputed at the next read.
DROP TABLE rollup_hours;
DROP TABLE rollup_rejects;
DROP TABLE rollup_failed;
DROP TABLE rollup_backscatter;
DROP TABLE rollup_clients;
DROP TABLE rollup_scanners;
DROP TABLE rollup_local_clients;
DROP TABLE rollup_sender_domains;
DROP TABLE rollup_advice;
DROP TABLE rollup_advice_values;

CREATE TABLE rollup_hours (
  hour INTEGER NOT NULL, host TEXT NOT NULL, mta TEXT NOT NULL,
  accepted INTEGER NOT NULL, accepted_remote INTEGER NOT NULL, delivered INTEGER NOT NULL, deferred INTEGER NOT NULL,
  bounced INTEGER NOT NULL, ndrs INTEGER NOT NULL, backscatter INTEGER NOT NULL,
  o_bounced INTEGER NOT NULL, o_rejected INTEGER NOT NULL, o_discarded INTEGER NOT NULL, o_pending INTEGER NOT NULL,
  backscatter_ndrs INTEGER NOT NULL, delay_backscatter INTEGER NOT NULL,
  PRIMARY KEY (hour, host, mta)
);
CREATE TABLE rollup_rejects (hour INTEGER NOT NULL, host TEXT NOT NULL, mta TEXT NOT NULL, rejected INTEGER NOT NULL, PRIMARY KEY (hour, host, mta));
CREATE TABLE rollup_failed (hour INTEGER NOT NULL, host TEXT NOT NULL, address TEXT, cause TEXT NOT NULL, n INTEGER NOT NULL);
CREATE INDEX rollup_failed_hour ON rollup_failed (hour);
CREATE TABLE rollup_backscatter (hour INTEGER NOT NULL, host TEXT NOT NULL, sender_domain TEXT, ndr_fate TEXT, n INTEGER NOT NULL);
CREATE INDEX rollup_backscatter_hour ON rollup_backscatter (hour);
CREATE TABLE rollup_clients (
  hour INTEGER NOT NULL, host TEXT NOT NULL, client_ip TEXT, client_name TEXT, helo TEXT,
  messages INTEGER NOT NULL, bounced INTEGER NOT NULL, backscatter INTEGER NOT NULL
);
CREATE INDEX rollup_clients_hour ON rollup_clients (hour);
CREATE INDEX rollup_clients_ip ON rollup_clients (client_ip, hour);
CREATE INDEX rollup_clients_bounced ON rollup_clients (hour, client_ip) WHERE bounced > 0;
-- The ranked tables' partial indexes cover the host too: a host's ranking reads no table row.
CREATE INDEX rollup_clients_ranked ON rollup_clients (client_ip, hour, bounced, backscatter, host) WHERE bounced > 0 OR backscatter > 0;
CREATE TABLE rollup_scanners (
  hour INTEGER NOT NULL, host TEXT NOT NULL, mta TEXT NOT NULL, client_ip TEXT NOT NULL,
  rejects INTEGER NOT NULL, unknown_rejects INTEGER NOT NULL, reject_name TEXT,
  unknown_any INTEGER NOT NULL, unknown_name TEXT
);
CREATE INDEX rollup_scanners_hour ON rollup_scanners (hour);
CREATE INDEX rollup_scanners_unknown ON rollup_scanners (hour, client_ip) WHERE unknown_any > 0;
CREATE INDEX rollup_scanners_ip ON rollup_scanners (client_ip, hour);
CREATE INDEX rollup_scanners_ranked ON rollup_scanners (client_ip, hour, unknown_rejects, host) WHERE unknown_rejects > 0;
CREATE INDEX rollup_scanners_suspects ON rollup_scanners (client_ip, hour, mta, unknown_any, host) WHERE unknown_any > 0;
CREATE TABLE rollup_local_clients (hour INTEGER NOT NULL, host TEXT NOT NULL, client_ip TEXT NOT NULL, messages INTEGER NOT NULL);
CREATE INDEX rollup_local_clients_hour ON rollup_local_clients (hour);
CREATE INDEX rollup_local_clients_ip ON rollup_local_clients (client_ip, hour);
CREATE TABLE rollup_sender_domains (hour INTEGER NOT NULL, host TEXT NOT NULL, sender_domain TEXT NOT NULL, messages INTEGER NOT NULL, backscatter INTEGER NOT NULL);
CREATE INDEX rollup_sender_domains_domain ON rollup_sender_domains (sender_domain, hour);
CREATE INDEX rollup_sender_domains_hour ON rollup_sender_domains (hour);
-- Advice is per MTA and host: one config per host.
CREATE TABLE rollup_advice (
  hour INTEGER NOT NULL, host TEXT NOT NULL, mta TEXT NOT NULL, rule TEXT NOT NULL,
  messages INTEGER NOT NULL, ndrs INTEGER NOT NULL, backscatter INTEGER NOT NULL, size_limit INTEGER
);
CREATE INDEX rollup_advice_hour ON rollup_advice (hour);
CREATE TABLE rollup_advice_values (
  hour INTEGER NOT NULL, host TEXT NOT NULL, mta TEXT NOT NULL, rule TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL
);
CREATE INDEX rollup_advice_values_hour ON rollup_advice_values (hour);
-- Read in group order (no sort): the "most frequent" lists of 30 days are one pass.
CREATE INDEX rollup_advice_values_group ON rollup_advice_values (mta, host, rule, kind, value, hour, n);

INSERT OR IGNORE INTO rollup_dirty SELECT DISTINCT received_at - received_at % 3600000 FROM messages;
INSERT OR IGNORE INTO rollup_dirty SELECT DISTINCT time - time % 3600000 FROM smtp_rejects;
