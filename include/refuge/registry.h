/* units.yaml: sites, units, plans, operators and priorities. Pure. */
#ifndef REFUGE_REGISTRY_H
#define REFUGE_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "dc09_codes.h"
#include "diag.h"
#include "evtype.h"

/* The most bytes of a unit's name or address as sent ('"' and '\\' count two). */
#define REGISTRY_TEXT_MAX	100

/* A background picture for a site's map and the coordinates of its edges. */
struct registry_map_image {
	char	*file;		/* as written; relative to units.yaml's directory */
	double	 north, south, east, west;
};

struct registry_site {
	char				*id;
	char				*name;
	char				*plan;		/* plan id, or NULL */
	struct registry_map_image	*map_image;	/* NULL: none */
	/* The plan for the night window instead (registry_site_plan), or NULL. */
	char				*night_plan;
	int				 night_from_min, night_to_min;	/* local minutes */
};

struct registry_point {
	double	lat, lon;
};

/* A safer route drawn on the maps: a name and its points in order. */
struct registry_route {
	char			*name;
	char			*site;		/* a site id, or NULL: any map it crosses */
	size_t			 point_count;	/* 2 or more */
	struct registry_point	*points;
	size_t			 site_line, site_column;	/* where site was written */
};

/* What the printed signs say: signs: {text: ..., url: ...}. */
struct registry_signs {
	char	*text;		/* NULL: refugectl's default words */
	char	*url;		/* with {unit} for the unit id; NULL: none */
};

#define REGISTRY_CONTACTS_MAX	16
#define REGISTRY_CONTACT_NAME_MAX	64
#define REGISTRY_CONTACT_PHONE_MAX	32
#define REGISTRY_STEP_MAX	300	/* bytes of a step's text */

/* Someone to call while working through a plan. */
struct registry_contact {
	char	*name;		/* 1-64 bytes */
	char	*phone;		/* 1-32 of 0-9 space + - ( ) */
};

struct registry_plan {
	char	 *id;
	size_t	  step_count;
	char	**steps;
	size_t			 contact_count;
	struct registry_contact	*contacts;
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
	char		*address;	/* street, landmark, postcode; NULL: none */
	int64_t		 on_test_until_ms;	/* unix ms; 0: not on test */
	struct registry_dc09	*dc09;	/* NULL: no DC-09 account */
	int		 light_idle_off;	/* light_idle: off, dark at rest */
	int		 camera_home;	/* preset at rest; -1: none */
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

/* units.yaml's outcomes: lists, in the order of struct alarm_lists. */
enum registry_outcome_list {
	REGISTRY_FALSE_REASONS,
	REGISTRY_GENUINE_ACTIONS,
	REGISTRY_TECHNICAL_ACTIONS,
	REGISTRY_OUTCOME_LISTS
};

struct alarm_lists;

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
	char				**outcomes[REGISTRY_OUTCOME_LISTS];	/* NULL-terminated; NULL: the default */
	struct registry_signs		 signs;
	size_t				 route_count;
	struct registry_route		*routes;
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
/*
 * The plan a site's alarm follows at now_ms: its night_plan within its night
 * window (local time, the process's TZ), else its plan; NULL if none. *night
 * is 1 when the night plan was chosen.
 */
const struct registry_plan	*registry_site_plan(const struct registry *,
				    const struct registry_site *, int64_t now_ms,
				    int *night);
/* The outcome lists operators classify with: units.yaml's, else the defaults. */
void				 registry_outcomes_lists(const struct registry *,
				    struct alarm_lists *);

#endif
