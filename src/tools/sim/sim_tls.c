/*
 * Unit identities for refuge-sim. One client SSL_CTX (from tlsctx) verifies
 * the receiver for every unit; each connection's certificate is set by a
 * certificate callback when the receiver asks for it, so 100,000 units do
 * not need 100,000 contexts: the unit's own files are read then, the shared
 * certificate is referenced, or a certificate is minted for the unit id.
 * The SSL object holds what it was given until the connection is freed.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "refuge/log.h"
#include "refuge/tlsctx.h"
#include "sim.h"

static void
sim_tls_error(char *err, size_t errlen, const char *what, const char *path)
{
	unsigned long	e = ERR_peek_last_error();

	snprintf(err, errlen, "%s %s: %s", what, path,
	    e != 0 && ERR_reason_error_string(e) != NULL ?
	    ERR_reason_error_string(e) : "failed");
	ERR_clear_error();
}

static X509 *
sim_tls_read_cert(const char *path, char *err, size_t errlen)
{
	BIO	*bio;
	X509	*x = NULL;

	if ((bio = BIO_new_file(path, "r")) != NULL)
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (x == NULL)
		sim_tls_error(err, errlen, "reading certificate", path);
	return x;
}

static EVP_PKEY *
sim_tls_read_key(const char *path, char *err, size_t errlen)
{
	BIO		*bio;
	EVP_PKEY	*key = NULL;

	if ((bio = BIO_new_file(path, "r")) != NULL)
		key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (key == NULL)
		sim_tls_error(err, errlen, "reading key", path);
	return key;
}

static int
sim_tls_add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX	 v3;
	X509_EXTENSION	*ext;
	int		 ok;

	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value)) == NULL)
		return -1;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok == 1 ? 0 : -1;
}

/* A client certificate for id on the shared key, signed by the issuer. */
static X509 *
sim_tls_mint(struct sim *sim, const char *id)
{
	X509		*x;
	BIGNUM		*serial = NULL;
	int		 ok = 0;

	if ((x = X509_new()) == NULL)
		return NULL;
	if ((serial = BN_new()) == NULL || BN_rand(serial, 63, BN_RAND_TOP_ANY,
	    BN_RAND_BOTTOM_ANY) != 1 ||
	    BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) == NULL)
		goto done;
	if (X509_set_version(x, 2) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400) == NULL ||
	    X509_set_issuer_name(x, X509_get_subject_name(sim->issuer_cert)) != 1 ||
	    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_ASC, (const unsigned char *)id, -1, -1, 0) != 1 ||
	    X509_set_pubkey(x, sim->shared_key) != 1)
		goto done;
	if (sim_tls_add_ext(x, sim->issuer_cert, NID_basic_constraints,
	    "critical,CA:FALSE") == -1 ||
	    sim_tls_add_ext(x, sim->issuer_cert, NID_key_usage,
	    "critical,digitalSignature") == -1 ||
	    sim_tls_add_ext(x, sim->issuer_cert, NID_ext_key_usage,
	    "clientAuth") == -1 ||
	    sim_tls_add_ext(x, sim->issuer_cert, NID_authority_key_identifier,
	    "keyid") == -1)
		goto done;
	ok = X509_sign(x, sim->issuer_key, EVP_sha256()) > 0;
done:
	BN_free(serial);
	if (!ok) {
		X509_free(x);
		ERR_clear_error();
		return NULL;
	}
	return x;
}

/* Called by OpenSSL when the receiver asks for the client certificate. */
static int
sim_tls_cert_cb(SSL *ssl, void *arg)
{
	struct sim		*sim = arg;
	struct sim_unit		*unit = SSL_get_ex_data(ssl, sim->ex_index);
	X509			*x;
	char			 path[4096];
	int			 ok = 0;

	if (unit == NULL)
		return 0;
	switch (sim->opt->identity) {
	case SIM_IDENTITY_OWN:
		snprintf(path, sizeof(path), "%s/%s.crt", sim->opt->units_dir,
		    unit->id);
		if (SSL_use_certificate_chain_file(ssl, path) != 1)
			break;
		snprintf(path, sizeof(path), "%s/%s.key", sim->opt->units_dir,
		    unit->id);
		ok = SSL_use_PrivateKey_file(ssl, path, SSL_FILETYPE_PEM) == 1;
		break;
	case SIM_IDENTITY_SHARED:
		ok = SSL_use_certificate(ssl, sim->shared_cert) == 1 &&
		    SSL_use_PrivateKey(ssl, sim->shared_key) == 1;
		break;
	case SIM_IDENTITY_ISSUED:
		if ((x = sim_tls_mint(sim, unit->id)) == NULL)
			break;
		ok = SSL_use_certificate(ssl, x) == 1 &&
		    SSL_use_PrivateKey(ssl, sim->shared_key) == 1;
		X509_free(x);
		break;
	}
	if (!ok) {
		log_warnx("unit=%s no client certificate", unit->id);
		ERR_clear_error();
	}
	return ok;
}

int
sim_tls_check_unit(struct sim *sim, const char *id, char *err, size_t errlen)
{
	X509		*x;
	EVP_PKEY	*key;
	char		 path[4096];
	int		 ok;

	snprintf(path, sizeof(path), "%s/%s.crt", sim->opt->units_dir, id);
	if ((x = sim_tls_read_cert(path, err, errlen)) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/%s.key", sim->opt->units_dir, id);
	if ((key = sim_tls_read_key(path, err, errlen)) == NULL) {
		X509_free(x);
		return -1;
	}
	if (!(ok = X509_check_private_key(x, key) == 1))
		sim_tls_error(err, errlen, "key does not match certificate for",
		    id);
	X509_free(x);
	EVP_PKEY_free(key);
	return ok ? 0 : -1;
}

int
sim_tls_init(struct sim *sim, const char *shared_id, char *err, size_t errlen)
{
	const struct sim_options	*opt = sim->opt;
	char				 path[4096];

	if ((sim->ctx = tlsctx_client_new(opt->ca, NULL, NULL, err,
	    errlen)) == NULL)
		return -1;
	if ((sim->ex_index = SSL_get_ex_new_index(0, NULL, NULL, NULL,
	    NULL)) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	SSL_CTX_set_cert_cb(sim->ctx, sim_tls_cert_cb, sim);
	switch (opt->identity) {
	case SIM_IDENTITY_OWN:
		return 0;
	case SIM_IDENTITY_SHARED:
		if (sim_tls_check_unit(sim, shared_id, err, errlen) == -1)
			return -1;
		snprintf(path, sizeof(path), "%s/%s.crt", opt->units_dir,
		    shared_id);
		if ((sim->shared_cert = sim_tls_read_cert(path, err,
		    errlen)) == NULL)
			return -1;
		snprintf(path, sizeof(path), "%s/%s.key", opt->units_dir,
		    shared_id);
		if ((sim->shared_key = sim_tls_read_key(path, err, errlen)) ==
		    NULL)
			return -1;
		return 0;
	case SIM_IDENTITY_ISSUED:
		if ((sim->issuer_cert = sim_tls_read_cert(opt->issuer_cert, err,
		    errlen)) == NULL ||
		    (sim->issuer_key = sim_tls_read_key(opt->issuer_key, err,
		    errlen)) == NULL)
			return -1;
		if (X509_check_private_key(sim->issuer_cert,
		    sim->issuer_key) != 1) {
			sim_tls_error(err, errlen, "issuer key does not match",
			    opt->issuer_cert);
			return -1;
		}
		if ((sim->shared_key = EVP_EC_gen("P-256")) == NULL) {
			sim_tls_error(err, errlen, "generating", "a P-256 key");
			return -1;
		}
		return 0;
	}
	return 0;
}

void
sim_tls_free(struct sim *sim)
{
	SSL_CTX_free(sim->ctx);
	X509_free(sim->shared_cert);
	X509_free(sim->issuer_cert);
	EVP_PKEY_free(sim->shared_key);
	EVP_PKEY_free(sim->issuer_key);
	sim->ctx = NULL;
	sim->shared_cert = sim->issuer_cert = NULL;
	sim->shared_key = sim->issuer_key = NULL;
}

int
sim_tls_attach(struct sim *sim, SSL *ssl, struct sim_unit *unit)
{
	return SSL_set_ex_data(ssl, sim->ex_index, unit) == 1 ? 0 : -1;
}
