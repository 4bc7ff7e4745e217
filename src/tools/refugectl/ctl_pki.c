/*
 * The private CA for Help Points: EC P-256 keys, X.509 v3 certificates and
 * the CRL, with the OpenSSL API. The CA's key lives beside tls.unit_ca with
 * the same name ending in .key (ca.crt -> ca.key), mode 0600.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "refuge/config.h"

#include "ctl.h"

#define CTL_DAY_SECONDS	(24L * 3600)

struct ctl_ca {
	X509		*cert;
	EVP_PKEY	*key;
};

enum ctl_pem {
	CTL_PEM_KEY,
	CTL_PEM_CERT,
	CTL_PEM_CRL
};

static void
ctl_pki_ssl_error(char *err, size_t errlen, const char *what)
{
	char		reason[256] = "unknown error";
	unsigned long	code;

	if ((code = ERR_peek_last_error()) != 0)
		ERR_error_string_n(code, reason, sizeof(reason));
	ERR_clear_error();
	snprintf(err, errlen, "%s: %s", what, reason);
}

char *
ctl_ca_key_path(const char *ca_cert)
{
	size_t	 len = strlen(ca_cert);
	char	*out;

	if ((out = malloc(len + 5)) == NULL)
		return NULL;
	memcpy(out, ca_cert, len + 1);
	if (len > 4 && strcmp(ca_cert + len - 4, ".crt") == 0)
		memcpy(out + len - 4, ".key", 5);
	else
		memcpy(out + len, ".key", 5);
	return out;
}

/*
 * Writes one PEM object through a temporary file beside path: renamed over
 * path, or with exclusive set linked to it so an existing file is kept.
 */
static int
ctl_pki_pem_write(const char *path, enum ctl_pem kind, void *obj, int mode,
    int exclusive, char *err, size_t errlen)
{
	FILE	*fp = NULL;
	char	*tmp;
	int	 fd, ok;

	if (asprintf(&tmp, "%s.tmpXXXXXX", path) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		snprintf(err, errlen, "creating %s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	if (fchmod(fd, (mode_t)mode) == -1 || (fp = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		close(fd);
		goto fail;
	}
	switch (kind) {
	case CTL_PEM_KEY:
		ok = PEM_write_PrivateKey(fp, obj, NULL, NULL, 0, NULL, NULL);
		break;
	case CTL_PEM_CERT:
		ok = PEM_write_X509(fp, obj);
		break;
	default:
		ok = PEM_write_X509_CRL(fp, obj);
		break;
	}
	if (!ok) {
		ctl_pki_ssl_error(err, errlen, path);
		fclose(fp);
		goto fail;
	}
	if (fflush(fp) == EOF || fsync(fileno(fp)) == -1) {
		snprintf(err, errlen, "writing %s: %s", path, strerror(errno));
		fclose(fp);
		goto fail;
	}
	if (fclose(fp) == EOF) {
		snprintf(err, errlen, "writing %s: %s", path, strerror(errno));
		goto fail;
	}
	if (exclusive) {
		if (link(tmp, path) == -1) {
			snprintf(err, errlen, "%s: %s", path, errno == EEXIST ?
			    "exists already, not replaced" : strerror(errno));
			goto fail;
		}
		unlink(tmp);
	} else if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "renaming %s: %s", tmp, strerror(errno));
		goto fail;
	}
	free(tmp);
	return 0;
fail:
	unlink(tmp);
	free(tmp);
	return -1;
}

static int
ctl_pki_add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value, char *err,
    size_t errlen)
{
	X509_EXTENSION	*ext;
	int		 ok;

	if ((ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value)) == NULL) {
		ctl_pki_ssl_error(err, errlen, OBJ_nid2sn(nid));
		return -1;
	}
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (!ok) {
		ctl_pki_ssl_error(err, errlen, OBJ_nid2sn(nid));
		return -1;
	}
	return 0;
}

/* 128 random bits, top bit clear so the DER integer stays positive. */
static int
ctl_pki_random_serial(ASN1_INTEGER *serial)
{
	unsigned char	 bytes[16];
	BIGNUM		*bn;
	int		 ok;

	if (RAND_bytes(bytes, sizeof(bytes)) != 1)
		return -1;
	bytes[0] &= 0x7f;
	bytes[0] |= 0x01 << 6;
	if ((bn = BN_bin2bn(bytes, sizeof(bytes), NULL)) == NULL)
		return -1;
	ok = BN_to_ASN1_INTEGER(bn, serial) != NULL;
	BN_free(bn);
	return ok ? 0 : -1;
}

/*
 * A certificate for key and cn, signed by ca (self-signed when ca is NULL,
 * then key signs). Validity from five minutes ago for days, never past the
 * CA's own end.
 */
static X509 *
ctl_pki_cert_make(const struct ctl_ca *ca, EVP_PKEY *key, const char *cn, int days,
    const char *const *exts, char *err, size_t errlen)
{
	X509		*x;
	X509_NAME	*name = NULL;
	X509V3_CTX	 v3;
	size_t		 i;

	if ((x = X509_new()) == NULL || !X509_set_version(x, X509_VERSION_3) ||
	    ctl_pki_random_serial(X509_get_serialNumber(x)) == -1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -300) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), days, 0, NULL) == NULL)
		goto ssl_fail;
	if (ca != NULL && ASN1_TIME_compare(X509_get0_notAfter(x),
	    X509_get0_notAfter(ca->cert)) > 0 &&
	    !X509_set1_notAfter(x, X509_get0_notAfter(ca->cert)))
		goto ssl_fail;
	if ((name = X509_NAME_new()) == NULL ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0) ||
	    !X509_set_subject_name(x, name) ||
	    !X509_set_issuer_name(x, ca != NULL ?
	    X509_get_subject_name(ca->cert) : name) ||
	    !X509_set_pubkey(x, key))
		goto ssl_fail;
	X509V3_set_ctx(&v3, ca != NULL ? ca->cert : x, x, NULL, NULL, 0);
	/* exts: pairs of NID name and value, NULL-terminated. */
	for (i = 0; exts[i] != NULL; i += 2)
		if (ctl_pki_add_ext(x, &v3, OBJ_sn2nid(exts[i]), exts[i + 1], err,
		    errlen) == -1)
			goto fail;
	if (!X509_sign(x, ca != NULL ? ca->key : key, EVP_sha256()))
		goto ssl_fail;
	X509_NAME_free(name);
	return x;
ssl_fail:
	ctl_pki_ssl_error(err, errlen, "making a certificate");
fail:
	X509_NAME_free(name);
	X509_free(x);
	return NULL;
}

static EVP_PKEY *
ctl_pki_keygen(char *err, size_t errlen)
{
	EVP_PKEY	*key;

	if ((key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL)
		ctl_pki_ssl_error(err, errlen, "making an EC P-256 key");
	return key;
}

struct ctl_ca *
ctl_ca_create(const char *cert_path, const char *key_path, const char *cn,
    char *err, size_t errlen)
{
	static const char *const	 exts[] = {
		"basicConstraints", "critical,CA:TRUE",
		"keyUsage", "critical,keyCertSign,cRLSign",
		"subjectKeyIdentifier", "hash",
		NULL
	};
	struct ctl_ca			*ca;

	if ((ca = calloc(1, sizeof(*ca))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((ca->key = ctl_pki_keygen(err, errlen)) == NULL ||
	    (ca->cert = ctl_pki_cert_make(NULL, ca->key, cn, CTL_CA_DAYS, exts, err,
	    errlen)) == NULL ||
	    ctl_pki_pem_write(key_path, CTL_PEM_KEY, ca->key, 0600, 1, err,
	    errlen) == -1)
		goto fail;
	if (ctl_pki_pem_write(cert_path, CTL_PEM_CERT, ca->cert, 0644, 1, err,
	    errlen) == -1) {
		unlink(key_path);
		goto fail;
	}
	return ca;
fail:
	ctl_ca_free(ca);
	return NULL;
}

static X509 *
ctl_pki_read_cert(const char *path, char *err, size_t errlen)
{
	FILE	*fp;
	X509	*x;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	if (x == NULL)
		ctl_pki_ssl_error(err, errlen, path);
	return x;
}

struct ctl_ca *
ctl_ca_load(const char *cert_path, const char *key_path, char *err,
    size_t errlen)
{
	struct ctl_ca	*ca;
	FILE		*fp;

	if ((ca = calloc(1, sizeof(*ca))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((ca->cert = ctl_pki_read_cert(cert_path, err, errlen)) == NULL)
		goto fail;
	if ((fp = fopen(key_path, "r")) == NULL) {
		snprintf(err, errlen, "CA key %s: %s (refugectl keeps the key "
		    "of tls.unit_ca beside it, ending in .key)", key_path,
		    strerror(errno));
		goto fail;
	}
	ca->key = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	if (ca->key == NULL) {
		ctl_pki_ssl_error(err, errlen, key_path);
		goto fail;
	}
	if (X509_check_private_key(ca->cert, ca->key) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "CA key %s does not match %s", key_path,
		    cert_path);
		goto fail;
	}
	return ca;
fail:
	ctl_ca_free(ca);
	return NULL;
}

void
ctl_ca_free(struct ctl_ca *ca)
{
	if (ca == NULL)
		return;
	X509_free(ca->cert);
	EVP_PKEY_free(ca->key);
	free(ca);
}

int
ctl_ca_issue(struct ctl_ca *ca, enum ctl_cert_kind kind, const char *cn,
    const char *const *dns, const char *const *ips, const char *key_path,
    const char *cert_path, char *err, size_t errlen)
{
	const char	*exts[16];
	char		 san[1024];
	EVP_PKEY	*key = NULL;
	X509		*x = NULL;
	size_t		 n = 0, len = 0, i;
	int		 rc = -1;

	exts[n++] = "basicConstraints";
	exts[n++] = "critical,CA:FALSE";
	exts[n++] = "keyUsage";
	exts[n++] = "critical,digitalSignature";
	exts[n++] = "extendedKeyUsage";
	exts[n++] = kind == CTL_CERT_SERVER ? "serverAuth" : "clientAuth";
	exts[n++] = "subjectKeyIdentifier";
	exts[n++] = "hash";
	exts[n++] = "authorityKeyIdentifier";
	exts[n++] = "keyid";
	san[0] = '\0';
	for (i = 0; dns != NULL && dns[i] != NULL && len < sizeof(san); i++)
		len += (size_t)snprintf(san + len, sizeof(san) - len, "%sDNS:%s",
		    len ? "," : "", dns[i]);
	for (i = 0; ips != NULL && ips[i] != NULL && len < sizeof(san); i++)
		len += (size_t)snprintf(san + len, sizeof(san) - len, "%sIP:%s",
		    len ? "," : "", ips[i]);
	if (len >= sizeof(san)) {
		snprintf(err, errlen, "subjectAltName too long");
		return -1;
	}
	if (len > 0) {
		exts[n++] = "subjectAltName";
		exts[n++] = san;
	}
	exts[n] = NULL;
	if ((key = ctl_pki_keygen(err, errlen)) == NULL ||
	    (x = ctl_pki_cert_make(ca, key, cn, CTL_CERT_DAYS, exts, err,
	    errlen)) == NULL)
		goto done;
	if (ctl_pki_pem_write(key_path, CTL_PEM_KEY, key, 0600, 1, err, errlen) == -1)
		goto done;
	if (ctl_pki_pem_write(cert_path, CTL_PEM_CERT, x, 0644, 1, err,
	    errlen) == -1) {
		unlink(key_path);
		goto done;
	}
	rc = 0;
done:
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

/* The CRL at path, if any, verified against the CA; 0 with *out (NULL: none). */
static int
ctl_pki_crl_read(struct ctl_ca *ca, const char *path, X509_CRL **out, char *err,
    size_t errlen)
{
	X509_CRL	*crl;
	FILE		*fp;

	*out = NULL;
	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	crl = PEM_read_X509_CRL(fp, NULL, NULL, NULL);
	fclose(fp);
	if (crl == NULL) {
		ctl_pki_ssl_error(err, errlen, path);
		return -1;
	}
	if (X509_CRL_verify(crl, ca->key) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "%s is not signed by the unit CA; "
		    "refusing to replace it", path);
		X509_CRL_free(crl);
		return -1;
	}
	*out = crl;
	return 0;
}

static int
ctl_pki_crl_add(X509_CRL *crl, const ASN1_INTEGER *serial, const ASN1_TIME *when)
{
	X509_REVOKED	*r;

	if ((r = X509_REVOKED_new()) == NULL)
		return -1;
	if (!X509_REVOKED_set_serialNumber(r, (ASN1_INTEGER *)(uintptr_t)serial) ||
	    !X509_REVOKED_set_revocationDate(r, (ASN1_TIME *)(uintptr_t)when) ||
	    !X509_CRL_add0_revoked(crl, r)) {
		X509_REVOKED_free(r);
		return -1;
	}
	return 0;
}

int
ctl_ca_write_crl(struct ctl_ca *ca, const char *crl_path,
    const char *revoke_cert, int *already, char *err, size_t errlen)
{
	STACK_OF(X509_REVOKED)	*old_list = NULL;
	const X509_REVOKED	*r;
	X509_CRL		*old = NULL, *crl = NULL;
	X509			*x = NULL;
	ASN1_INTEGER		*number = NULL, *old_number;
	ASN1_TIME		*now = NULL, *next = NULL;
	int			 i, rc = -1;

	*already = 0;
	if (revoke_cert != NULL) {
		if ((x = ctl_pki_read_cert(revoke_cert, err, errlen)) == NULL)
			return -1;
		if (X509_check_issued(ca->cert, x) != X509_V_OK ||
		    X509_verify(x, ca->key) != 1) {
			ERR_clear_error();
			snprintf(err, errlen, "%s was not issued by the unit CA",
			    revoke_cert);
			goto done;
		}
	}
	if (ctl_pki_crl_read(ca, crl_path, &old, err, errlen) == -1)
		goto done;
	if (old != NULL)
		old_list = X509_CRL_get_REVOKED(old);
	for (i = 0; x != NULL && i < sk_X509_REVOKED_num(old_list); i++) {
		r = sk_X509_REVOKED_value(old_list, i);
		if (ASN1_INTEGER_cmp(X509_REVOKED_get0_serialNumber(r),
		    X509_get0_serialNumber(x)) == 0) {
			*already = 1;
			rc = 0;
			goto done;
		}
	}
	if ((crl = X509_CRL_new()) == NULL || (number = ASN1_INTEGER_new()) ==
	    NULL || (now = X509_gmtime_adj(NULL, 0)) == NULL ||
	    (next = X509_time_adj_ex(NULL, CTL_CA_DAYS, 0, NULL)) == NULL ||
	    !X509_CRL_set_version(crl, X509_CRL_VERSION_2) ||
	    !X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->cert)) ||
	    !X509_CRL_set1_lastUpdate(crl, now) ||
	    !X509_CRL_set1_nextUpdate(crl, next))
		goto ssl_fail;
	for (i = 0; i < sk_X509_REVOKED_num(old_list); i++) {
		r = sk_X509_REVOKED_value(old_list, i);
		if (ctl_pki_crl_add(crl, X509_REVOKED_get0_serialNumber(r),
		    X509_REVOKED_get0_revocationDate(r)) == -1)
			goto ssl_fail;
	}
	if (x != NULL && ctl_pki_crl_add(crl, X509_get0_serialNumber(x), now) == -1)
		goto ssl_fail;
	/* The CRL number goes up by one with every CRL written. */
	old_number = old != NULL ? X509_CRL_get_ext_d2i(old, NID_crl_number,
	    NULL, NULL) : NULL;
	i = ASN1_INTEGER_set_int64(number, (old_number != NULL ?
	    ASN1_INTEGER_get(old_number) : 0) + 1);
	ASN1_INTEGER_free(old_number);
	if (!i || !X509_CRL_add1_ext_i2d(crl, NID_crl_number, number, 0, 0) ||
	    !X509_CRL_sort(crl) || !X509_CRL_sign(crl, ca->key, EVP_sha256()))
		goto ssl_fail;
	rc = ctl_pki_pem_write(crl_path, CTL_PEM_CRL, crl, 0644, 0, err, errlen);
	goto done;
ssl_fail:
	ctl_pki_ssl_error(err, errlen, "making the CRL");
done:
	ASN1_TIME_free(now);
	ASN1_TIME_free(next);
	ASN1_INTEGER_free(number);
	X509_CRL_free(crl);
	X509_CRL_free(old);
	X509_free(x);
	return rc;
}
