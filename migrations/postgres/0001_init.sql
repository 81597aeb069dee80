-- The PostgreSQL schema (issue 16): the same rows as the SQLite schema after its migration
-- 0013, shaped for a fleet. Differences, each for a reason:
-- * Every agent (one `bouncewatch serve` or `import` per MTA host) keeps its own read
--   positions, clock, open messages and spill: the `agent` column. Mail rows carry the MTA's
--   `host`, as in SQLite; reading sees every agent's rows.
-- * Raw rows are partitioned by day (`part` = the day number of the message's first line, or
--   of the reject) so that retention drops whole days instead of deleting rows. An open message
--   in a day that retention drops moves to a later day first (its `part` grows, never its
--   times), so `part` >= the day of received_at always: a time range may prune partitions below.
-- * No foreign keys between the partitioned tables: the writer removes a message's rows itself.
-- * Text compares and sorts byte by byte (COLLATE "C"), as SQLite does: listings come out in
--   the same order on both backends.
-- * The writer stores what SQLite computes with JavaScript functions at read time: each
--   failed recipient's downstream relay host and announced size limit (src/correlate/relays.ts).

CREATE SEQUENCE messages_id_seq;
CREATE SEQUENCE message_lines_seq;
CREATE SEQUENCE smtp_rejects_id_seq;

CREATE TABLE messages (
  id                bigint NOT NULL,
  part              integer NOT NULL,
  agent             text COLLATE "C" NOT NULL,
  mta               text COLLATE "C" NOT NULL,
  host              text COLLATE "C" NOT NULL,
  queue_id          text COLLATE "C" NOT NULL,
  queue_ids         text COLLATE "C" NOT NULL,      -- JSON array, first hop first
  message_id        text COLLATE "C",
  origin            text COLLATE "C" NOT NULL,
  received_at       bigint NOT NULL,                -- ms since epoch
  last_at           bigint NOT NULL,
  client_ip         text COLLATE "C",
  client_name       text COLLATE "C",
  helo              text COLLATE "C",
  authenticated     smallint NOT NULL,
  remote            smallint NOT NULL,
  sender            text COLLATE "C",
  sender_domain     text COLLATE "C",
  outcome           text COLLATE "C" NOT NULL,
  ndr_queue_id      text COLLATE "C",
  ndr_to            text COLLATE "C",
  ndr_fate          text COLLATE "C",
  ndr_count         integer NOT NULL DEFAULT 0,
  backscatter       smallint NOT NULL,
  delay_backscatter integer NOT NULL DEFAULT 0,
  state             text,                           -- correlator state (JSON) while open in memory
  PRIMARY KEY (id, part)
) PARTITION BY RANGE (part);
CREATE INDEX messages_time ON messages (received_at, host, queue_id);
CREATE INDEX messages_last ON messages (last_at);
CREATE INDEX messages_queue ON messages (host, queue_id);
CREATE INDEX messages_id ON messages (id);
CREATE INDEX messages_open ON messages (agent, id) WHERE state IS NOT NULL;
CREATE INDEX messages_backscatter ON messages (received_at, host, queue_id) WHERE backscatter = 1;

CREATE TABLE recipients (
  part         integer NOT NULL,
  message      bigint NOT NULL,
  seq          integer NOT NULL,
  address      text COLLATE "C",
  orig_address text COLLATE "C",
  status       text COLLATE "C" NOT NULL,
  dsn          text COLLATE "C",
  cause        text COLLATE "C",
  reason       text COLLATE "C",
  relay        text COLLATE "C",
  relay_host   text COLLATE "C",                  -- downstreamHost(relay)
  size_limit   bigint,                            -- sizeLimitOf(reason)
  PRIMARY KEY (message, seq, part)
) PARTITION BY RANGE (part);
CREATE INDEX recipients_failed ON recipients (cause, message) WHERE cause IS NOT NULL;
CREATE INDEX recipients_address ON recipients (lower(address));

CREATE TABLE notifications (
  part     integer NOT NULL,
  message  bigint NOT NULL,
  seq      integer NOT NULL,
  queue_id text COLLATE "C" NOT NULL,
  type     text COLLATE "C" NOT NULL,
  rcpt     text COLLATE "C",
  fate     text COLLATE "C" NOT NULL,
  cause    text COLLATE "C",
  reason   text COLLATE "C",
  PRIMARY KEY (message, seq, part)
) PARTITION BY RANGE (part);

CREATE TABLE message_lines (
  part    integer NOT NULL,
  message bigint NOT NULL,
  seq     bigint NOT NULL DEFAULT nextval('message_lines_seq'),
  chunk   text NOT NULL                             -- raw log lines, newline-separated, in log order
) PARTITION BY RANGE (part);
CREATE INDEX message_lines_message ON message_lines (message, seq);

CREATE TABLE smtp_rejects (
  id          bigint NOT NULL DEFAULT nextval('smtp_rejects_id_seq'),
  part        integer NOT NULL,
  agent       text COLLATE "C" NOT NULL,
  time        bigint NOT NULL,
  mta         text COLLATE "C" NOT NULL,
  host        text COLLATE "C" NOT NULL,
  queue_id    text COLLATE "C",
  action      text COLLATE "C" NOT NULL,
  stage       text COLLATE "C" NOT NULL,
  by_program  text COLLATE "C" NOT NULL,
  client_ip   text COLLATE "C",
  client_name text COLLATE "C",
  helo        text COLLATE "C",
  sender      text COLLATE "C",
  recipient   text COLLATE "C",
  code        text COLLATE "C",
  dsn         text COLLATE "C",
  cause       text COLLATE "C",
  reason      text COLLATE "C" NOT NULL,
  line        text NOT NULL
) PARTITION BY RANGE (part);
CREATE INDEX smtp_rejects_time ON smtp_rejects (time);

-- The days that have partitions (a cache for the writer, and retention's list).
CREATE TABLE partitions (
  day integer PRIMARY KEY
);

-- Line counters per agent and hour (each agent counts the lines it read).
CREATE TABLE line_counts (
  agent   text COLLATE "C" NOT NULL,
  hour    bigint NOT NULL,
  total   bigint NOT NULL DEFAULT 0,
  mail    bigint NOT NULL DEFAULT 0,
  unknown bigint NOT NULL DEFAULT 0,
  other   bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (hour, agent)
);

CREATE TABLE unknown_samples (
  id      bigserial PRIMARY KEY,
  agent   text COLLATE "C" NOT NULL,
  program text COLLATE "C",
  line    text NOT NULL,
  seen_at bigint
);

CREATE TABLE local_domains (
  domain text COLLATE "C" PRIMARY KEY,
  source text NOT NULL
);

-- Read positions, per agent: a file is known by its fingerprint on the agent that read it.
CREATE TABLE file_positions (
  agent       text COLLATE "C" NOT NULL,
  fingerprint text COLLATE "C" NOT NULL,
  fp_len      integer NOT NULL,
  path        text NOT NULL,
  "offset"    bigint NOT NULL,
  lines       bigint NOT NULL,
  updated_at  bigint NOT NULL,
  dev         bigint,
  ino         bigint,
  birth_ms    double precision,
  size        bigint,
  year_state  integer,
  PRIMARY KEY (agent, fingerprint)
);

CREATE TABLE follow_checkpoints (
  agent     text COLLATE "C" NOT NULL,
  path      text COLLATE "C" NOT NULL,
  source    text COLLATE "C",
  since     bigint NOT NULL,
  looked_at bigint NOT NULL,
  PRIMARY KEY (agent, path)
);

CREATE TABLE follower_gaps (
  id         bigserial PRIMARY KEY,
  agent      text COLLATE "C" NOT NULL,
  at         bigint NOT NULL,
  path       text NOT NULL,
  file       text NOT NULL,
  reason     text COLLATE "C" NOT NULL,
  bytes      bigint NOT NULL,
  lines_read bigint NOT NULL,
  did        text NOT NULL
);

CREATE TABLE journal_positions (
  agent       text COLLATE "C" NOT NULL,
  source      text COLLATE "C" NOT NULL,
  seqnum_id   text COLLATE "C" NOT NULL,
  seqnum      bigint NOT NULL,
  cursor      text NOT NULL,
  realtime_us bigint NOT NULL,
  updated_at  bigint NOT NULL,
  PRIMARY KEY (agent, source, seqnum_id)
);

-- Each agent's last batch committed, by a token of its own: a commit whose answer was lost
-- (the connection broke at COMMIT) is looked up here before the batch is written again, so it
-- is not written twice. The ids are the messages' ids, in the batch's order.
CREATE TABLE agent_last_batch (
  agent text COLLATE "C" PRIMARY KEY,
  token text NOT NULL,
  ids   text NOT NULL                             -- JSON array
);

CREATE TABLE ingest_clock (
  agent        text COLLATE "C" PRIMARY KEY,
  now          bigint NOT NULL,
  last_line_at bigint NOT NULL,
  last_time    bigint
);

-- The spill: open messages moved out of an agent's memory (their state here, not in messages).
CREATE TABLE spilled_messages (
  message  bigint PRIMARY KEY,
  agent    text COLLATE "C" NOT NULL,
  deadline bigint NOT NULL,
  state    text NOT NULL
);
CREATE INDEX spilled_deadline ON spilled_messages (agent, deadline);

CREATE TABLE spilled_queue_ids (
  agent    text COLLATE "C" NOT NULL,
  host     text COLLATE "C" NOT NULL,
  queue_id text COLLATE "C" NOT NULL,
  message  bigint NOT NULL,
  PRIMARY KEY (agent, host, queue_id)
);
CREATE INDEX spilled_queue_ids_message ON spilled_queue_ids (message);

CREATE TABLE digests (
  id          bigserial PRIMARY KEY,
  period_from bigint NOT NULL,
  period_to   bigint NOT NULL,
  sent_at     bigint NOT NULL,
  recipients  text NOT NULL,
  transport   text NOT NULL,
  subject     text NOT NULL,
  message_id  text
);

-- Hours whose raw rows changed since their rollups were computed. `gen` grows with every
-- change: a refresh removes the mark only if no writer changed the hour while it computed
-- (src/store/postgres/rollups.ts).
CREATE TABLE rollup_dirty (
  hour bigint PRIMARY KEY,
  gen  bigint NOT NULL DEFAULT 0
);

-- The hourly rollups, as in SQLite (migrations/0004, 0005, 0006, 0011, 0014): per host, so
-- that a read of one host takes its rows and a read of all sums over the hosts.
CREATE TABLE rollup_hours (
  hour bigint NOT NULL, host text COLLATE "C" NOT NULL, mta text COLLATE "C" NOT NULL,
  accepted bigint NOT NULL, accepted_remote bigint NOT NULL, delivered bigint NOT NULL, deferred bigint NOT NULL,
  bounced bigint NOT NULL, ndrs bigint NOT NULL, backscatter bigint NOT NULL,
  o_bounced bigint NOT NULL, o_rejected bigint NOT NULL, o_discarded bigint NOT NULL, o_pending bigint NOT NULL,
  backscatter_ndrs bigint NOT NULL, delay_backscatter bigint NOT NULL,
  PRIMARY KEY (hour, host, mta)
);
CREATE TABLE rollup_rejects (hour bigint NOT NULL, host text COLLATE "C" NOT NULL, mta text COLLATE "C" NOT NULL, rejected bigint NOT NULL,
  PRIMARY KEY (hour, host, mta));
CREATE TABLE rollup_failed (hour bigint NOT NULL, host text COLLATE "C" NOT NULL, address text COLLATE "C", cause text COLLATE "C" NOT NULL, n bigint NOT NULL);
CREATE INDEX rollup_failed_hour ON rollup_failed (hour);
CREATE TABLE rollup_backscatter (hour bigint NOT NULL, host text COLLATE "C" NOT NULL, sender_domain text COLLATE "C", ndr_fate text COLLATE "C", n bigint NOT NULL);
CREATE INDEX rollup_backscatter_hour ON rollup_backscatter (hour);
CREATE TABLE rollup_clients (
  hour bigint NOT NULL, host text COLLATE "C" NOT NULL, client_ip text COLLATE "C", client_name text COLLATE "C", helo text COLLATE "C",
  messages bigint NOT NULL, bounced bigint NOT NULL, backscatter bigint NOT NULL
);
CREATE INDEX rollup_clients_hour ON rollup_clients (hour);
CREATE INDEX rollup_clients_ip ON rollup_clients (client_ip, hour);
CREATE TABLE rollup_scanners (
  hour bigint NOT NULL, host text COLLATE "C" NOT NULL, mta text COLLATE "C" NOT NULL, client_ip text COLLATE "C" NOT NULL,
  rejects bigint NOT NULL, unknown_rejects bigint NOT NULL, reject_name text COLLATE "C",
  unknown_any bigint NOT NULL, unknown_name text COLLATE "C"
);
CREATE INDEX rollup_scanners_hour ON rollup_scanners (hour);
CREATE INDEX rollup_scanners_ip ON rollup_scanners (client_ip, hour);
CREATE TABLE rollup_local_clients (hour bigint NOT NULL, host text COLLATE "C" NOT NULL, client_ip text COLLATE "C" NOT NULL, messages bigint NOT NULL);
CREATE INDEX rollup_local_clients_hour ON rollup_local_clients (hour);
CREATE INDEX rollup_local_clients_ip ON rollup_local_clients (client_ip, hour);
CREATE TABLE rollup_sender_domains (hour bigint NOT NULL, host text COLLATE "C" NOT NULL, sender_domain text COLLATE "C" NOT NULL,
  messages bigint NOT NULL, backscatter bigint NOT NULL);
CREATE INDEX rollup_sender_domains_domain ON rollup_sender_domains (sender_domain, hour);
CREATE INDEX rollup_sender_domains_hour ON rollup_sender_domains (hour);
CREATE TABLE rollup_advice (
  hour bigint NOT NULL, host text COLLATE "C" NOT NULL, mta text COLLATE "C" NOT NULL, rule text COLLATE "C" NOT NULL,
  messages bigint NOT NULL, ndrs bigint NOT NULL, backscatter bigint NOT NULL, size_limit bigint
);
CREATE INDEX rollup_advice_hour ON rollup_advice (hour);
CREATE TABLE rollup_advice_values (
  hour bigint NOT NULL, host text COLLATE "C" NOT NULL, mta text COLLATE "C" NOT NULL, rule text COLLATE "C" NOT NULL,
  kind text COLLATE "C" NOT NULL, value text COLLATE "C" NOT NULL, n bigint NOT NULL
);
CREATE INDEX rollup_advice_values_hour ON rollup_advice_values (hour);
CREATE INDEX rollup_advice_values_group ON rollup_advice_values (mta, host, rule, kind, value, hour, n);
