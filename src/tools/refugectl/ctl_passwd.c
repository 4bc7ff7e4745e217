/*
 * passwd: operators' accounts kept in units.yaml by refugectl itself, so no
 * hash is pasted by hand: a new password, a new operator, one removed. The
 * file is edited as text at the places its parse names (yamltree's lines and
 * columns), so comments and layout stay; the result must load as a registry
 * with exactly the intended change before it replaces the file.
 */
#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "refuge/confload.h"
#include "refuge/diag.h"
#include "refuge/registry.h"
#include "refuge/yamltree.h"

#include "ctl.h"
#include "../pwprompt.h"

#define CTL_PW_MIN	12
#define CTL_PW_MAX	1024

/* The commonest passwords of 12 characters or more: refused outright. */
static const char *const ctl_pw_common[] = {
	"123456789012", "1234567890123", "12345678901234", "qwertyuiopas",
	"qwertyuiop12", "qwerty123456", "password1234", "password12345",
	"passwordpassword", "123456123456", "111111111111", "000000000000",
	"iloveyou1234", "abcdefghijkl", "abc123abc123", "1q2w3e4r5t6y",
	"1qaz2wsx3edc", "qazwsxedcrfv", "letmein12345", "welcome12345",
	"changeme1234", "administrator", "trustno1trustno1", "zaq12wsxcde3",
	"monkey123456", "dragon123456", "football1234", "baseball1234",
	"sunshine1234", "princess1234", "whatever1234", "helpmehelpme",
	"refugerefuge", "controlroom1", "cctvcontrol1", "helppoint123",
	NULL
};

struct ctl_pw_place {
	const struct yamltree_node	*list;		/* operators: */
	const struct yamltree_node	*item;		/* the user's entry */
	const struct yamltree_node	*password;	/* its password value */
	const struct yamltree_node	*next;		/* the entry after it */
	size_t				 supervisors;	/* in the list */
	int				 item_supervisor;
};

static int
ctl_pw_user_ok(const char *user)
{
	size_t	len = strlen(user);

	return len >= 1 && len <= 32 && strspn(user,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
	    == len;
}

/* NULL when the password may be used, else why not. */
static const char *
ctl_pw_weak(const char *user, const char *pw)
{
	size_t	i;

	if (strlen(pw) < CTL_PW_MIN)
		return "shorter than 12 characters";
	if (strcasecmp(pw, user) == 0 || strcasestr(pw, user) != NULL)
		return "it contains the user name";
	for (i = 0; ctl_pw_common[i] != NULL; i++)
		if (strcasecmp(pw, ctl_pw_common[i]) == 0)
			return "one of the most common passwords";
	for (i = 1; pw[i] == pw[0]; i++)
		;
	if (pw[i] == '\0')
		return "one character repeated";
	return NULL;
}

/* Finds operators: and user's entry in the parsed file. */
static void
ctl_pw_find(const struct yamltree_node *root, const char *user,
    struct ctl_pw_place *pl)
{
	const struct yamltree_node	*u, *role;
	size_t				 i;

	memset(pl, 0, sizeof(*pl));
	if (root == NULL || root->kind != YAMLTREE_MAPPING ||
	    (pl->list = yamltree_get(root, "operators")) == NULL ||
	    pl->list->kind != YAMLTREE_SEQUENCE)
		return;
	for (i = 0; i < pl->list->count; i++) {
		const struct yamltree_node	*it = pl->list->items[i];
		int				 sup;

		role = yamltree_get(it, "role");
		sup = role != NULL && role->kind == YAMLTREE_SCALAR &&
		    strcmp(role->text, "supervisor") == 0;
		pl->supervisors += sup;
		if ((u = yamltree_get(it, "user")) == NULL ||
		    u->kind != YAMLTREE_SCALAR || strcmp(u->text, user) != 0)
			continue;
		pl->item = it;
		pl->item_supervisor = sup;
		pl->password = yamltree_get(it, "password");
		pl->next = i + 1 < pl->list->count ? pl->list->items[i + 1] :
		    NULL;
	}
}

/* The offset of line (1-based) in text, or of its end. */
static size_t
ctl_pw_line(const char *text, size_t line)
{
	const char	*p = text;

	while (--line > 0 && (p = strchr(p, '\n')) != NULL)
		p++;
	return p == NULL ? strlen(text) : (size_t)(p - text);
}

/* Where the scalar at (line, column) ends: its closing quote, or the line's end. */
static size_t
ctl_pw_scalar_end(const char *text, size_t at)
{
	char	q = text[at];
	size_t	i = at + 1;

	if (q == '\'' || q == '"') {
		for (; text[i] != '\0' && text[i] != '\n'; i++) {
			if (text[i] == q && q == '\'' && text[i + 1] == '\'') {
				i++;
				continue;
			}
			if (text[i] == '\\' && q == '"' && text[i + 1] != '\0') {
				i++;
				continue;
			}
			if (text[i] == q)
				return i + 1;
		}
		return i;
	}
	while (text[i] != '\0' && text[i] != '\n' &&
	    !(text[i] == '#' && (text[i - 1] == ' ' || text[i - 1] == '\t')))
		i++;
	while (i > at && (text[i - 1] == ' ' || text[i - 1] == '\t'))
		i--;
	return i;
}

/* text with [from, to) replaced by with; malloc'd. */
static char *
ctl_pw_splice(const char *text, size_t from, size_t to, const char *with)
{
	size_t	len = strlen(text), wl = strlen(with);
	char	*out;

	if ((out = malloc(len - (to - from) + wl + 1)) == NULL)
		return NULL;
	memcpy(out, text, from);
	memcpy(out + from, with, wl);
	memcpy(out + from + wl, text + to, len - to + 1);
	return out;
}

/* The first line after the operators: block: the next line at the margin. */
static size_t
ctl_pw_block_end(const char *text, const struct yamltree_node *list)
{
	size_t	at = ctl_pw_line(text, list->line);

	for (;;) {
		const char	*nl = strchr(text + at, '\n');

		if (nl == NULL)
			return strlen(text);
		at = (size_t)(nl - text) + 1;
		/* A comment at the margin belongs to what follows. */
		if (text[at] != '\0' && text[at] != ' ' && text[at] != '\t' &&
		    text[at] != '\n' && text[at] != '-')
			return at;
	}
}

static char *
ctl_pw_edit(const char *text, const struct ctl_pw_place *pl, const char *user,
    const char *hash, const char *role, int add, int remove, char *err,
    size_t errlen)
{
	char	 stanza[512];
	size_t	 from, to, dash;

	if (remove) {
		/* From the entry's dash to the next entry's, or the block's end. */
		dash = ctl_pw_line(text, pl->item->line);
		to = pl->next != NULL ? ctl_pw_line(text, pl->next->line) :
		    ctl_pw_block_end(text, pl->list);
		return ctl_pw_splice(text, dash, to, "");
	}
	if (add) {
		if (pl->list == NULL) {
			snprintf(stanza, sizeof(stanza), "operators:\n  - user: "
			    "%s\n    password: '%s'\n    role: %s\n", user, hash,
			    role);
			from = strlen(text);
			return ctl_pw_splice(text, from, from, stanza);
		}
		if (pl->list->count > 0 && pl->list->items[0]->column < 3) {
			snprintf(err, errlen, "operators: is not a block list "
			    "this tool can add to");
			return NULL;
		}
		dash = pl->list->count > 0 ? pl->list->items[0]->column - 3 : 2;
		snprintf(stanza, sizeof(stanza), "%*s- user: %s\n%*spassword: "
		    "'%s'\n%*srole: %s\n", (int)dash, "", user, (int)dash + 2, "",
		    hash, (int)dash + 2, "", role);
		from = ctl_pw_block_end(text, pl->list);
		/* After the block's last non-blank line, not its trailing gap. */
		while (from > 0 && from >= 2 && text[from - 1] == '\n' &&
		    text[from - 2] == '\n')
			from--;
		return ctl_pw_splice(text, from, from, stanza);
	}
	from = ctl_pw_line(text, pl->password->line) + pl->password->column - 1;
	to = ctl_pw_scalar_end(text, from);
	snprintf(stanza, sizeof(stanza), "'%s'", hash);
	return ctl_pw_splice(text, from, to, stanza);
}

/* The edited file must load and hold exactly the change meant. */
static int
ctl_pw_check(const char *tmp, const struct registry *old, const char *user,
    const char *hash, int add, int remove)
{
	const struct registry_operator	*o;
	struct registry			*r = NULL;
	struct diag			 d;
	size_t				 i;
	int				 rc = -1;

	diag_init(&d);
	if (confload_registry(tmp, &r, &d) == -1) {
		for (i = 0; i < d.count; i++)
			fprintf(stderr, "%s\n", d.messages[i]);
		goto done;
	}
	o = registry_operator_find(r, user);
	/* old is NULL when the file did not load before (a bad hash, say). */
	if ((old != NULL && (r->operator_count != old->operator_count + add -
	    remove || r->unit_count != old->unit_count)) ||
	    (remove && o != NULL) ||
	    (!remove && (o == NULL || strcmp(o->password_hash, hash) != 0)))
		goto done;
	rc = 0;
done:
	diag_clear(&d);
	registry_free(r);
	return rc;
}

/* Asks on a terminal (twice), else reads one line. 0, or -1 said why. */
static int
ctl_pw_read(const char *user, char *pw, size_t len)
{
	char	again[CTL_PW_MAX];
	int	tty = isatty(0), r, rc = -1;
	const char	*weak;

	if (tty)
		fprintf(stderr, "New password for %s (12 characters or more).\n",
		    user);
	r = pwprompt_read(0, 2, "Password: ", pw, len - 1);
	if (r == PWPROMPT_FAIL || r == PWPROMPT_EOF)
		ctl_warnx("no password read");
	else if (r == PWPROMPT_TOOLONG)
		ctl_warnx("password longer than %zu characters", len - 2);
	else if ((weak = ctl_pw_weak(user, pw)) != NULL)
		ctl_warnx("password refused: %s", weak);
	else if (tty && (pwprompt_read(0, 2, "Again: ", again,
	    sizeof(again) - 1) != PWPROMPT_OK || strcmp(pw, again) != 0))
		ctl_warnx("the passwords differ; nothing done");
	else
		rc = 0;
	OPENSSL_cleanse(again, sizeof(again));
	return rc;
}

static int
ctl_pw_write(const char *path, const char *text, const struct registry *old,
    const char *user, const char *hash, int add, int remove)
{
	struct stat	 st;
	char		 err[512], *tmp;

	if (stat(path, &st) == -1) {
		ctl_warnx("%s: %s", path, strerror(errno));
		return -1;
	}
	if ((tmp = ctl_write_temp(path, text, (int)(st.st_mode & 07777),
	    st.st_uid, st.st_gid, err, sizeof(err))) == NULL) {
		ctl_warnx("%s", err);
		return -1;
	}
	if (ctl_pw_check(tmp, old, user, hash, add, remove) == -1) {
		ctl_warnx("%s would not load with the change; not changed",
		    path);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	if (rename(tmp, path) == -1) {
		ctl_warnx("replacing %s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	if (ctl_sync_dir(path) == -1)
		ctl_warnx("syncing the directory of %s: %s", path,
		    strerror(errno));
	return 0;
}

/* What passwd was asked to do, once its options are checked. */
struct ctl_pw_job {
	const char	*user, *role;
	int		 add, remove, print;
};

static int
ctl_pw_apply(struct ctl *ctl, const struct ctl_pw_job *job, const char *hash)
{
	struct refuge_config	*config = NULL;
	struct registry		*reg = NULL;
	struct yamltree_doc	 doc;
	struct ctl_pw_place	 pl;
	struct diag		 d;
	char			 err[512], *text = NULL, *edited = NULL;
	int			 rc = CTL_FAIL;

	memset(&doc, 0, sizeof(doc));
	diag_init(&d);
	if ((config = ctl_config(ctl)) == NULL)
		goto done;
	/*
	 * The registry as it is, to check the edit against: quietly, as a
	 * file refused for an operator's bad hash is what passwd mends.
	 */
	if (confload_registry(config->registry, &reg, &d) == -1)
		reg = NULL;
	diag_clear(&d);
	diag_init(&d);
	if ((text = ctl_read_file(config->registry, err, sizeof(err))) ==
	    NULL) {
		ctl_warnx("%s", err);
		goto done;
	}
	if (yamltree_parse(config->registry, text, strlen(text), &doc, &d) ==
	    -1)
		goto done;
	ctl_pw_find(doc.root, job->user, &pl);
	if (job->add && pl.item != NULL) {
		ctl_warnx("%s is already an operator; give no --add to change "
		    "the password", job->user);
		goto done;
	}
	if (!job->add && pl.item == NULL) {
		ctl_warnx("no operator %s in %s (--add makes one)", job->user,
		    config->registry);
		goto done;
	}
	if (job->remove && pl.item_supervisor && pl.supervisors == 1) {
		ctl_warnx("%s is the last supervisor; add another first",
		    job->user);
		goto done;
	}
	if ((edited = ctl_pw_edit(text, &pl, job->user, hash, job->role,
	    job->add, job->remove, err, sizeof(err))) == NULL) {
		ctl_warnx("%s not changed: %s", config->registry,
		    err[0] ? err : "out of memory");
		goto done;
	}
	if (ctl_pw_write(config->registry, edited, reg, job->user, hash,
	    job->add, job->remove) == -1)
		goto done;
	printf("%s %s in %s; reload refuged (systemctl reload refuged, or "
	    "SIGHUP) for it to take effect\n", job->user, job->remove ?
	    "removed" : job->add ? "added" : "has a new password",
	    config->registry);
	rc = CTL_OK;
done:
	yamltree_flush(&doc);
	yamltree_free(&doc);
	diag_clear(&d);
	free(text);
	free(edited);
	registry_free(reg);
	config_free(config);
	return rc;
}

int
ctl_cmd_passwd(struct ctl *ctl, int argc, char *argv[])
{
	const char		*pos[1], *add = NULL, *remove = NULL,
				*print = NULL, *role = NULL;
	const struct ctl_opt	 opts[] = {
		{ "add", 0, &add },
		{ "remove", 0, &remove },
		{ "role", 1, &role },
		{ "print", 0, &print },
		{ NULL, 0, NULL }
	};
	struct ctl_pw_job	 job;
	char			 pw[CTL_PW_MAX], hash[CRYPT_OUTPUT_SIZE] = "";
	int			 npos, rc = CTL_FAIL;

	if (ctl_args("passwd", argc, argv, opts, pos, 1, &npos) == -1)
		return CTL_USAGE;
	if (npos != 1)
		return ctl_usage_error("passwd", "whose password? give the user");
	if (!ctl_pw_user_ok(pos[0]))
		return ctl_usage_error("passwd", "bad user name '%s' (1-32 of "
		    "A-Z a-z 0-9 . _ -)", pos[0]);
	if ((add != NULL) + (remove != NULL) + (print != NULL) > 1)
		return ctl_usage_error("passwd", "give one of --add, --remove "
		    "and --print");
	if (role != NULL && add == NULL)
		return ctl_usage_error("passwd", "--role goes with --add");
	if (add != NULL && (role == NULL || (strcmp(role, "operator") != 0 &&
	    strcmp(role, "supervisor") != 0)))
		return ctl_usage_error("passwd", "--add wants --role operator "
		    "or --role supervisor");
	job.user = pos[0];
	job.role = role;
	job.add = add != NULL;
	job.remove = remove != NULL;
	job.print = print != NULL;
	if (!job.remove) {
		if (ctl_pw_read(job.user, pw, sizeof(pw)) == -1)
			goto done;
		if (ctl_hash_password(pw, hash, sizeof(hash)) == -1) {
			ctl_warnx("crypt(3) failed to hash the password");
			goto done;
		}
	}
	if (job.print) {
		printf("%s\n", hash);
		rc = CTL_OK;
		goto done;
	}
	rc = ctl_pw_apply(ctl, &job, hash);
done:
	OPENSSL_cleanse(pw, sizeof(pw));
	return rc;
}
