/* refuge.yaml's list values: a command's argv, and event types. */
#include <stdlib.h>
#include <string.h>

#include "config_lists.h"

#define CONFIG_ARGV_MAX		32	/* words of a command */
#define CONFIG_ARGV_WORD_MAX	1024	/* bytes of one word */

void
config_lists_argv_free(char **argv)
{
	size_t	i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

void
config_lists_argv(struct yamltree_doc *doc, const struct yamltree_node *n,
    const char *path, char ***out)
{
	char		 item[YAMLTREE_PATH_MAX], **argv;
	const char	*s;
	size_t		 i;

	if (n->kind != YAMLTREE_SEQUENCE || n->count == 0 ||
	    n->count > CONFIG_ARGV_MAX) {
		yamltree_error(doc, n, path, "expected a list of 1 to %d "
		    "strings: the program, then its arguments", CONFIG_ARGV_MAX);
		return;
	}
	if ((argv = calloc(n->count + 1, sizeof(*argv))) == NULL) {
		yamltree_error(doc, n, path, "out of memory");
		return;
	}
	for (i = 0; i < n->count; i++) {
		yamltree_path_index(item, path, i);
		if (yamltree_string(doc, n->items[i], item, &s) == -1)
			break;
		if (s[0] == '\0' || strlen(s) > CONFIG_ARGV_WORD_MAX) {
			yamltree_error(doc, n->items[i], item, "expected 1 to "
			    "%d bytes", CONFIG_ARGV_WORD_MAX);
			break;
		}
		if ((argv[i] = strdup(s)) == NULL) {
			yamltree_error(doc, n->items[i], item, "out of memory");
			break;
		}
	}
	if (i < n->count) {
		config_lists_argv_free(argv);
		return;
	}
	config_lists_argv_free(*out);
	*out = argv;
}

/* 1 if some restore type closes alarms of type. */
static int
config_lists_has_restore(enum evtype type)
{
	int	i;

	for (i = 0; i < EVTYPE_COUNT; i++)
		if (evtype_restores((enum evtype)i) == (int)type)
			return 1;
	return 0;
}

void
config_lists_restorable(struct yamltree_doc *doc,
    const struct yamltree_node *n, const char *path, int flags[EVTYPE_COUNT])
{
	char		 item[YAMLTREE_PATH_MAX];
	const char	*s;
	enum evtype	 type;
	size_t		 i;

	if (n->kind != YAMLTREE_SEQUENCE) {
		yamltree_error(doc, n, path, "expected a list of event types");
		return;
	}
	for (i = 0; i < n->count; i++) {
		yamltree_path_index(item, path, i);
		if (yamltree_string(doc, n->items[i], item, &s) == -1)
			continue;
		if (evtype_from_name(s, &type) == -1)
			yamltree_error(doc, n->items[i], item,
			    "unknown event type '%.32s'", s);
		else if (type == EVTYPE_BUTTON || !config_lists_has_restore(type))
			yamltree_error(doc, n->items[i], item, "%s is not a "
			    "technical alarm that a restore ends", s);
		else
			flags[type] = 1;
	}
}
