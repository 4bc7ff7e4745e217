/*
 * A test double of the parts of tlsctx.h the sessions use: no contexts, and
 * every unit link's certificate says what the test last set.
 */
#include <stdio.h>
#include <string.h>

#include "refuge/tlsctx.h"
#include "fakes.h"

static char		fake_cn[128] = "";
static unsigned char	fake_spki[32];
static char		fake_identity_err[128] = "";
static char		fake_recheck_reason[160] = "";

void
fake_tls_identity(const char *cn, const unsigned char spki[32])
{
	snprintf(fake_cn, sizeof(fake_cn), "%s", cn);
	if (spki != NULL)
		memcpy(fake_spki, spki, sizeof(fake_spki));
	else
		memset(fake_spki, 0, sizeof(fake_spki));
	fake_identity_err[0] = '\0';
}

void
fake_tls_identity_error(const char *err)
{
	snprintf(fake_identity_err, sizeof(fake_identity_err), "%s",
	    err != NULL ? err : "");
}

void
fake_tls_recheck(const char *reason)
{
	snprintf(fake_recheck_reason, sizeof(fake_recheck_reason), "%s",
	    reason != NULL ? reason : "");
}

SSL_CTX *
tlsctx_units(struct tlsctx *tls)
{
	(void)tls;
	return NULL;
}

SSL_CTX *
tlsctx_operators(struct tlsctx *tls)
{
	(void)tls;
	return NULL;
}

int
tlsctx_peer_identity(SSL *ssl, char *cn, size_t cnlen,
    unsigned char spki_sha256[32], char *err, size_t errlen)
{
	(void)ssl;
	if (fake_identity_err[0] != '\0') {
		snprintf(err, errlen, "%s", fake_identity_err);
		return -1;
	}
	snprintf(cn, cnlen, "%s", fake_cn);
	memcpy(spki_sha256, fake_spki, sizeof(fake_spki));
	return 0;
}

int
tlsctx_recheck_peer(struct tlsctx *tls, SSL *ssl, char *reason,
    size_t reasonlen)
{
	(void)tls;
	(void)ssl;
	if (fake_recheck_reason[0] == '\0')
		return 0;
	snprintf(reason, reasonlen, "%s", fake_recheck_reason);
	return -1;
}
