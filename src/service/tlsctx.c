/* Every SSL_CTX: certificates, unit verification, CRL. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "refuge/tlsctx.h"

struct tlsctx {
	SSL_CTX	*units;
	SSL_CTX	*operators;
};

static void
tlsctx_error(char *err, size_t errlen, const char *what, const char *path)
{
	char		reason[256] = "unknown error";
	unsigned long	code;

	if ((code = ERR_peek_last_error()) != 0)
		ERR_error_string_n(code, reason, sizeof(reason));
	ERR_clear_error();
	snprintf(err, errlen, "%s %s: %s", what, path, reason);
}

/*
 * A server context with our certificate. No session tickets and no session
 * cache: nothing resumes. A unit stays connected for days and, after a
 * receiver restart, when they all come back at once, no ticket would be
 * valid (the ticket keys are new); each ticket issued would cost an
 * encryption and a write in every handshake for nothing. TLS 1.3 sends
 * tickets unless told not to: SSL_CTX_set_num_tickets(0) (SSL_OP_NO_TICKET
 * alone only makes them stateful).
 */
static SSL_CTX *
tlsctx_server_new(const struct refuge_config *config, char *err, size_t errlen)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		tlsctx_error(err, errlen, "creating", "TLS context");
		return NULL;
	}
	if (SSL_CTX_set_min_proto_version(ctx, config->tls_min_version) != 1) {
		tlsctx_error(err, errlen, "setting", "min_version");
		goto fail;
	}
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (SSL_CTX_set_num_tickets(ctx, 0) != 1) {
		tlsctx_error(err, errlen, "setting", "session tickets");
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, config->tls_cert) != 1) {
		tlsctx_error(err, errlen, "loading certificate", config->tls_cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, config->tls_key, SSL_FILETYPE_PEM)
	    != 1) {
		tlsctx_error(err, errlen, "loading key", config->tls_key);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		tlsctx_error(err, errlen, "key does not match certificate",
		    config->tls_cert);
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

static int
tlsctx_load_crl(SSL_CTX *ctx, const char *path, char *err, size_t errlen)
{
	X509_STORE	*store = SSL_CTX_get_cert_store(ctx);
	X509_CRL	*crl;
	FILE		*fp;
	int		 count = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "opening CRL %s: %s", path, strerror(errno));
		return -1;
	}
	while ((crl = PEM_read_X509_CRL(fp, NULL, NULL, NULL)) != NULL) {
		if (X509_STORE_add_crl(store, crl) != 1) {
			X509_CRL_free(crl);
			fclose(fp);
			tlsctx_error(err, errlen, "adding CRL", path);
			return -1;
		}
		X509_CRL_free(crl);
		count++;
	}
	fclose(fp);
	ERR_clear_error();
	if (count == 0) {
		snprintf(err, errlen, "loading CRL %s: no CRL in file", path);
		return -1;
	}
	X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
	return 0;
}

struct tlsctx *
tlsctx_new(const struct refuge_config *config, char *err, size_t errlen)
{
	struct tlsctx	*tls;

	if ((tls = calloc(1, sizeof(*tls))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((tls->units = tlsctx_server_new(config, err, errlen)) == NULL ||
	    (tls->operators = tlsctx_server_new(config, err, errlen)) == NULL)
		goto fail;
	if (SSL_CTX_load_verify_locations(tls->units, config->tls_unit_ca, NULL)
	    != 1) {
		tlsctx_error(err, errlen, "loading unit CA", config->tls_unit_ca);
		goto fail;
	}
	if (config->tls_crl != NULL &&
	    tlsctx_load_crl(tls->units, config->tls_crl, err, errlen) == -1)
		goto fail;
	SSL_CTX_set_verify(tls->units, SSL_VERIFY_PEER |
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_verify_depth(tls->units, 4);
	return tls;
fail:
	tlsctx_free(tls);
	return NULL;
}

void
tlsctx_free(struct tlsctx *tls)
{
	if (tls == NULL)
		return;
	SSL_CTX_free(tls->units);
	SSL_CTX_free(tls->operators);
	free(tls);
}

SSL_CTX *
tlsctx_units(struct tlsctx *tls)
{
	return tls->units;
}

SSL_CTX *
tlsctx_operators(struct tlsctx *tls)
{
	return tls->operators;
}

SSL_CTX *
tlsctx_client_new(const char *ca_file, const char *cert, const char *key,
    char *err, size_t errlen)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		tlsctx_error(err, errlen, "creating", "TLS context");
		return NULL;
	}
	/*
	 * Without a chain file OpenSSL would build one from the trust store and
	 * send the CA too: the receiver has it, and keeps every certificate a
	 * peer sent parsed for the life of the link (some 2 KB each).
	 */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_NO_AUTO_CHAIN);
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		tlsctx_error(err, errlen, "setting", "min_version");
		goto fail;
	}
	if (ca_file != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1) {
			tlsctx_error(err, errlen, "loading CA", ca_file);
			goto fail;
		}
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	}
	if (cert != NULL && SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		tlsctx_error(err, errlen, "loading certificate", cert);
		goto fail;
	}
	if (key != NULL && (SSL_CTX_use_PrivateKey_file(ctx, key,
	    SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1)) {
		tlsctx_error(err, errlen, "loading key", key);
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

int
tlsctx_peer_identity(SSL *ssl, char *cn, size_t cnlen,
    unsigned char spki_sha256[32], char *err, size_t errlen)
{
	X509		*cert;
	X509_NAME	*subject;
	unsigned char	*der = NULL;
	unsigned int	 digest_len = 0;
	int		 der_len, n, result = -1;

	if ((cert = SSL_get1_peer_certificate(ssl)) == NULL) {
		snprintf(err, errlen, "no certificate");
		return -1;
	}
	subject = X509_get_subject_name(cert);
	n = X509_NAME_get_text_by_NID(subject, NID_commonName, cn, (int)cnlen);
	if (n <= 0 || (size_t)n >= cnlen || strlen(cn) != (size_t)n) {
		snprintf(err, errlen, "certificate has no usable common name");
		goto done;
	}
	der_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
	if (der_len <= 0 || EVP_Digest(der, (size_t)der_len, spki_sha256,
	    &digest_len, EVP_sha256(), NULL) != 1 || digest_len != 32) {
		snprintf(err, errlen, "cannot hash certificate key");
		goto done;
	}
	result = 0;
done:
	OPENSSL_free(der);
	X509_free(cert);
	return result;
}

int
tlsctx_recheck_peer(struct tlsctx *tls, SSL *ssl, char *reason,
    size_t reasonlen)
{
	X509_STORE_CTX	*ctx;
	X509		*cert;
	int		 ok;

	if ((cert = SSL_get0_peer_certificate(ssl)) == NULL) {
		snprintf(reason, reasonlen, "no certificate");
		return -1;
	}
	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, SSL_CTX_get_cert_store(tls->units), cert,
	    SSL_get_peer_cert_chain(ssl)) != 1) {
		X509_STORE_CTX_free(ctx);
		ERR_clear_error();
		snprintf(reason, reasonlen, "cannot verify: out of memory");
		return -1;
	}
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
	ok = X509_verify_cert(ctx) == 1;
	if (!ok)
		snprintf(reason, reasonlen, "verify failed: %s",
		    X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return ok ? 0 : -1;
}

void
tlsctx_failure_reason(SSL *ssl, unsigned long error, char *buf, size_t buflen)
{
	long	verify = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;

	if (ERR_GET_LIB(error) == ERR_LIB_SSL &&
	    ERR_GET_REASON(error) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
		snprintf(buf, buflen, "no certificate");
	else if (verify != X509_V_OK)
		snprintf(buf, buflen, "verify failed: %s",
		    X509_verify_cert_error_string(verify));
	else if (error != 0)
		snprintf(buf, buflen, "tls handshake failed: %s",
		    ERR_reason_error_string(error) ?
		    ERR_reason_error_string(error) : "unknown error");
	else
		snprintf(buf, buflen, "tls handshake failed: connection closed");
}
