/* registry.c's check of the texts operators are sent: see registry_text.h. */
#include <stddef.h>

#include "refuge/yamltree.h"
#include "registry_text.h"

/*
 * A text sent to operators (a unit's name and address, a site's id): no
 * control character, which no line can carry, and at most max bytes as
 * sent, where '"' and '\\' are escaped and count two, so that every line
 * carrying it stays within the protocol's 512 bytes.
 */
int
registry_text_check(struct yamltree_doc *doc, const struct yamltree_node *n,
    const char *path, const char *s, size_t max)
{
	size_t	sent = 0;

	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			yamltree_error(doc, n, path, "control characters are "
			    "not allowed");
			return -1;
		}
		sent += *s == '"' || *s == '\\' ? 2 : 1;
	}
	if (sent > max) {
		yamltree_error(doc, n, path, "longer than %zu bytes (a '\"' or "
		    "'\\' counts two)", max);
		return -1;
	}
	return 0;
}
