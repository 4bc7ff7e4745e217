/*
 * units.yaml's outcomes: the words an operator classifies a resolved alarm
 * with. A list given replaces the default; "restored" is added to the
 * technical actions when missing (the receiver closes alarms with it).
 * Words are single protocol tokens, bounded so that an OUTCOME line fits.
 */
#include <stdlib.h>
#include <string.h>

#include "refuge/alarm.h"
#include "refuge/line.h"
#include "registry_outcomes.h"

static const struct yamltree_field registry_outcomes_fields[] = {
	{ .key = "false_reasons", .kind = REGISTRY_FALSE_REASONS },
	{ .key = "genuine_actions", .kind = REGISTRY_GENUINE_ACTIONS },
	{ .key = "technical_actions", .kind = REGISTRY_TECHNICAL_ACTIONS },
	{ .key = NULL }
};

/* Checks one word; 0, or -1 after reporting it. */
static int
registry_outcomes_word(struct yamltree_doc *doc, const struct yamltree_node *n,
    const char *path, char **words, size_t count, const char **out)
{
	const char	*s;
	size_t		 i;

	if (yamltree_string(doc, n, path, &s) == -1)
		return -1;
	if (s[0] == '\0' || strlen(s) > ALARM_WORD_MAX || !line_is_ident(s)) {
		yamltree_error(doc, n, path, "expected one word of 1 to %d "
		    "letters, digits, '.', '_', ':' or '-' (\"welfare-check\")",
		    ALARM_WORD_MAX);
		return -1;
	}
	for (i = 0; i < count; i++)
		if (strcmp(words[i], s) == 0) {
			yamltree_error(doc, n, path, "duplicate word '%s'", s);
			return -1;
		}
	*out = s;
	return 0;
}

static void
registry_outcomes_list(void *arg, const struct yamltree_field *f,
    const struct yamltree_node *n, const char *path)
{
	struct yamltree_doc	*doc = ((void **)arg)[0];
	struct registry		*reg = ((void **)arg)[1];
	char			 item[YAMLTREE_PATH_MAX], **words;
	const char		*s;
	size_t			 i, count = 0;
	int			 restored = 0;

	if (n->kind != YAMLTREE_SEQUENCE || n->count == 0) {
		yamltree_error(doc, n, path, "expected a non-empty list of words");
		return;
	}
	if (n->count > ALARM_WORDS_MAX) {
		yamltree_error(doc, n, path, "at most %d words",
		    ALARM_WORDS_MAX);
		return;
	}
	/* Room for the words, "restored", and the NULL. */
	if ((words = calloc(n->count + 2, sizeof(*words))) == NULL) {
		yamltree_error(doc, n, path, "out of memory");
		return;
	}
	for (i = 0; i < n->count; i++) {
		yamltree_path_index(item, path, i);
		if (registry_outcomes_word(doc, n->items[i], item, words, count,
		    &s) == -1)
			continue;
		if ((words[count] = strdup(s)) == NULL) {
			yamltree_error(doc, n->items[i], item, "out of memory");
			continue;
		}
		restored |= strcmp(s, ALARM_ACTION_RESTORED) == 0;
		count++;
	}
	if (f->kind == REGISTRY_TECHNICAL_ACTIONS && !restored &&
	    (words[count] = strdup(ALARM_ACTION_RESTORED)) == NULL)
		yamltree_error(doc, n, path, "out of memory");
	reg->outcomes[f->kind] = words;
}

void
registry_outcomes_parse(struct yamltree_doc *doc, const struct yamltree_node *n,
    const char *path, struct registry *reg)
{
	void	*arg[2] = { doc, reg };

	yamltree_fields(doc, n, path, registry_outcomes_fields,
	    registry_outcomes_list, arg);
}

void
registry_outcomes_free(struct registry *reg)
{
	size_t	i, j;

	for (i = 0; i < REGISTRY_OUTCOME_LISTS; i++) {
		if (reg->outcomes[i] == NULL)
			continue;
		for (j = 0; reg->outcomes[i][j] != NULL; j++)
			free(reg->outcomes[i][j]);
		free(reg->outcomes[i]);
		reg->outcomes[i] = NULL;
	}
}

void
registry_outcomes_lists(const struct registry *reg, struct alarm_lists *lists)
{
	*lists = alarm_default_lists;
	if (reg == NULL)
		return;
	if (reg->outcomes[REGISTRY_FALSE_REASONS] != NULL)
		lists->false_reasons = (const char *const *)
		    reg->outcomes[REGISTRY_FALSE_REASONS];
	if (reg->outcomes[REGISTRY_GENUINE_ACTIONS] != NULL)
		lists->genuine_actions = (const char *const *)
		    reg->outcomes[REGISTRY_GENUINE_ACTIONS];
	if (reg->outcomes[REGISTRY_TECHNICAL_ACTIONS] != NULL)
		lists->technical_actions = (const char *const *)
		    reg->outcomes[REGISTRY_TECHNICAL_ACTIONS];
}
