-- Open messages moved out of memory (spilled) when more are open than max_open_messages: a
-- stuck queue or a flood then costs disk, not memory. Their correlator state moves here from
-- messages.state (so start-up loads only what was in memory); these tables find them again by
-- queue id (any of theirs) and by the time at which they are due (grace over, or stale).
CREATE TABLE spilled_messages (
  message  INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
  deadline INTEGER NOT NULL,             -- ms since epoch (log time): finished or dropped then
  state    TEXT NOT NULL                 -- the correlator's state, as messages.state holds it
);
CREATE INDEX spilled_deadline ON spilled_messages (deadline);

CREATE TABLE spilled_queue_ids (
  host     TEXT NOT NULL,
  queue_id TEXT NOT NULL,
  message  INTEGER NOT NULL REFERENCES spilled_messages (message) ON DELETE CASCADE,
  PRIMARY KEY (host, queue_id)
) WITHOUT ROWID;
CREATE INDEX spilled_queue_ids_message ON spilled_queue_ids (message);
