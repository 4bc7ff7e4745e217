/*
 * The audit hash chain: each row's hash is SHA-256 over the previous row's
 * hash and this row's content, so editing or deleting history shows. Pure
 * (the digest comes from OpenSSL's libcrypto, but no I/O).
 */
#ifndef REFUGE_AUDIT_H
#define REFUGE_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#define AUDIT_HASH_HEX	65	/* 64 hex digits and NUL */

struct audit_row {
	int64_t		 id;
	int64_t		 time_ms;
	const char	*user;		/* "" for the receiver itself */
	int64_t		 alarm_id;	/* 0: none */
	const char	*action;	/* claim, release, resolve, note, raise, ... */
	const char	*detail;
	char		 prev_hash[AUDIT_HASH_HEX];	/* "" for the first row */
	char		 hash[AUDIT_HASH_HEX];
};

/* Computes row->hash from row->prev_hash and the content. Returns 0 or -1. */
int	audit_hash(struct audit_row *);

/*
 * Checks one row of a walk in id order: its prev_hash must equal prev_hash
 * (the previous row's hash, "" for the first row) and its hash must be right.
 * Returns 0, or -1 with why in err.
 */
int	audit_check(const struct audit_row *, const char *prev_hash, char *err,
	    size_t errlen);

/*
 * The value of key in an audit row's detail ("k=v k=v": seals' digest=,
 * entries=, checkpoints' through=, cp=), into out: 0, or -1 when absent or
 * longer than len - 1.
 */
int	audit_detail_get(const char *detail, const char *key, char *out,
	    size_t len);
/* n bytes as lowercase hex into out (2n + 1 bytes). */
void	audit_hex(const unsigned char *, size_t n, char *out);

#endif
