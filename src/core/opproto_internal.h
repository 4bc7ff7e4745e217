/*
 * Shared by the operator protocol's receiver-side files only: opproto.c
 * (the request table, the first requests and the live lines) and
 * opproto_record.c (the record's requests and lines: DETAIL, SEARCH, WHO,
 * HANDOVER, CLAIM force; UNIT, LOG, OPERATOR, HANDOVER lines).
 */
#ifndef REFUGE_OPPROTO_INTERNAL_H
#define REFUGE_OPPROTO_INTERNAL_H

#include <stddef.h>

#include "refuge/opproto.h"

/* Parsing (opproto.c): each returns 0, or -1 with the reason in err. */
int	opproto_fail(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	opproto_show(const char *s);
const char	*opproto_word(const struct opproto_request *, size_t i);
int	opproto_no_more(const struct opproto_request *, size_t n, char *err,
	    size_t errlen);
int	opproto_alarm_id(struct opproto_request *, char *err, size_t errlen);
int	opproto_text(struct opproto_request *, size_t first, char *err,
	    size_t errlen);

/* Formatting (opproto.c): -1 when it does not fit. */
int	opproto_printf(char *buf, size_t len, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	opproto_refuse(char *buf, size_t len);
int	opproto_put_quoted(char *buf, size_t len, size_t *off, const char *s);
int	opproto_put_attr(char *buf, size_t len, size_t *off, const char *key,
	    const char *value);

/* The record's requests (opproto_record.c). */
int	opproto_parse_claim(struct opproto_request *, char *, size_t);
int	opproto_parse_detail(struct opproto_request *, char *, size_t);
int	opproto_parse_search(struct opproto_request *, char *, size_t);
int	opproto_parse_who(struct opproto_request *, char *, size_t);
int	opproto_parse_handover(struct opproto_request *, char *, size_t);

/* opproto_resolve.c: RESOLVE <id> ..., and RESOLVE restored type= ... */
int	opproto_resolve_parse(struct opproto_request *, char *err,
	    size_t errlen);

#endif
