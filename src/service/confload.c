/*
 * The configuration files from disk: read whole, then parsed by the pure
 * cores. Names in refuge.yaml are resolved against its directory here, and
 * the TLS files it names are checked for reading here, through the hooks of
 * struct config_files.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "refuge/confload.h"

/* Reads path whole into *bufp (malloc'ed); on failure says why in d. */
static int
confload_read(const char *path, char **bufp, size_t *lenp, struct diag *d)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len = 0;
	FILE		*f;

	if ((f = fopen(path, "rb")) == NULL || fstat(fileno(f), &st) == -1) {
		diag_add(d, path, 0, 0, "cannot open: %s", strerror(errno));
		goto fail;
	}
	if (st.st_size > YAMLTREE_MAX_FILE) {
		diag_add(d, path, 0, 0, "file too large");
		goto fail;
	}
	/* One byte more than its size, to see if it grew. */
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		diag_add(d, path, 0, 0, "out of memory");
		goto fail;
	}
	len = fread(buf, 1, (size_t)st.st_size + 1, f);
	if (ferror(f) || len > (size_t)st.st_size) {
		diag_add(d, path, 0, 0, "cannot read: %s",
		    ferror(f) ? strerror(errno) : "file changed while read");
		goto fail;
	}
	fclose(f);
	*bufp = buf;
	*lenp = len;
	return 0;
fail:
	if (f != NULL)
		fclose(f);
	free(buf);
	return -1;
}

/* The directory part of path, or NULL when it has none. */
static int
confload_dirname(const char *path, char **dir)
{
	const char	*slash;
	size_t		 len;

	*dir = NULL;
	if ((slash = strrchr(path, '/')) == NULL)
		return 0;
	len = slash == path ? 1 : (size_t)(slash - path);
	if ((*dir = strndup(path, len)) == NULL)
		return -1;
	return 0;
}

/* config_files.resolve: name against the directory in arg (NULL: as is). */
static char *
confload_resolve(void *arg, const char *name)
{
	const char	*dir = arg;
	char		*out;
	size_t		 len;

	if (dir == NULL || name[0] == '/')
		return strdup(name);
	len = strlen(dir);
	if (asprintf(&out, "%s%s%s", dir, dir[len - 1] == '/' ? "" : "/",
	    name) == -1)
		return NULL;
	return out;
}

/* config_files.readable: access(2) for reading. */
static int
confload_readable(void *arg, const char *path, char *why, size_t whylen)
{
	(void)arg;
	if (access(path, R_OK) == 0)
		return 0;
	snprintf(why, whylen, "%s", strerror(errno));
	return -1;
}

int
confload_config(const char *path, struct refuge_config **out, struct diag *d)
{
	struct config_files	 files;
	char			*buf = NULL, *dir = NULL;
	size_t			 len = 0;
	int			 rc = -1;

	*out = NULL;
	if (confload_dirname(path, &dir) == -1) {
		diag_add(d, path, 0, 0, "out of memory");
		return -1;
	}
	if (confload_read(path, &buf, &len, d) == 0) {
		memset(&files, 0, sizeof(files));
		files.resolve = confload_resolve;
		files.readable = confload_readable;
		files.arg = dir;
		rc = config_parse(path, buf, len, &files, out, d);
	}
	free(buf);
	free(dir);
	return rc;
}

int
confload_registry(const char *path, struct registry **out, struct diag *d)
{
	char	*buf = NULL;
	size_t	 len = 0;
	int	 rc = -1;

	*out = NULL;
	if (confload_read(path, &buf, &len, d) == 0)
		rc = registry_parse(path, buf, len, out, d);
	free(buf);
	return rc;
}

int
confload_yaml(const char *path, struct yamltree_doc *doc, struct diag *d)
{
	char	*buf = NULL;
	size_t	 len = 0;
	int	 rc;

	if (confload_read(path, &buf, &len, d) == -1) {
		memset(doc, 0, sizeof(*doc));
		doc->file = path;
		doc->diag = d;
		doc->errors = 1;
		return -1;
	}
	rc = yamltree_parse(path, buf, len, doc, d);
	free(buf);
	return rc;
}
