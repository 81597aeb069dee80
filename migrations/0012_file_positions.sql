-- "sources" named a folder, this table and an API view. The table holds the read position of
-- each log file (by fingerprint), so it is called that. Indexes and the follow_checkpoints
-- join keep working: SQLite renames references with the table.
ALTER TABLE sources RENAME TO file_positions;
