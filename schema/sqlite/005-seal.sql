-- The record that proves itself: every row a report or an incident is made
-- from (events, alarms and what is attached to them, notes, commands) is
-- sealed into the audit hash chain when refuged writes it. An entry covers
-- rows first..last of one table (rowids): hash is SHA-256 over the rows'
-- SHA-256 digests in order, rows their first 8 bytes each (to name the row
-- that changed). Each seal is one audit row ('seal', or 'anchor' for the
-- rows written before this migration) whose detail holds the digest of its
-- entries; 'purge' rows are retention's checkpoints.
CREATE TABLE seal_entries (
	audit_id	INTEGER NOT NULL,
	tbl		TEXT NOT NULL,
	first		INTEGER NOT NULL,
	last		INTEGER NOT NULL,
	hash		TEXT NOT NULL,
	rows		BLOB NOT NULL
);

CREATE INDEX seal_entries_by_row ON seal_entries (tbl, first, audit_id);
CREATE INDEX seal_entries_by_seal ON seal_entries (audit_id);

-- 0 until refuged has sealed the rows that were there before (the anchor).
CREATE TABLE seal_state (
	id		INTEGER PRIMARY KEY CHECK (id = 1),
	anchored	INTEGER NOT NULL
);

INSERT INTO seal_state (id, anchored) VALUES (1, 0);
