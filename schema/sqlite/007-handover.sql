-- The shift handover notes (HANDOVER), and the indexes the record's reads
-- use: DETAIL reads an alarm's audit rows, SEARCH filters by unit and by
-- who touched an alarm.
CREATE TABLE handover (
	id		INTEGER PRIMARY KEY,
	time_ms		INTEGER NOT NULL,
	user		TEXT NOT NULL,
	text		TEXT NOT NULL
);

CREATE INDEX audit_by_alarm ON audit (alarm_id, user);
CREATE INDEX alarms_by_unit ON alarms (unit_id, raised_ms);
