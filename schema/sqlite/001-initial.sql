-- Units' last known condition and every event, unit-sent or receiver-made.
CREATE TABLE units (
	id		TEXT PRIMARY KEY,
	state		TEXT NOT NULL DEFAULT 'unknown'
			CHECK (state IN ('online', 'offline', 'unknown')),
	last_seen_ms	INTEGER,
	firmware	TEXT,
	attributes	TEXT NOT NULL DEFAULT ''
);

CREATE TABLE events (
	id		INTEGER PRIMARY KEY,
	unit_id		TEXT NOT NULL,
	unit_event_id	TEXT NOT NULL,
	type		TEXT NOT NULL,
	priority	INTEGER NOT NULL,
	source		TEXT NOT NULL CHECK (source IN ('unit', 'receiver')),
	unit_time_ms	INTEGER,
	received_ms	INTEGER NOT NULL,
	attributes	TEXT NOT NULL DEFAULT '',
	UNIQUE (unit_id, unit_event_id)
);

CREATE INDEX events_by_unit_time ON events (unit_id, received_ms);
