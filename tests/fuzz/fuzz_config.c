/*
 * libFuzzer harness for config_parse, bytes in. Beyond not crashing: it
 * succeeds exactly when it reports nothing, every message names the file
 * and is one line, and a configuration it accepts has every default filled
 * and listen addresses that split. The first byte picks the file hooks:
 * none, or a resolver with a readable check that refuses names with an 'x'.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char *
fuzz_config_resolve(void *arg, const char *name)
{
	char	*out;

	if (name[0] == '/')
		return strdup(name);
	if (asprintf(&out, "%s/%s", (const char *)arg, name) == -1)
		return NULL;
	return out;
}

static int
fuzz_config_readable(void *arg, const char *path, char *why, size_t whylen)
{
	(void)arg;
	if (strchr(path, 'x') == NULL)
		return 0;
	snprintf(why, whylen, "refused by the harness");
	return -1;
}

static void
fuzz_config_check(const struct refuge_config *cf)
{
	char	host[256];
	int	port;

	if (cf->listen_units == NULL || cf->listen_operators == NULL ||
	    cf->tls_cert == NULL || cf->tls_key == NULL ||
	    cf->tls_unit_ca == NULL || cf->database == NULL ||
	    cf->registry == NULL || strcmp(cf->path, "fuzz.yaml") != 0)
		abort();
	if (config_split_hostport(cf->listen_units, host, sizeof(host),
	    &port) == -1 || config_split_hostport(cf->listen_operators, host,
	    sizeof(host), &port) == -1 || (cf->listen_metrics != NULL &&
	    config_split_hostport(cf->listen_metrics, host, sizeof(host),
	    &port) == -1))
		abort();
	if (cf->tls_min_version != 0x0303 && cf->tls_min_version != 0x0304)
		abort();
	if (cf->missed < 1 || cf->missed > 100 || cf->heartbeat_ms < 1000 ||
	    cf->log_level < CONFIG_LOG_ERROR || cf->log_level > CONFIG_LOG_DEBUG)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_files	 files = { fuzz_config_resolve,
				    fuzz_config_readable, (void *)"/etc/refuge" };
	struct refuge_config	*cf = NULL;
	struct diag		 d;
	size_t			 i;
	int			 rc;

	if (size == 0)
		return 0;
	diag_init(&d);
	rc = config_parse("fuzz.yaml", (const char *)data + 1, size - 1,
	    data[0] & 1 ? &files : NULL, &cf, &d);
	if ((rc == 0) != (cf != NULL) || (rc == 0) != (d.count == 0))
		abort();
	for (i = 0; i < d.count; i++)
		if (strncmp(d.messages[i], "fuzz.yaml:", 10) != 0 ||
		    strchr(d.messages[i], '\n') != NULL)
			abort();
	if (cf != NULL)
		fuzz_config_check(cf);
	config_free(cf);
	diag_clear(&d);
	return 0;
}
