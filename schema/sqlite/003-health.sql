-- One row the receiver rewrites to learn that a write really reaches the
-- disk (an empty transaction succeeds even on a full file system).
CREATE TABLE health_probe (
	id	INTEGER PRIMARY KEY CHECK (id = 1),
	at_ms	INTEGER NOT NULL
);
