/*
 * DC-09 event data and the code map. SIA-DCS data is blocks separated by
 * '/', each maybe led by lower-case modifiers ("ri1" area, "id5" user)
 * and holding a two-letter code with an optional address ("PA501").
 * ADM-CID data is Contact ID without its checksum: Q EEE GG ZZZ.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "refuge/dc09_codes.h"

struct dc09_code_row {
	const char	*key;	/* SIA code, or "CID" for a range */
	int		 lo, hi;
	enum evtype	 type;
};

/* Singles before ranges: CID 137 (box tamper) is TAMPER, not INTRUSION. */
static const struct dc09_code_row dc09_default_rows[] = {
	{ "PA", 0, 0, EVTYPE_BUTTON },
	{ "HA", 0, 0, EVTYPE_BUTTON },
	{ "PR", 0, 0, EVTYPE_STATUS },
	{ "HR", 0, 0, EVTYPE_STATUS },
	{ "TA", 0, 0, EVTYPE_TAMPER },
	{ "TR", 0, 0, EVTYPE_TAMPER_RESTORE },
	{ "AT", 0, 0, EVTYPE_MAINS_FAIL },
	{ "AR", 0, 0, EVTYPE_MAINS_RESTORE },
	{ "YT", 0, 0, EVTYPE_BATTERY_LOW },
	{ "YR", 0, 0, EVTYPE_BATTERY_RESTORE },
	{ "RP", 0, 0, EVTYPE_TEST },
	{ "FA", 0, 0, EVTYPE_FIRE },
	{ "FR", 0, 0, EVTYPE_FIRE_RESTORE },
	{ "BA", 0, 0, EVTYPE_INTRUSION },
	{ "BR", 0, 0, EVTYPE_INTRUSION_RESTORE },
	{ "CID", 137, 137, EVTYPE_TAMPER },
	{ "CID", 144, 145, EVTYPE_TAMPER },
	{ "CID", 301, 301, EVTYPE_MAINS_FAIL },
	{ "CID", 302, 302, EVTYPE_BATTERY_LOW },
	{ "CID", 309, 309, EVTYPE_BATTERY_LOW },
	{ "CID", 311, 311, EVTYPE_BATTERY_LOW },
	{ "CID", 602, 603, EVTYPE_TEST },
	{ "CID", 110, 118, EVTYPE_FIRE },
	{ "CID", 120, 123, EVTYPE_BUTTON },
	{ "CID", 130, 139, EVTYPE_INTRUSION },
};

#define DC09_ROWS	(sizeof(dc09_default_rows) / sizeof(dc09_default_rows[0]))

const char *
dc09_codes_default(size_t index, char *buf, size_t buflen, enum evtype *type)
{
	const struct dc09_code_row *r;

	if (index >= DC09_ROWS)
		return NULL;
	r = &dc09_default_rows[index];
	*type = r->type;
	if (strcmp(r->key, "CID") != 0)
		snprintf(buf, buflen, "%s", r->key);
	else if (r->lo == r->hi)
		snprintf(buf, buflen, "CID:%03d", r->lo);
	else
		snprintf(buf, buflen, "CID:%03d-%03d", r->lo, r->hi);
	return buf;
}

int
dc09_codes_key_valid(const char *key)
{
	if (strncmp(key, "CID:", 4) == 0)
		return strlen(key) == 7 && isdigit((unsigned char)key[4]) &&
		    isdigit((unsigned char)key[5]) &&
		    isdigit((unsigned char)key[6]);
	return strlen(key) == 2 && isupper((unsigned char)key[0]) &&
	    isupper((unsigned char)key[1]);
}

/* The type whose restore is type, or STATUS when none. */
static enum evtype
dc09_restore_of(enum evtype type)
{
	int	i;

	for (i = 0; i < EVTYPE_COUNT; i++)
		if (evtype_restores((enum evtype)i) == (int)type)
			return (enum evtype)i;
	return EVTYPE_STATUS;
}

static int
dc09_default_lookup(const char *code, enum evtype *type)
{
	const struct dc09_code_row	*r;
	size_t				 i;
	int				 n;

	for (i = 0; i < DC09_ROWS; i++) {
		r = &dc09_default_rows[i];
		if (strcmp(r->key, "CID") == 0) {
			if (strncmp(code, "CID:", 4) != 0)
				continue;
			n = (code[4] - '0') * 100 + (code[5] - '0') * 10 +
			    (code[6] - '0');
			if (n < r->lo || n > r->hi)
				continue;
		} else if (strcmp(r->key, code) != 0)
			continue;
		*type = r->type;
		return 0;
	}
	return -1;
}

enum evtype
dc09_codes_map(const struct dc09_codes *overrides,
    const struct dc09_event *ev)
{
	enum evtype	type;
	size_t		i;
	int		found = 0;

	if (ev->qualifier == DC09_STATUS)
		return EVTYPE_STATUS;
	for (i = 0; overrides != NULL && i < overrides->count; i++)
		if (strcmp(overrides->entries[i].key, ev->code) == 0) {
			type = overrides->entries[i].type;
			found = 1;
			break;
		}
	if (!found && dc09_default_lookup(ev->code, &type) == -1)
		return ev->qualifier == DC09_RESTORE ? EVTYPE_STATUS :
		    EVTYPE_UNKNOWN_CODE;
	if (ev->qualifier == DC09_RESTORE)
		return evtype_restores(type) >= 0 ? type : dc09_restore_of(type);
	return type;
}

/* One SIA block: modifiers skipped, then a code and its address. */
static int
dc09_sia_block(const char *p, size_t n, struct dc09_event *ev)
{
	size_t	i = 0, z = 0;

	while (i + 1 < n && islower((unsigned char)p[i]) &&
	    islower((unsigned char)p[i + 1])) {
		i += 2;
		while (i < n && (isdigit((unsigned char)p[i]) || p[i] == ':' ||
		    p[i] == '.' || p[i] == '-'))
			i++;
	}
	if (i == n)
		return 0;
	if (i + 2 > n || !isupper((unsigned char)p[i]) ||
	    !isupper((unsigned char)p[i + 1]))
		return -1;
	memset(ev, 0, sizeof(*ev));
	ev->code[0] = p[i];
	ev->code[1] = p[i + 1];
	ev->qualifier = DC09_NEW;
	for (i += 2; i < n; i++) {
		if (!isalnum((unsigned char)p[i]) || z + 1 >= sizeof(ev->zone))
			return -1;
		ev->zone[z++] = p[i];
	}
	return 1;
}

static int
dc09_sia_events(const char *data, struct dc09_event *evs, size_t max)
{
	const char	*p = data, *slash;
	size_t		 count = 0, n;
	int		 r;

	if (*p != 'N' && *p != 'O')
		return -1;
	p++;
	while (*p != '\0') {
		slash = strchr(p, '/');
		n = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (count == max)
			break;
		if ((r = dc09_sia_block(p, n, &evs[count])) == -1)
			return -1;
		count += (size_t)r;
		p += n + (slash != NULL);
	}
	return (int)count;
}

static int
dc09_cid_events(const char *data, struct dc09_event *ev, size_t max)
{
	char	d[16];
	size_t	n = 0;

	for (; *data != '\0'; data++) {
		if (*data == ' ')
			continue;
		if (!isxdigit((unsigned char)*data) || n == 9)
			return -1;
		d[n++] = *data;
	}
	if (n != 9 || max == 0 || (d[0] != '1' && d[0] != '3' && d[0] != '6') ||
	    !isdigit((unsigned char)d[1]) || !isdigit((unsigned char)d[2]) ||
	    !isdigit((unsigned char)d[3]))
		return -1;
	memset(ev, 0, sizeof(*ev));
	ev->qualifier = d[0] == '1' ? DC09_NEW : d[0] == '3' ? DC09_RESTORE :
	    DC09_STATUS;
	snprintf(ev->code, sizeof(ev->code), "CID:%.3s", d + 1);
	snprintf(ev->zone, sizeof(ev->zone), "%.3s", d + 6);
	return 1;
}

int
dc09_events(enum dc09_id id, const char *data, struct dc09_event *evs,
    size_t max)
{
	if (id == DC09_ID_SIA_DCS)
		return dc09_sia_events(data, evs, max);
	if (id == DC09_ID_ADM_CID)
		return dc09_cid_events(data, evs, max);
	return -1;
}
