/*
 * The shapes of the accepted crypt(3) hashes. Each is checked field by
 * field with the lengths libxcrypt writes, so that a typo, a truncated
 * paste or a password in clear is refused when the registry is read
 * rather than found out when that operator cannot log in.
 */
#include <stddef.h>
#include <string.h>

#include "refuge/pwhash.h"

/* crypt(3)'s base-64 alphabet (bcrypt orders it differently: same set). */
#define PWHASH_B64	"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" \
			"abcdefghijklmnopqrstuvwxyz"

/* Length of the run of base-64 characters at s. */
static size_t
pwhash_b64(const char *s)
{
	return strspn(s, PWHASH_B64);
}

/* s is exactly len base-64 characters, then the end. */
static int
pwhash_tail(const char *s, size_t len)
{
	return pwhash_b64(s) == len && s[len] == '\0';
}

/* SHA-crypt: [rounds=N$]SALT$HASH with a salt of 1 to 16 characters. */
static int
pwhash_sha(const char *s, size_t hashlen)
{
	size_t	n;

	if (strncmp(s, "rounds=", 7) == 0) {
		s += 7;
		n = strspn(s, "0123456789");
		if (n == 0 || n > 9 || s[n] != '$' || s[0] == '0')
			return 0;
		s += n + 1;
	}
	n = pwhash_b64(s);
	if (n == 0 || n > 16 || s[n] != '$')
		return 0;
	return pwhash_tail(s + n + 1, hashlen);
}

/* yescrypt: PARAMS$SALT$HASH, the hash 43 characters. */
static int
pwhash_yescrypt(const char *s)
{
	size_t	n;

	if ((n = pwhash_b64(s)) == 0 || s[n] != '$')
		return 0;
	s += n + 1;
	if ((n = pwhash_b64(s)) == 0 || s[n] != '$')
		return 0;
	return pwhash_tail(s + n + 1, 43);
}

/* scrypt: N (1), r (5), p (5) and a salt in one field, then a 43-character hash. */
static int
pwhash_scrypt(const char *s)
{
	size_t	n = pwhash_b64(s);

	if (n < 12 || s[n] != '$')
		return 0;
	return pwhash_tail(s + n + 1, 43);
}

/* bcrypt: a cost of 04..31, then 22 characters of salt and 31 of hash. */
static int
pwhash_bcrypt(const char *s)
{
	int	cost;

	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' ||
	    s[2] != '$')
		return 0;
	cost = (s[0] - '0') * 10 + (s[1] - '0');
	if (cost < 4 || cost > 31)
		return 0;
	return pwhash_tail(s + 3, 53);
}

enum pwhash_verdict
pwhash_check(const char *hash, const char **scheme)
{
	static const struct {
		const char	*prefix, *name;
		int		 kind;	/* 5, 6: SHA; 'y', '7', 'b' */
	} schemes[] = {
		{ "$y$", "yescrypt", 'y' },
		{ "$7$", "scrypt", '7' },
		{ "$2b$", "bcrypt", 'b' },
		{ "$2y$", "bcrypt", 'b' },
		{ "$6$", "SHA-512 crypt", 6 },
		{ "$5$", "SHA-256 crypt", 5 },
	};
	const char	*s;
	size_t		 i;
	int		 ok = 0;

	*scheme = NULL;
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		if (strncmp(hash, schemes[i].prefix,
		    strlen(schemes[i].prefix)) != 0)
			continue;
		*scheme = schemes[i].name;
		s = hash + strlen(schemes[i].prefix);
		switch (schemes[i].kind) {
		case 'y':
			ok = pwhash_yescrypt(s);
			break;
		case '7':
			ok = pwhash_scrypt(s);
			break;
		case 'b':
			ok = pwhash_bcrypt(s);
			break;
		default:
			ok = pwhash_sha(s, schemes[i].kind == 6 ? 86 : 43);
			break;
		}
		return ok ? PWHASH_OK : PWHASH_MALFORMED;
	}
	if (strncmp(hash, "$1$", 3) == 0) {
		*scheme = "MD5 crypt";
		return PWHASH_MD5;
	}
	if (pwhash_tail(hash, 13)) {
		*scheme = "DES crypt";
		return PWHASH_DES;
	}
	/* "$id$..." or "_" (BSDi DES) look like a scheme; anything else does not. */
	if ((hash[0] == '$' && strchr(hash + 1, '$') != NULL) ||
	    (hash[0] == '_' && pwhash_tail(hash + 1, 19)))
		return PWHASH_UNSUPPORTED;
	return PWHASH_PLAIN;
}

const char *
pwhash_verdict_text(enum pwhash_verdict verdict)
{
	switch (verdict) {
	case PWHASH_OK:
		return "accepted";
	case PWHASH_DES:
		return "a DES crypt hash, which counts only the first 8 "
		    "characters of a password";
	case PWHASH_MD5:
		return "an MD5 crypt hash, too quick to guess against";
	case PWHASH_MALFORMED:
		return "not a well-formed hash of its scheme";
	case PWHASH_UNSUPPORTED:
		return "a hash scheme that is not accepted";
	case PWHASH_PLAIN:
		break;
	}
	return "not a crypt(3) hash (is it the password itself?)";
}
