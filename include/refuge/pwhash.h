/*
 * Which crypt(3) password hashes the receiver accepts: yescrypt ($y$),
 * scrypt ($7$), bcrypt ($2b$, $2y$), SHA-512 and SHA-256 crypt ($6$, $5$),
 * each checked for its shape (never by hashing). Pure.
 */
#ifndef REFUGE_PWHASH_H
#define REFUGE_PWHASH_H

enum pwhash_verdict {
	PWHASH_OK,
	PWHASH_DES,		/* 13 characters, no '$': only 8 count */
	PWHASH_MD5,		/* $1$ */
	PWHASH_MALFORMED,	/* an accepted scheme, but not its shape */
	PWHASH_UNSUPPORTED,	/* another $id$ scheme */
	PWHASH_PLAIN		/* not a crypt hash at all: a password in clear? */
};

/*
 * Classifies hash; *scheme is set to the scheme's name ("yescrypt",
 * "SHA-512 crypt", ...) or to NULL when there is none. Never looks at more
 * than the hash's shape, and never copies any of it into a message.
 */
enum pwhash_verdict	pwhash_check(const char *hash, const char **scheme);
/* What is wrong with a verdict other than PWHASH_OK, for a person. */
const char		*pwhash_verdict_text(enum pwhash_verdict);

#endif
