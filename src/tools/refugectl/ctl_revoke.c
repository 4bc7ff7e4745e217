/* revoke: a unit's certificate into the CRL that refuge.yaml names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "refuge/config.h"
#include "refuge/confload.h"
#include "refuge/diag.h"
#include "refuge/yamltree.h"

#include "ctl.h"

/*
 * Peeks at tls.KEY in refuge.yaml, resolved against its directory, for
 * before confload_config can succeed (it wants the CRL to exist already).
 */
static char *
ctl_revoke_config_peek(const char *config_path, const char *key)
{
	struct yamltree_doc		 doc;
	const struct yamltree_node	*tls, *n;
	struct diag			 d;
	const char			*slash;
	char				*out = NULL;

	diag_init(&d);
	memset(&doc, 0, sizeof(doc));
	if (confload_yaml(config_path, &doc, &d) == 0 && doc.root != NULL &&
	    doc.root->kind == YAMLTREE_MAPPING &&
	    (tls = yamltree_get(doc.root, "tls")) != NULL &&
	    tls->kind == YAMLTREE_MAPPING &&
	    (n = yamltree_get(tls, key)) != NULL &&
	    n->kind == YAMLTREE_SCALAR && n->text[0] != '\0') {
		slash = strrchr(config_path, '/');
		if (n->text[0] == '/' || slash == NULL)
			out = strdup(n->text);
		else if (asprintf(&out, "%.*s/%s", (int)(slash - config_path),
		    config_path, n->text) == -1)
			out = NULL;
	}
	yamltree_flush(&doc);
	yamltree_free(&doc);
	diag_clear(&d);
	return out;
}

/* A CRL that refuge.yaml names but that does not exist yet is made empty. */
static int
ctl_revoke_crl_create_named(const struct ctl *ctl)
{
	struct ctl_ca	*ca = NULL;
	char		*crl, *unit_ca = NULL, *ca_key = NULL;
	char		 err[1024];
	int		 already, rc = -1;

	if ((crl = ctl_revoke_config_peek(ctl->config_path, "crl")) == NULL ||
	    access(crl, F_OK) == 0 || errno != ENOENT) {
		free(crl);
		return 0;
	}
	if ((unit_ca = ctl_revoke_config_peek(ctl->config_path, "unit_ca")) == NULL) {
		rc = 0;		/* confload_config will say what is wrong */
		goto done;
	}
	if ((ca_key = ctl_ca_key_path(unit_ca)) == NULL ||
	    (ca = ctl_ca_load(unit_ca, ca_key, err, sizeof(err))) == NULL) {
		ctl_warnx("%s", ca_key ? err : "out of memory");
		goto done;
	}
	if (ctl_ca_write_crl(ca, crl, NULL, &already, err, sizeof(err)) == -1) {
		ctl_warnx("%s", err);
		goto done;
	}
	printf("created %s (empty CRL)\n", crl);
	rc = 0;
done:
	ctl_ca_free(ca);
	free(ca_key);
	free(unit_ca);
	free(crl);
	return rc;
}

/* dir/units/id.ext beside file (the registry). */
char *
ctl_unit_file(const char *registry, const char *id, const char *ext)
{
	const char	*slash = strrchr(registry, '/');
	char		*out;

	if (asprintf(&out, "%.*sunits/%s.%s", slash ? (int)(slash - registry + 1) :
	    0, registry, id, ext) == -1)
		return NULL;
	return out;
}

int
ctl_cmd_revoke(struct ctl *ctl, int argc, char *argv[])
{
	struct refuge_config	*config = NULL;
	struct ctl_ca		*ca = NULL;
	const char		*pos[1];
	char			*ca_key = NULL, *cert = NULL;
	char			 err[1024];
	int			 npos, already, rc = CTL_FAIL;

	if (ctl_args("revoke", argc, argv, NULL, pos, 1, &npos) == -1)
		return CTL_USAGE;
	if (npos != 1)
		return ctl_usage_error("revoke", "which unit? give its id");
	if (!ctl_valid_unit_id(pos[0]))
		return ctl_usage_error("revoke", "bad unit id '%s' (1-64 of "
		    "A-Z a-z 0-9 . _ : -, not starting with '.')", pos[0]);
	if (ctl_revoke_crl_create_named(ctl) == -1 ||
	    (config = ctl_config(ctl)) == NULL)
		goto done;
	if (config->tls_crl == NULL) {
		ctl_warnx("%s names no CRL: add \"crl: units.crl\" under tls: "
		    "and run revoke again (it creates the file)",
		    ctl->config_path);
		goto done;
	}
	if ((ca_key = ctl_ca_key_path(config->tls_unit_ca)) == NULL ||
	    (cert = ctl_unit_file(config->registry, pos[0], "crt")) == NULL) {
		ctl_warnx("out of memory");
		goto done;
	}
	if ((ca = ctl_ca_load(config->tls_unit_ca, ca_key, err,
	    sizeof(err))) == NULL) {
		ctl_warnx("%s", err);
		goto done;
	}
	if (access(cert, R_OK) == -1) {
		ctl_warnx("no certificate for %s: %s: %s", pos[0], cert,
		    strerror(errno));
		goto done;
	}
	if (ctl_ca_write_crl(ca, config->tls_crl, cert, &already, err,
	    sizeof(err)) == -1) {
		ctl_warnx("%s", err);
		goto done;
	}
	if (already)
		printf("%s: %s is already revoked in %s\n", pos[0], cert,
		    config->tls_crl);
	else
		printf("revoked %s: %s added to %s\n", pos[0], cert,
		    config->tls_crl);
	/* Out of service too: not supervised, so it does not go offline forever. */
	if (ctl_decommission_mark(config->registry, pos[0], 1, err,
	    sizeof(err)) == -1) {
		ctl_warnx("%s not marked decommissioned: %s", pos[0], err);
		goto done;
	}
	printf("%s marked decommissioned: true in %s\n"
	    "reload refuged (SIGHUP) for it to take effect\n", pos[0],
	    config->registry);
	rc = CTL_OK;
done:
	ctl_ca_free(ca);
	free(cert);
	free(ca_key);
	config_free(config);
	return rc;
}
