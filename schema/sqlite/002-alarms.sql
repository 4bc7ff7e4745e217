-- The alarm stack's truth: alarms, what is attached to them, notes, commands,
-- units on test, and the audit hash chain.
CREATE TABLE alarms (
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
	outcome			TEXT CHECK (outcome IN ('genuine', 'false')),
	reason			TEXT,
	action			TEXT,
	note			TEXT
);

CREATE INDEX alarms_open ON alarms (state) WHERE state <> 'resolved';
CREATE INDEX alarms_by_raised ON alarms (raised_ms);

-- Events attached to an alarm after the one that raised it (repeats, restores).
CREATE TABLE alarm_events (
	alarm_id	INTEGER NOT NULL REFERENCES alarms (id),
	event_id	INTEGER NOT NULL REFERENCES events (id),
	PRIMARY KEY (alarm_id, event_id)
);

CREATE TABLE alarm_notes (
	id		INTEGER PRIMARY KEY,
	alarm_id	INTEGER NOT NULL REFERENCES alarms (id),
	time_ms		INTEGER NOT NULL,
	user		TEXT NOT NULL,
	text		TEXT NOT NULL
);

-- Commands sent to units, by an operator or on activation; alarm_id may be NULL.
CREATE TABLE unit_commands (
	cmd_id		TEXT PRIMARY KEY,
	unit_id		TEXT NOT NULL,
	alarm_id	INTEGER REFERENCES alarms (id),
	user		TEXT NOT NULL,
	command		TEXT NOT NULL,
	sent_ms		INTEGER NOT NULL,
	result		TEXT CHECK (result IN ('done', 'fail', 'timeout')),
	reason		TEXT,
	done_ms		INTEGER
);

-- Test windows set by a supervisor; until_ms 0 means switched off.
CREATE TABLE unit_tests (
	unit_id		TEXT PRIMARY KEY,
	until_ms	INTEGER NOT NULL,
	set_by		TEXT NOT NULL,
	set_ms		INTEGER NOT NULL
);

-- Append-only; hash = SHA-256(prev_hash, id, time_ms, user, alarm_id, action, detail).
CREATE TABLE audit (
	id		INTEGER PRIMARY KEY,
	time_ms		INTEGER NOT NULL,
	user		TEXT NOT NULL,
	alarm_id	INTEGER NOT NULL DEFAULT 0,
	action		TEXT NOT NULL,
	detail		TEXT NOT NULL,
	prev_hash	TEXT NOT NULL,
	hash		TEXT NOT NULL
);
