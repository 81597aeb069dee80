-- Dashboard speed, part 2 (issue 8, docs/decisions/0002-query-rollups.md): hourly rollups of
-- the failed recipients behind the recommendations (src/store/rollups.ts computes them, like
-- the rollups of 0004), and covering indexes for the 30-day client and scanner tables. No new
-- trigger and no index on messages or recipients: the import pays nothing for this.

-- Failed recipients of non-local mail by hour, MTA and advice rule (src/advise/rules.ts):
-- messages, their NDRs and backscatter (each message once per rule), smallest size limit.
CREATE TABLE rollup_advice (
  hour INTEGER NOT NULL, mta TEXT NOT NULL, rule TEXT NOT NULL,
  messages INTEGER NOT NULL, ndrs INTEGER NOT NULL, backscatter INTEGER NOT NULL, size_limit INTEGER
);
CREATE INDEX rollup_advice_hour ON rollup_advice (hour);
-- The same recipients counted by value (kind: recipient, domain, relay, alias).
CREATE TABLE rollup_advice_values (
  hour INTEGER NOT NULL, mta TEXT NOT NULL, rule TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL
);
CREATE INDEX rollup_advice_values_hour ON rollup_advice_values (hour);
-- Read in group order (no sort): the "most frequent" lists of 30 days are one pass.
CREATE INDEX rollup_advice_values_group ON rollup_advice_values (mta, rule, kind, value, hour, n);

-- The clients table ranks only clients with bounces: their rows, covered, in client order.
CREATE INDEX rollup_clients_ranked ON rollup_clients (client_ip, hour, bounced, backscatter) WHERE bounced > 0 OR backscatter > 0;
-- The scanners table ranks only clients with unknown-recipient rejects.
CREATE INDEX rollup_scanners_ranked ON rollup_scanners (client_ip, hour, unknown_rejects) WHERE unknown_rejects > 0;
-- The recommendations' dictionary-scan suspects: unknown-recipient rejects of any action, per MTA.
CREATE INDEX rollup_scanners_suspects ON rollup_scanners (client_ip, hour, mta, unknown_any) WHERE unknown_any > 0;

-- Messages from clients that are not remote, by hour and client (rollup_clients has the remote
-- ones): the message list's client filter reads only the hours in which its client sent mail.
CREATE TABLE rollup_local_clients (hour INTEGER NOT NULL, client_ip TEXT NOT NULL, messages INTEGER NOT NULL);
CREATE INDEX rollup_local_clients_hour ON rollup_local_clients (hour);
CREATE INDEX rollup_local_clients_ip ON rollup_local_clients (client_ip, hour);

-- Compute the new rollups for every hour that has rows.
INSERT OR IGNORE INTO rollup_dirty SELECT DISTINCT received_at - received_at % 3600000 FROM messages;
