/* Shared by the operator protocol's parsing files only (opproto*.c). */
#ifndef REFUGE_OPPROTO_INTERNAL_H
#define REFUGE_OPPROTO_INTERNAL_H

#include <stddef.h>

#include "refuge/opproto.h"

/* Writes the message into err and returns -1. */
int		 opproto_fail(char *err, size_t errlen, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
/* How many bytes of s to echo in a message. */
int		 opproto_show(const char *s);
/* The i-th token if it is there and not key=value, else NULL. */
const char	*opproto_word(const struct opproto_request *, size_t i);
int		 opproto_no_more(const struct opproto_request *, size_t n,
		    char *err, size_t errlen);
/* Token 1 as an alarm id. */
int		 opproto_alarm_id(struct opproto_request *, char *err,
		    size_t errlen);
/* Tokens first.. as a note's free text, into req->text. */
int		 opproto_text(struct opproto_request *, size_t first,
		    char *err, size_t errlen);

/* opproto_resolve.c: RESOLVE <id> ..., and RESOLVE restored type= ... */
int		 opproto_resolve_parse(struct opproto_request *, char *err,
		    size_t errlen);

#endif
