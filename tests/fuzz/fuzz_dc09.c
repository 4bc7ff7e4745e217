/*
 * libFuzzer harness for SIA DC-09 frames. The input is a TCP byte stream:
 * the framer cuts it into frames, each is parsed, and a frame that parses
 * must give replies that parse again with the same echoed fields. Bodies
 * are split as plain and decrypted with a fixed AES-128 key; what the
 * data holds goes through the event parser and the code map.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/dc09.h"
#include "refuge/dc09_codes.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const unsigned char fuzz_key[16] = "AAAAAAAAAAAAAAAA";

static void
fuzz_dc09_data(enum dc09_id id, const struct dc09_body *b)
{
	struct dc09_event	ev[DC09_MAX_EVENTS];
	int			n, i;
	enum evtype		t;

	n = dc09_events(id, b->data, ev, DC09_MAX_EVENTS);
	if (n > DC09_MAX_EVENTS)
		abort();
	for (i = 0; i < n; i++) {
		t = dc09_codes_map(NULL, &ev[i]);
		if ((int)t < 0 || t >= EVTYPE_COUNT)
			abort();
	}
}

static void
fuzz_dc09_reply(const struct dc09_frame *f)
{
	struct dc09_frame	r;
	char			buf[DC09_REPLY_MAX], err[128];
	int			n;

	n = dc09_reply_ack(buf, sizeof(buf), f);
	if (n < 0)
		abort();
	if (dc09_parse(&r, buf + 1, (size_t)n - 2, err, sizeof(err)) != DC09_OK ||
	    strcmp(r.seq, f->seq) != 0 || strcmp(r.acct, f->acct) != 0 ||
	    strcmp(r.line, f->line) != 0 || r.has_rcvr != f->has_rcvr ||
	    strcmp(r.rcvr, f->rcvr) != 0)
		abort();
	n = dc09_reply_ack_encrypted(buf, sizeof(buf), f, fuzz_key, 16, 0, 1);
	if (n < 0 || dc09_parse(&r, buf + 1, (size_t)n - 2, err, sizeof(err)) !=
	    DC09_OK || !r.encrypted)
		abort();
	if (dc09_reply_duh(buf, sizeof(buf), f) < 0)
		abort();
}

static void
fuzz_dc09_frame(void *arg, const char *content, size_t len, int overlong)
{
	struct dc09_frame	*f = arg;
	struct dc09_body	 b;
	char			 err[128];

	if (overlong)
		return;
	if (dc09_parse(f, content, len, err, sizeof(err)) != DC09_OK)
		return;
	fuzz_dc09_reply(f);
	if (f->encrypted) {
		if (dc09_body_decrypt(&b, f->body, f->body_len, fuzz_key, 16, err,
		    sizeof(err)) == 0)
			fuzz_dc09_data(f->id, &b);
	} else if (dc09_body_plain(&b, f->body, f->body_len, err,
	    sizeof(err)) == 0)
		fuzz_dc09_data(f->id, &b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dc09_framer	fr;
	static struct dc09_frame	f;
	struct dc09_body		b;
	char				err[128];

	dc09_framer_init(&fr);
	dc09_framer_feed(&fr, (const char *)data, size, fuzz_dc09_frame, &f);
	/* The whole input as one frame's content, CRC unchecked paths too. */
	(void)dc09_body_plain(&b, (const char *)data, size > DC09_MAX_CONTENT ?
	    DC09_MAX_CONTENT : size, err, sizeof(err));
	(void)dc09_body_decrypt(&b, (const char *)data, size > DC09_MAX_CONTENT ?
	    DC09_MAX_CONTENT : size, fuzz_key, 16, err, sizeof(err));
	return 0;
}
