-- Technical alarms (offline, mains, faults) resolve as 'technical', apart
-- from activations (genuine, false). SQLite cannot alter a CHECK: the table
-- is rebuilt the documented way, run with foreign keys off (the migration
-- runner turns them on afterwards), keeping every row and id.
CREATE TABLE alarms_new (
	id			INTEGER PRIMARY KEY,
	event_id		INTEGER NOT NULL REFERENCES events (id),
	unit_id			TEXT NOT NULL,
	site_id			TEXT NOT NULL,
	type			TEXT NOT NULL,
	priority		INTEGER NOT NULL,
	state			TEXT NOT NULL DEFAULT 'queued'
				CHECK (state IN ('queued', 'claimed', 'resolved')),
	raised_ms		INTEGER NOT NULL,
	count			INTEGER NOT NULL DEFAULT 1,
	restored_ms		INTEGER,
	claimed_by		TEXT,
	claimed_ms		INTEGER,
	first_claimed_ms	INTEGER,
	resolved_by		TEXT,
	resolved_ms		INTEGER,
	outcome			TEXT CHECK (outcome IN ('genuine', 'false',
				    'technical')),
	reason			TEXT,
	action			TEXT,
	note			TEXT
);

INSERT INTO alarms_new (id, event_id, unit_id, site_id, type, priority, state,
    raised_ms, count, restored_ms, claimed_by, claimed_ms, first_claimed_ms,
    resolved_by, resolved_ms, outcome, reason, action, note)
SELECT id, event_id, unit_id, site_id, type, priority, state, raised_ms, count,
    restored_ms, claimed_by, claimed_ms, first_claimed_ms, resolved_by,
    resolved_ms, outcome, reason, action, note
FROM alarms;

DROP TABLE alarms;
ALTER TABLE alarms_new RENAME TO alarms;
CREATE INDEX alarms_open ON alarms (state) WHERE state <> 'resolved';
CREATE INDEX alarms_by_raised ON alarms (raised_ms);
