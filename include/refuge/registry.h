/* units.yaml: sites, units, plans, operators and priorities. Pure. */
#ifndef REFUGE_REGISTRY_H
#define REFUGE_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "dc09_codes.h"
#include "diag.h"
#include "evtype.h"

struct registry_site {
	char	*id;
	char	*name;
	char	*plan;		/* plan id, or NULL */
};

struct registry_plan {
	char	 *id;
	size_t	  step_count;
	char	**steps;
};

/* A unit's SIA DC-09 account (refuge-dc09(7)). */
struct registry_dc09 {
	char		 account[17];	/* 3-16 hex digits, unique */
	unsigned char	 key[32];
	size_t		 key_len;	/* 16, 24, 32; 0: plaintext */
	int		 plaintext;	/* takes unencrypted frames */
	int64_t		 supervision_ms;	/* a frame at least this often */
	size_t		 line, column;	/* of the account, for messages */
};

struct registry_unit {
	char		*id;		/* 1-64 of [A-Za-z0-9._:-] */
	char		*name;
	char		*site;		/* id of a site in the registry */
	double		 lat, lon;
	int		 has_key_sha256;
	unsigned char	 key_sha256[32];	/* SHA-256 of the DER SubjectPublicKeyInfo */
	int64_t		 heartbeat_ms;	/* 0: the configuration's default */
	int		 camera_preset;	/* -1: none */
	char		*audio_uri;	/* NULL: none */
	int64_t		 on_test_until_ms;	/* unix ms; 0: not on test */
	struct registry_dc09	*dc09;	/* NULL: no DC-09 account */
};

enum registry_role {
	REGISTRY_ROLE_OPERATOR,
	REGISTRY_ROLE_SUPERVISOR
};

struct registry_operator {
	char			*user;
	char			*password_hash;	/* crypt(3) */
	enum registry_role	 role;
};

struct registry {
	char				*path;
	size_t				 site_count;
	struct registry_site		*sites;
	size_t				 unit_count;
	struct registry_unit		*units;		/* sorted by id */
	size_t				 plan_count;
	struct registry_plan		*plans;
	size_t				 operator_count;
	struct registry_operator	*operators;
	int				 priorities[EVTYPE_COUNT];	/* 0: no alarm */
	struct dc09_codes		 dc09_codes;	/* dc09_codes: overrides */
	size_t				 dc09_count;
	const struct registry_unit	**dc09_index;	/* by account */
};

/*
 * Parses and validates len bytes of buf as the file called name (kept as
 * ->path and put in messages). All or nothing: on failure returns -1, *out
 * NULL and every problem in d as "file:line:column: what". Reading units.yaml
 * from disk is confload_registry() (confload.h).
 */
int	registry_parse(const char *name, const char *buf, size_t len,
	    struct registry **out, struct diag *d);
void	registry_free(struct registry *);

const struct registry_unit	*registry_unit_find(const struct registry *,
				    const char *id);
const struct registry_site	*registry_site_find(const struct registry *,
				    const char *id);
const struct registry_plan	*registry_plan_find(const struct registry *,
				    const char *id);
const struct registry_operator	*registry_operator_find(const struct registry *,
				    const char *user);
const char			*registry_role_name(enum registry_role);
/* The unit of a DC-09 account (hex digits, any case), or NULL. */
const struct registry_unit	*registry_dc09_find(const struct registry *,
				    const char *account);

#endif
