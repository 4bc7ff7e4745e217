/* TLS contexts: the units' mutual-TLS context and the operators' context. */
#ifndef REFUGE_TLSCTX_H
#define REFUGE_TLSCTX_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "config.h"

struct tlsctx;

/* Loads certificate, key, unit CA and CRL. NULL with err set on failure. */
struct tlsctx	*tlsctx_new(const struct refuge_config *, char *err, size_t errlen);
void		 tlsctx_free(struct tlsctx *);
SSL_CTX		*tlsctx_units(struct tlsctx *);
SSL_CTX		*tlsctx_operators(struct tlsctx *);

/*
 * A client context for the tools: verifies the server with ca_file (no
 * verification when NULL) and presents cert/key when given. NULL with err set.
 */
SSL_CTX		*tlsctx_client_new(const char *ca_file, const char *cert,
		    const char *key, char *err, size_t errlen);

/*
 * After a unit's handshake: the certificate's CN and the SHA-256 of its DER
 * SubjectPublicKeyInfo. Returns 0, or -1 with err set.
 */
int	tlsctx_peer_identity(SSL *, char *cn, size_t cnlen,
	    unsigned char spki_sha256[32], char *err, size_t errlen);

/*
 * Verifies an established unit link's certificate again, against this
 * context's CA and CRL (after a reload). Returns 0, or -1 with the reason.
 */
int	tlsctx_recheck_peer(struct tlsctx *, SSL *, char *reason,
	    size_t reasonlen);

/* Why a handshake failed, from the verify result and the OpenSSL error queue. */
void	tlsctx_failure_reason(SSL *, unsigned long error, char *buf,
	    size_t buflen);

#endif
