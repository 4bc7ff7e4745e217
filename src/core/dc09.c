/*
 * SIA DC-09 frames. A frame is
 *   LF crc(4 hex) 0LLL(4 hex) "id" seq(4) [R rcvr] L line #acct [data]... [_time] CR
 * with CRC-16/ARC and the length both over the bytes from the opening '"'
 * to the byte before CR. Every field the replies echo is kept as received:
 * panels compare them byte for byte.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "refuge/dc09.h"

uint16_t
dc09_crc(const void *buf, size_t len)
{
	const unsigned char	*p = buf;
	uint16_t		 crc = 0;
	size_t			 i;
	int			 bit;

	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (bit = 0; bit < 8; bit++)
			crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA001) :
			    (uint16_t)(crc >> 1);
	}
	return crc;
}

static int
dc09_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
dc09_hex_decode(const char *hex, size_t hexlen, unsigned char *out,
    size_t max, size_t *outlen)
{
	size_t	i;
	int	hi, lo;

	if (hexlen % 2 != 0 || hexlen / 2 > max)
		return -1;
	for (i = 0; i < hexlen; i += 2) {
		if ((hi = dc09_hexval((unsigned char)hex[i])) < 0 ||
		    (lo = dc09_hexval((unsigned char)hex[i + 1])) < 0)
			return -1;
		out[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	*outlen = hexlen / 2;
	return 0;
}

int
dc09_account_valid(const char *s)
{
	size_t	i, n = strlen(s);

	if (n < 3 || n > DC09_FIELD_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (dc09_hexval((unsigned char)s[i]) < 0)
			return 0;
	return 1;
}

static int
dc09_hex4(const char *p, unsigned *out)
{
	int	i, v;

	*out = 0;
	for (i = 0; i < 4; i++) {
		if ((v = dc09_hexval((unsigned char)p[i])) < 0)
			return -1;
		*out = *out << 4 | (unsigned)v;
	}
	return 0;
}

/* Copies the hex digits at *p (at most DC09_FIELD_MAX) into out. */
static int
dc09_field(const char **p, const char *end, char out[DC09_FIELD_MAX + 1])
{
	size_t	n = 0;

	while (*p < end && dc09_hexval((unsigned char)**p) >= 0) {
		if (n == DC09_FIELD_MAX)
			return -1;
		out[n++] = *(*p)++;
	}
	out[n] = '\0';
	return 0;
}

static enum dc09_id
dc09_id_of(const char *text)
{
	if (strcmp(text, "SIA-DCS") == 0)
		return DC09_ID_SIA_DCS;
	if (strcmp(text, "ADM-CID") == 0)
		return DC09_ID_ADM_CID;
	if (strcmp(text, "NULL") == 0)
		return DC09_ID_NULL;
	return DC09_ID_OTHER;
}

/* "id"seq[Rrcvr]Lline#acct: the header every reply echoes. */
static int
dc09_parse_header(struct dc09_frame *f, const char **pp, const char *end,
    char *err, size_t errlen)
{
	const char	*p = *pp, *q;
	size_t		 n;

	if (p >= end || *p != '"' || (q = memchr(p + 1, '"', (size_t)(end -
	    p - 1))) == NULL) {
		snprintf(err, errlen, "no ID token");
		return -1;
	}
	p++;
	if (*p == '*') {
		f->encrypted = 1;
		p++;
	}
	if ((n = (size_t)(q - p)) == 0 || n > DC09_ID_MAX) {
		snprintf(err, errlen, "bad ID token");
		return -1;
	}
	memcpy(f->id_text, p, n);
	f->id_text[n] = '\0';
	for (p = f->id_text; *p != '\0'; p++)
		if (!isupper((unsigned char)*p) && !isdigit((unsigned char)*p) &&
		    *p != '-') {
			snprintf(err, errlen, "bad ID token");
			return -1;
		}
	f->id = dc09_id_of(f->id_text);
	p = q + 1;
	if (end - p < 4 || !isdigit((unsigned char)p[0]) ||
	    !isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]) ||
	    !isdigit((unsigned char)p[3])) {
		snprintf(err, errlen, "bad sequence number");
		return -1;
	}
	memcpy(f->seq, p, 4);
	f->seq[4] = '\0';
	p += 4;
	if (p < end && *p == 'R') {
		p++;
		f->has_rcvr = 1;
		if (dc09_field(&p, end, f->rcvr) == -1) {
			snprintf(err, errlen, "receiver number too long");
			return -1;
		}
	}
	if (p >= end || *p++ != 'L' || dc09_field(&p, end, f->line) == -1) {
		snprintf(err, errlen, "bad line prefix");
		return -1;
	}
	if (p >= end || *p++ != '#' || dc09_field(&p, end, f->acct) == -1 ||
	    strlen(f->acct) < 3) {
		snprintf(err, errlen, "bad account");
		return -1;
	}
	*pp = p;
	return 0;
}

enum dc09_status
dc09_parse(struct dc09_frame *f, const char *content, size_t len, char *err,
    size_t errlen)
{
	const char	*p, *end = content + len;
	unsigned	 crc, msglen;

	memset(f, 0, sizeof(*f));
	if (len < 8 || len > DC09_MAX_CONTENT) {
		snprintf(err, errlen, "frame of %zu bytes", len);
		return DC09_BAD_LENGTH;
	}
	if (dc09_hex4(content, &crc) == -1 || dc09_hex4(content + 4, &msglen)
	    == -1 || content[4] != '0') {
		snprintf(err, errlen, "bad CRC or length field");
		return DC09_MALFORMED;
	}
	if (msglen != len - 8) {
		snprintf(err, errlen, "length field %u, message %zu bytes",
		    msglen, len - 8);
		return DC09_BAD_LENGTH;
	}
	if (dc09_crc(content + 8, len - 8) != crc) {
		snprintf(err, errlen, "CRC mismatch");
		return DC09_BAD_CRC;
	}
	p = content + 8;
	if (dc09_parse_header(f, &p, end, err, errlen) == -1)
		return DC09_MALFORMED;
	f->body_len = (size_t)(end - p);
	memcpy(f->body, p, f->body_len);
	f->body[f->body_len] = '\0';
	if (f->encrypted) {
		/* The ciphertext follows the '[' up to CR. */
		if (f->body_len == 0 || f->body[0] != '[') {
			snprintf(err, errlen, "encrypted frame without '['");
			return DC09_BAD_DATA;
		}
		memmove(f->body, f->body + 1, f->body_len);
		f->body_len--;
		if (f->body_len > 0 && f->body[f->body_len - 1] == ']')
			f->body[--f->body_len] = '\0';
	}
	return DC09_OK;
}

static int
dc09_num(const char *p, int n, int *out)
{
	int	i;

	*out = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		*out = *out * 10 + (p[i] - '0');
	}
	return 0;
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static int64_t
dc09_days(int64_t y, int m, int d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
dc09_time_parse(const char *t, size_t len, int64_t *out)
{
	int	hh, mi, ss, mo, dd, yy;

	if (len != 20 || t[0] != '_' || t[3] != ':' || t[6] != ':' ||
	    t[9] != ',' || t[12] != '-' || t[15] != '-' ||
	    dc09_num(t + 1, 2, &hh) == -1 || dc09_num(t + 4, 2, &mi) == -1 ||
	    dc09_num(t + 7, 2, &ss) == -1 || dc09_num(t + 10, 2, &mo) == -1 ||
	    dc09_num(t + 13, 2, &dd) == -1 || dc09_num(t + 16, 4, &yy) == -1)
		return -1;
	if (hh > 23 || mi > 59 || ss > 60 || mo < 1 || mo > 12 || dd < 1 ||
	    dd > 31 || yy < 1970)
		return -1;
	*out = dc09_days(yy, mo, dd) * 86400 + hh * 3600 + mi * 60 + ss;
	return 0;
}

void
dc09_time_format(int64_t t, char out[20])
{
	int64_t	z, era, doe, yoe, y, doy, mp, d, m, secs;
	char	tmp[64];

	z = (t >= 0 ? t : t - 86399) / 86400;
	secs = t - z * 86400;
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	/* Wide enough for any int, then cut: the form is 19 characters. */
	snprintf(tmp, sizeof(tmp), "%02d:%02d:%02d,%02d-%02d-%04d",
	    (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60), (int)m,
	    (int)d, (int)(y % 10000));
	memcpy(out, tmp, 19);
	out[19] = '\0';
}

int
dc09_time_ok(int64_t time_s, int64_t now_s, int64_t max_age_s,
    int64_t max_ahead_s)
{
	return time_s >= now_s - max_age_s && time_s <= now_s + max_ahead_s;
}

/*
 * The part after the data's ']': x-data blocks "[...]" and an optional
 * time. in_data: p points inside the data block (after its '[').
 */
static int
dc09_body_rest(struct dc09_body *b, const char *p, const char *end,
    char *err, size_t errlen)
{
	const char	*q;
	size_t		 n;

	while (p < end && *p == '[') {
		if ((q = memchr(p, ']', (size_t)(end - p))) == NULL) {
			snprintf(err, errlen, "x-data without ']'");
			return -1;
		}
		if (b->xdata_count < DC09_MAX_XDATA) {
			n = (size_t)(q - p - 1);
			memcpy(b->xdata[b->xdata_count].text, p + 1, n);
			b->xdata[b->xdata_count++].text[n] = '\0';
		}
		p = q + 1;
	}
	if (p == end)
		return 0;
	if (dc09_time_parse(p, (size_t)(end - p), &b->time_s) == -1) {
		snprintf(err, errlen, "bad timestamp");
		return -1;
	}
	b->has_time = 1;
	return 0;
}

/* Keeps what follows '|' (or the whole block without one, "#acct" dropped). */
static void
dc09_body_data(struct dc09_body *b, const char *p, size_t n)
{
	const char	*bar = memchr(p, '|', n);

	if (bar != NULL) {
		n -= (size_t)(bar + 1 - p);
		p = bar + 1;
	} else if (n > 0 && p[0] == '#')
		n = 0;
	memcpy(b->data, p, n);
	b->data[n] = '\0';
}

int
dc09_body_plain(struct dc09_body *b, const char *body, size_t len, char *err,
    size_t errlen)
{
	const char	*end = body + len, *q;

	memset(b, 0, sizeof(*b));
	if (len == 0 || body[0] != '[' ||
	    (q = memchr(body, ']', len)) == NULL) {
		snprintf(err, errlen, "no data block");
		return -1;
	}
	dc09_body_data(b, body + 1, (size_t)(q - body - 1));
	return dc09_body_rest(b, q + 1, end, err, errlen);
}

int
dc09_aes(int encrypt, const unsigned char *key, size_t keylen,
    const unsigned char *in, size_t len, unsigned char *out)
{
	static const unsigned char	 iv[16];
	const EVP_CIPHER		*cipher;
	EVP_CIPHER_CTX			*ctx;
	int				 n, fin, rc = -1;

	if (keylen == 16)
		cipher = EVP_aes_128_cbc();
	else if (keylen == 24)
		cipher = EVP_aes_192_cbc();
	else if (keylen == 32)
		cipher = EVP_aes_256_cbc();
	else
		return -1;
	if (len % 16 != 0 || len > INT32_MAX || (ctx = EVP_CIPHER_CTX_new())
	    == NULL)
		return -1;
	if (EVP_CipherInit_ex(ctx, cipher, NULL, key, iv, encrypt) == 1 &&
	    EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	    EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1 &&
	    EVP_CipherFinal_ex(ctx, out + n, &fin) == 1 &&
	    (size_t)(n + fin) == len)
		rc = 0;
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int
dc09_body_decrypt(struct dc09_body *b, const char *hex, size_t hexlen,
    const unsigned char *key, size_t keylen, char *err, size_t errlen)
{
	unsigned char	 cipher[DC09_MAX_CONTENT / 2], plain[DC09_MAX_CONTENT / 2];
	const char	*p, *end, *q;
	size_t		 n, i, pad;

	memset(b, 0, sizeof(*b));
	if (dc09_hex_decode(hex, hexlen, cipher, sizeof(cipher), &n) == -1 ||
	    n == 0 || n % 16 != 0) {
		snprintf(err, errlen, "ciphertext not whole hex blocks");
		return -1;
	}
	if (dc09_aes(0, key, keylen, cipher, n, plain) == -1) {
		snprintf(err, errlen, "cannot decrypt");
		return -1;
	}
	for (i = 0; i < n; i++)
		if (plain[i] < 0x20 || plain[i] > 0x7e) {
			snprintf(err, errlen, "decrypts to garbage");
			return -1;
		}
	p = (const char *)plain;
	end = p + n;
	/* The pad runs to the first '|' (data) or ']' (NULL): neither is a pad byte. */
	for (pad = 0; pad < n && p[pad] != '|' && p[pad] != ']'; pad++)
		if (p[pad] == '[') {
			snprintf(err, errlen, "decrypts to garbage");
			return -1;
		}
	if (pad == n || (q = memchr(p + pad, ']', n - pad)) == NULL) {
		snprintf(err, errlen, "decrypts to garbage");
		return -1;
	}
	if (p[pad] == '|')
		dc09_body_data(b, p + pad, (size_t)(q - p - pad));
	if (dc09_body_rest(b, q + 1, end, err, errlen) == -1)
		return -1;
	if (!b->has_time) {
		snprintf(err, errlen, "encrypted frame without a timestamp");
		return -1;
	}
	return 0;
}

int
dc09_wrap(char *buf, size_t len, const char *msg, size_t msglen)
{
	int	n;

	if (msglen > DC09_MAX_CONTENT - 8 || len < msglen + 11)
		return -1;
	n = snprintf(buf, len, "\n%04X%04X", dc09_crc(msg, msglen),
	    (unsigned)msglen);
	memcpy(buf + n, msg, msglen);
	buf[n + msglen] = '\r';
	buf[n + msglen + 1] = '\0';
	return n + (int)msglen + 1;
}

/* "seq[Rrcvr]Lline#acct" as the frame had them. */
static int
dc09_echo(char *buf, size_t len, const char *id, const struct dc09_frame *f)
{
	return snprintf(buf, len, "\"%s\"%s%s%sL%s#%s[", id, f->seq,
	    f->has_rcvr ? "R" : "", f->has_rcvr ? f->rcvr : "", f->line,
	    f->acct);
}

static int
dc09_reply_plain(char *buf, size_t len, const char *id,
    const struct dc09_frame *f)
{
	char	msg[DC09_REPLY_MAX];
	int	n;

	n = dc09_echo(msg, sizeof(msg), id, f);
	if (n < 0 || (size_t)n + 2 > sizeof(msg))
		return -1;
	msg[n++] = ']';
	return dc09_wrap(buf, len, msg, (size_t)n);
}

int
dc09_reply_ack(char *buf, size_t len, const struct dc09_frame *f)
{
	return dc09_reply_plain(buf, len, "ACK", f);
}

int
dc09_reply_duh(char *buf, size_t len, const struct dc09_frame *f)
{
	return dc09_reply_plain(buf, len, "DUH", f);
}

int
dc09_reply_nak(char *buf, size_t len, int64_t now_s)
{
	char	msg[64], at[20];
	int	n;

	dc09_time_format(now_s, at);
	n = snprintf(msg, sizeof(msg), "\"NAK\"0000R0L0A0[]_%s", at);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return -1;
	return dc09_wrap(buf, len, msg, (size_t)n);
}

int
dc09_reply_ack_encrypted(char *buf, size_t len, const struct dc09_frame *f,
    const unsigned char *key, size_t keylen, int64_t now_s, uint32_t nonce)
{
	/* Pad bytes: printable, never '|', '[' or ']'. */
	static const char	 padset[] = "0123456789ABCDEFGHIJKLMNOPQRSTUV"
				    "WXYZabcdefghijklmnopqrstuvwxyz";
	unsigned char		 plain[48], cipher[48];
	char			 msg[DC09_REPLY_MAX], at[20];
	size_t			 tail, pad, i;
	int			 n;

	dc09_time_format(now_s, at);
	tail = 2 + strlen(at);		/* "]_" time */
	pad = 16 - tail % 16;
	for (i = 0; i < pad; i++) {
		plain[i] = (unsigned char)padset[nonce % (sizeof(padset) - 1)];
		nonce = nonce * 1103515245u + 12345u;
	}
	plain[pad] = ']';
	plain[pad + 1] = '_';
	memcpy(plain + pad + 2, at, strlen(at));
	if (dc09_aes(1, key, keylen, plain, pad + tail, cipher) == -1)
		return -1;
	n = dc09_echo(msg, sizeof(msg), "*ACK", f);
	if (n < 0 || (size_t)n + 2 * (pad + tail) + 1 > sizeof(msg))
		return -1;
	for (i = 0; i < pad + tail; i++)
		n += snprintf(msg + n, sizeof(msg) - (size_t)n, "%02X", cipher[i]);
	return dc09_wrap(buf, len, msg, (size_t)n);
}

void
dc09_framer_init(struct dc09_framer *fr)
{
	memset(fr, 0, sizeof(*fr));
}

void
dc09_framer_feed(struct dc09_framer *fr, const char *data, size_t len,
    dc09_frame_fn *fn, void *arg)
{
	size_t	i;
	char	c;

	for (i = 0; i < len; i++) {
		c = data[i];
		if (c == '\n') {
			/* A LF starts a frame, also one cut short by it. */
			fr->in_frame = 1;
			fr->len = 0;
			fr->overlong = 0;
			continue;
		}
		if (!fr->in_frame)
			continue;
		if (c == '\r') {
			fr->in_frame = 0;
			fr->buf[fr->len] = '\0';
			fn(arg, fr->buf, fr->overlong ? 0 : fr->len, fr->overlong);
			fr->len = 0;
			continue;
		}
		if (fr->len == DC09_MAX_CONTENT)
			fr->overlong = 1;
		else
			fr->buf[fr->len++] = c;
	}
}
