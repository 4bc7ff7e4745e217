/* units.yaml's priorities: an alarm's priority by event type, for registry.c. */
#include <string.h>

#include "registry_priorities.h"

void
registry_priorities_parse(struct yamltree_doc *doc, struct registry *reg,
    const struct yamltree_node *n, const char *path)
{
	const struct yamltree_node	*key;
	size_t				 first[EVTYPE_COUNT], i;
	char				 item[YAMLTREE_PATH_MAX];
	enum evtype			 type;
	int64_t				 v;

	if (n->kind != YAMLTREE_MAPPING) {
		yamltree_error(doc, n, path, "expected a mapping");
		return;
	}
	memset(first, 0, sizeof(first));
	for (i = 0; i < n->count; i++) {
		key = n->keys[i];
		yamltree_path_key(item, path, key->text);
		if (evtype_from_name(key->text, &type) == -1) {
			yamltree_error(doc, key, item,
			    "unknown event type");
			continue;
		}
		if (first[type] != 0) {
			yamltree_error(doc, key, item,
			    "duplicate key (first at line %zu)", first[type]);
			continue;
		}
		first[type] = key->line;
		if (evtype_default_priority(type) == 0)
			yamltree_error(doc, key, item, "%s never raises "
			    "an alarm and cannot have a priority", key->text);
		else if (yamltree_int(doc, n->items[i], item, 1, 9,
		    &v) == 0)
			reg->priorities[type] = (int)v;
	}
}

