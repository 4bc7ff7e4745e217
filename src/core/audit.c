/*
 * The audit hash chain. A row's hash is the lowercase hex SHA-256 of its
 * canonical form, the fields joined by single LFs with no LF at the end:
 *
 *	prev_hash LF id LF time_ms LF user LF alarm_id LF action LF detail
 *
 * Integers are written in decimal ("-" for negatives, no leading zeros), a
 * NULL string as "". The previous row's hash is "" for the first row. Only
 * detail, the last field, may itself hold an LF without making two rows
 * alike; user and action never do.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "refuge/audit.h"

static const char *
audit_str(const char *s)
{
	return s == NULL ? "" : s;
}

static int
audit_canonical(const struct audit_row *row, char *buf, size_t len)
{
	return snprintf(buf, len, "%s\n%" PRId64 "\n%" PRId64 "\n%s\n%" PRId64
	    "\n%s\n%s", row->prev_hash, row->id, row->time_ms,
	    audit_str(row->user), row->alarm_id, audit_str(row->action),
	    audit_str(row->detail));
}

static int
audit_digest(const struct audit_row *row, char hex[AUDIT_HASH_HEX])
{
	static const char	 digits[] = "0123456789abcdef";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;
	char			*buf;
	int			 n, rc = -1;

	if (memchr(row->prev_hash, '\0', sizeof(row->prev_hash)) == NULL)
		return -1;
	if ((n = audit_canonical(row, NULL, 0)) < 0)
		return -1;
	if ((buf = malloc((size_t)n + 1)) == NULL)
		return -1;
	if (audit_canonical(row, buf, (size_t)n + 1) != n)
		goto fail;
	if (EVP_Digest(buf, (size_t)n, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen * 2 + 1 != AUDIT_HASH_HEX)
		goto fail;
	for (i = 0; i < mdlen; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0x0f];
	}
	hex[2 * mdlen] = '\0';
	rc = 0;
fail:
	free(buf);
	return rc;
}

int
audit_hash(struct audit_row *row)
{
	char	hex[AUDIT_HASH_HEX];

	if (audit_digest(row, hex) == -1)
		return -1;
	memcpy(row->hash, hex, sizeof(row->hash));
	return 0;
}

static int
audit_fail(char *err, size_t errlen, const char *why)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", why);
	return -1;
}

int
audit_check(const struct audit_row *row, const char *prev_hash, char *err,
    size_t errlen)
{
	char	hex[AUDIT_HASH_HEX];

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (strncmp(row->prev_hash, prev_hash == NULL ? "" : prev_hash,
	    sizeof(row->prev_hash)) != 0)
		return audit_fail(err, errlen,
		    "prev_hash does not match the previous row");
	if (audit_digest(row, hex) == -1)
		return audit_fail(err, errlen, "cannot compute the hash");
	if (strncmp(row->hash, hex, sizeof(row->hash)) != 0)
		return audit_fail(err, errlen,
		    "hash does not match the row's content");
	return 0;
}

int
audit_detail_get(const char *detail, const char *key, char *out, size_t len)
{
	const char	*p = detail;
	size_t		 k = strlen(key), n;

	while ((p = strstr(p, key)) != NULL) {
		if ((p == detail || p[-1] == ' ') && p[k] == '=') {
			n = strcspn(p + k + 1, " ");
			if (n >= len)
				return -1;
			memcpy(out, p + k + 1, n);
			out[n] = '\0';
			return 0;
		}
		p += k;
	}
	return -1;
}

void
audit_hex(const unsigned char *d, size_t n, char *out)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * n] = '\0';
}
