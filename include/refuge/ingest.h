/*
 * Group commit: what arrives in one loop turn is stored in one transaction,
 * and only then acknowledged.
 */
#ifndef REFUGE_INGEST_H
#define REFUGE_INGEST_H

#include <stdint.h>

#include "evtype.h"
#include "store.h"

struct daemon;
struct ingest;
struct unit_record;
struct unit_session;

struct ingest	*ingest_new(struct daemon *);
void		 ingest_free(struct ingest *);

/* A unit's event; ACK goes to session after the commit if it still exists. */
int	ingest_unit_event(struct ingest *, struct unit_session *,
	    struct unit_record *, const char *event_id, enum evtype,
	    int64_t unit_time_ms, const char *attributes);
/* An event the receiver makes itself (UNIT_OFFLINE, UNIT_ONLINE). */
int	ingest_receiver_event(struct ingest *, struct unit_record *,
	    enum evtype);
int	ingest_unit_state(struct ingest *, struct unit_record *,
	    enum store_unit_state);
int	ingest_unit_firmware(struct ingest *, struct unit_record *,
	    const char *firmware);
int	ingest_unit_attributes(struct ingest *, struct unit_record *,
	    const char *attributes);
/* The session is going away: nothing is to be sent to it any more. */
void	ingest_forget_session(struct ingest *, struct unit_session *);
/* 1 from a failed commit until a write succeeds (tried here when idle). */
int	ingest_failing(struct ingest *);
/* Commits what is queued now (shutdown). Returns 0, or -1 if the commit failed. */
int	ingest_flush(struct ingest *);

#endif
