/*
 * units.yaml's DC-09 parts. A unit's block:
 *   dc09: { account: "1234", key_hex: "...", plaintext: false, supervision: 90s }
 * key_hex (32, 48 or 64 hex digits) and plaintext: true are exclusive and
 * one of them is required. Accounts are kept in upper case, unique.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/dc09.h"
#include "refuge/registry_dc09.h"

#define REGISTRY_DC09_MIN_SUPERVISION	1000LL
#define REGISTRY_DC09_MAX_SUPERVISION	(26 * 3600 * 1000LL)

static void
registry_dc09_account(struct yamltree_doc *doc, const struct yamltree_node *n,
    const char *path, struct registry_dc09 *d)
{
	const char	*s;
	size_t		 i;

	if (yamltree_string(doc, n, path, &s) == -1)
		return;
	if (!dc09_account_valid(s)) {
		yamltree_error(doc, n, path, "account must be 3-16 hex digits");
		return;
	}
	for (i = 0; s[i] != '\0'; i++)
		d->account[i] = (char)toupper((unsigned char)s[i]);
	d->account[i] = '\0';
	d->line = n->line;
	d->column = n->column;
}

static void
registry_dc09_key(struct yamltree_doc *doc, const struct yamltree_node *n,
    const char *path, struct registry_dc09 *d)
{
	const char	*s;
	size_t		 len;

	if (yamltree_string(doc, n, path, &s) == -1)
		return;
	len = strlen(s);
	if ((len != 32 && len != 48 && len != 64) ||
	    dc09_hex_decode(s, len, d->key, sizeof(d->key), &d->key_len) == -1)
		yamltree_error(doc, n, path, "key_hex must be 32, 48 or 64 hex "
		    "digits (AES-128, -192 or -256)");
}

void
registry_dc09_block(struct yamltree_doc *doc, const struct yamltree_node *n,
    const char *path, struct registry_dc09 **out)
{
	const struct yamltree_node	*v, *key, *plain;
	struct registry_dc09		*d;
	char				 item[YAMLTREE_PATH_MAX];
	size_t				 i, errors = doc->errors;

	if (n->kind != YAMLTREE_MAPPING) {
		yamltree_error(doc, n, path, "expected a mapping");
		return;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		yamltree_error(doc, n, path, "out of memory");
		return;
	}
	for (i = 0; i < n->count; i++) {
		v = n->items[i];
		yamltree_path_key(item, path, n->keys[i]->text);
		if (strcmp(n->keys[i]->text, "account") == 0)
			registry_dc09_account(doc, v, item, d);
		else if (strcmp(n->keys[i]->text, "key_hex") == 0)
			registry_dc09_key(doc, v, item, d);
		else if (strcmp(n->keys[i]->text, "plaintext") == 0)
			(void)yamltree_bool(doc, v, item, &d->plaintext);
		else if (strcmp(n->keys[i]->text, "supervision") == 0)
			(void)yamltree_duration(doc, v, item,
			    REGISTRY_DC09_MIN_SUPERVISION,
			    REGISTRY_DC09_MAX_SUPERVISION, &d->supervision_ms);
		else
			yamltree_error(doc, n->keys[i], item, "unknown key");
	}
	key = yamltree_get(n, "key_hex");
	plain = yamltree_get(n, "plaintext");
	if (yamltree_get(n, "account") == NULL)
		yamltree_error(doc, n, path, "account is required");
	if (yamltree_get(n, "supervision") == NULL)
		yamltree_error(doc, n, path, "supervision is required");
	if (key != NULL && d->plaintext)
		yamltree_error(doc, plain, path, "key_hex and plaintext: true "
		    "are exclusive");
	else if (key == NULL && !d->plaintext)
		yamltree_error(doc, n, path, "key_hex or plaintext: true is "
		    "required");
	if (doc->errors != errors) {
		free(d);
		return;
	}
	*out = d;
}

void
registry_dc09_codes(struct yamltree_doc *doc, const struct yamltree_node *n,
    const char *path, struct registry *reg)
{
	struct dc09_codes	*c = &reg->dc09_codes;
	const char		*s;
	char			 item[YAMLTREE_PATH_MAX];
	enum evtype		 type;
	size_t			 i, j;

	if (n->kind != YAMLTREE_MAPPING) {
		yamltree_error(doc, n, path, "expected a mapping");
		return;
	}
	if (n->count == 0)
		return;
	if ((c->entries = calloc(n->count, sizeof(*c->entries))) == NULL) {
		yamltree_error(doc, n, path, "out of memory");
		return;
	}
	for (i = 0; i < n->count; i++) {
		yamltree_path_key(item, path, n->keys[i]->text);
		if (!dc09_codes_key_valid(n->keys[i]->text)) {
			yamltree_error(doc, n->keys[i], item, "a code is two "
			    "upper-case letters (SIA) or CID:nnn");
			continue;
		}
		for (j = 0; j < c->count; j++)
			if (strcmp(c->entries[j].key, n->keys[i]->text) == 0)
				break;
		if (j < c->count) {
			yamltree_error(doc, n->keys[i], item, "duplicate code");
			continue;
		}
		if (yamltree_string(doc, n->items[i], item, &s) == -1)
			continue;
		if (evtype_from_name(s, &type) == -1 ||
		    type == EVTYPE_UNIT_OFFLINE || type == EVTYPE_UNIT_ONLINE ||
		    type == EVTYPE_PATH_FAULT || type == EVTYPE_PATH_RESTORE) {
			yamltree_error(doc, n->items[i], item, "unknown event "
			    "type '%.64s'", s);
			continue;
		}
		memcpy(c->entries[c->count].key, n->keys[i]->text,
		    strlen(n->keys[i]->text) + 1);
		c->entries[c->count++].type = type;
	}
}

static int
registry_dc09_cmp(const void *a, const void *b)
{
	const struct registry_unit	*x = *(const struct registry_unit *const *)a;
	const struct registry_unit	*y = *(const struct registry_unit *const *)b;
	int				 c;

	if ((c = strcmp(x->dc09->account, y->dc09->account)) != 0)
		return c;
	/* Equal accounts: the earlier line first, named as the first. */
	return (x->dc09->line > y->dc09->line) - (x->dc09->line < y->dc09->line);
}

void
registry_dc09_finish(struct yamltree_doc *doc, struct registry *reg)
{
	struct yamltree_node	 at;
	char			 path[YAMLTREE_PATH_MAX];
	size_t			 i, n = 0;

	for (i = 0; i < reg->unit_count; i++)
		n += reg->units[i].dc09 != NULL;
	if (n == 0)
		return;
	if ((reg->dc09_index = calloc(n, sizeof(*reg->dc09_index))) == NULL) {
		yamltree_error(doc, NULL, NULL, "out of memory");
		return;
	}
	for (i = 0; i < reg->unit_count; i++)
		if (reg->units[i].dc09 != NULL)
			reg->dc09_index[reg->dc09_count++] = &reg->units[i];
	qsort(reg->dc09_index, n, sizeof(*reg->dc09_index), registry_dc09_cmp);
	memset(&at, 0, sizeof(at));
	for (i = 1; i < n; i++) {
		if (strcmp(reg->dc09_index[i]->dc09->account,
		    reg->dc09_index[i - 1]->dc09->account) != 0)
			continue;
		at.line = reg->dc09_index[i]->dc09->line;
		at.column = reg->dc09_index[i]->dc09->column;
		snprintf(path, sizeof(path), "unit %.64s: dc09.account",
		    reg->dc09_index[i]->id);
		yamltree_error(doc, &at, path, "duplicate account "
		    "'%s' (first at line %zu, unit %s)",
		    reg->dc09_index[i]->dc09->account,
		    reg->dc09_index[i - 1]->dc09->line,
		    reg->dc09_index[i - 1]->id);
	}
}

static int
registry_dc09_find_cmp(const void *key, const void *elem)
{
	return strcmp(key, (*(const struct registry_unit *const *)elem)->dc09->
	    account);
}

const struct registry_unit *
registry_dc09_find(const struct registry *reg, const char *account)
{
	const struct registry_unit	**u;
	char				  up[17];
	size_t				  i;

	for (i = 0; account[i] != '\0' && i < sizeof(up) - 1; i++)
		up[i] = (char)toupper((unsigned char)account[i]);
	up[i] = '\0';
	if (reg->dc09_count == 0 || account[i] != '\0')
		return NULL;
	u = bsearch(up, reg->dc09_index, reg->dc09_count,
	    sizeof(*reg->dc09_index), registry_dc09_find_cmp);
	return u == NULL ? NULL : *u;
}

void
registry_dc09_free(struct registry *reg)
{
	size_t	i;

	for (i = 0; i < reg->unit_count; i++)
		free(reg->units[i].dc09);
	free(reg->dc09_codes.entries);
	free(reg->dc09_index);
}
