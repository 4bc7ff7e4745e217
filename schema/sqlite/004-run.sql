-- How the last refuged left the database: stopped_ms is set by a clean stop
-- and cleared at start, so a row without it (or no row) after a start means
-- the last run ended unclean (a crash, kill -9, a power cut) and the file is
-- checked (PRAGMA quick_check) before anything is acknowledged.
CREATE TABLE receiver_run (
	id		INTEGER PRIMARY KEY CHECK (id = 1),
	started_ms	INTEGER NOT NULL,
	stopped_ms	INTEGER
);
