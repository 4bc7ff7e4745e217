/* refuge.yaml and units.yaml read from disk and handed to the pure parsers. */
#ifndef REFUGE_CONFLOAD_H
#define REFUGE_CONFLOAD_H

#include "config.h"
#include "diag.h"
#include "registry.h"
#include "yamltree.h"

/*
 * Reads and validates path. On success returns 0 and *out; on failure -1,
 * *out NULL, and every problem found in d as "file:line:column: what".
 * Names of files in it are resolved against path's directory, and each
 * certificate/key/CA/CRL it names must be readable.
 */
int	confload_config(const char *path, struct refuge_config **out,
	    struct diag *d);

/*
 * Reads and validates path. All or nothing: on failure returns -1, *out NULL
 * and every problem in d as "file:line:column: what".
 */
int	confload_registry(const char *path, struct registry **out,
	    struct diag *d);

/*
 * Reads path and parses it as yamltree_parse() does, path naming it in
 * messages (so it must outlive doc). A file that cannot be read returns -1
 * with the reason already in d and doc empty. Either way, yamltree_flush()
 * then yamltree_free().
 */
int	confload_yaml(const char *path, struct yamltree_doc *doc,
	    struct diag *d);

#endif
