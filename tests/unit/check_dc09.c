/*
 * Unit tests for the DC-09 codec and code map, with published vectors:
 * real panel captures, and an AES-128 *NULL whose ciphertext was made with
 * openssl(1), not with this code.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/alarm.h"
#include "refuge/config.h"
#include "refuge/confload.h"
#include "refuge/dc09.h"
#include "refuge/dc09_codes.h"
#include "refuge/registry.h"

#define NULL_2026	"EA740027\"NULL\"0000L0#1409[]_20:38:07,08-27-2026"
#define SIA_EMPTY	"96ED0016\"SIA-DCS\"0001L0#1234[]"
#define AES_KEY		"AAAAAAAAAAAAAAAA"
#define AES_CIPHER	"B4BC8B40D0E6D959D6BEA78E88CC0B21" \
			"55741A3C44FBB96D476A3E557CAD64D9"

static enum dc09_status
parse(struct dc09_frame *f, const char *content)
{
	char	err[128];

	return dc09_parse(f, content, strlen(content), err, sizeof(err));
}

/* A frame from its message, wrapped by hand-checked CRC code. */
static const char *
frame_of(const char *msg, char *buf, size_t len)
{
	int	n = dc09_wrap(buf, len, msg, strlen(msg));

	ck_assert_int_gt(n, 10);
	buf[n - 1] = '\0';	/* the CR */
	return buf + 1;		/* past the LF */
}

START_TEST(crc_vectors)
{
	/* CRC-16/ARC check value of "123456789". */
	ck_assert_uint_eq(dc09_crc("123456789", 9), 0xBB3D);
	ck_assert_uint_eq(dc09_crc("\"NULL\"0000L0#1409[]_20:38:07,08-27-2026",
	    39), 0xEA74);
	ck_assert_uint_eq(dc09_crc("\"SIA-DCS\"0001L0#1234[]", 22), 0x96ED);
}
END_TEST

START_TEST(published_frames)
{
	struct dc09_frame	f;
	struct dc09_body	b;
	char			err[128];
	int64_t			t;

	ck_assert_int_eq(parse(&f, NULL_2026), DC09_OK);
	ck_assert_int_eq(f.id, DC09_ID_NULL);
	ck_assert_int_eq(f.encrypted, 0);
	ck_assert_str_eq(f.seq, "0000");
	ck_assert_int_eq(f.has_rcvr, 0);
	ck_assert_str_eq(f.line, "0");
	ck_assert_str_eq(f.acct, "1409");
	ck_assert_int_eq(dc09_body_plain(&b, f.body, f.body_len, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(b.data, "");
	ck_assert_int_eq(b.has_time, 1);
	ck_assert_int_eq(dc09_time_parse("_20:38:07,08-27-2026", 20, &t), 0);
	ck_assert_int_eq(b.time_s, t);
	ck_assert_int_eq(t, 1787863087);

	ck_assert_int_eq(parse(&f, SIA_EMPTY), DC09_OK);
	ck_assert_int_eq(f.id, DC09_ID_SIA_DCS);
	ck_assert_str_eq(f.seq, "0001");
	ck_assert_int_eq(dc09_body_plain(&b, f.body, f.body_len, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(b.has_time, 0);
}
END_TEST

START_TEST(crc_and_length_mismatch)
{
	struct dc09_frame	f;
	char			bad[128];

	snprintf(bad, sizeof(bad), "%s", NULL_2026);
	bad[0] = 'F';
	ck_assert_int_eq(parse(&f, bad), DC09_BAD_CRC);
	snprintf(bad, sizeof(bad), "%s", NULL_2026);
	bad[7] = '8';
	ck_assert_int_eq(parse(&f, bad), DC09_BAD_LENGTH);
	ck_assert_int_eq(parse(&f, "EA74"), DC09_BAD_LENGTH);
	ck_assert_int_eq(parse(&f, "XXXX0027\"NULL\""), DC09_MALFORMED);
}
END_TEST

START_TEST(receiver_field_and_bare_line)
{
	struct dc09_frame	f;
	char			buf[256], reply[DC09_REPLY_MAX];
	int			n;

	ck_assert_int_eq(parse(&f, frame_of("\"SIA-DCS\"0042R1AL#ABC[#ABC|NPA1]",
	    buf, sizeof(buf))), DC09_OK);
	ck_assert_int_eq(f.has_rcvr, 1);
	ck_assert_str_eq(f.rcvr, "1A");
	ck_assert_str_eq(f.line, "");
	n = dc09_reply_ack(reply, sizeof(reply), &f);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(reply[0], '\n');
	ck_assert_int_eq(reply[n - 1], '\r');
	reply[n - 1] = '\0';
	ck_assert_str_eq(reply + 9, "\"ACK\"0042R1AL#ABC[]");
	ck_assert_int_eq(parse(&f, frame_of("\"SIA-DCS\"0043R L0#ABC[]", buf,
	    sizeof(buf))), DC09_MALFORMED);
	/* No R: none invented in the reply. */
	ck_assert_int_eq(parse(&f, frame_of("\"SIA-DCS\"0007L12#ABCD[]", buf,
	    sizeof(buf))), DC09_OK);
	n = dc09_reply_duh(reply, sizeof(reply), &f);
	reply[n - 1] = '\0';
	ck_assert_str_eq(reply + 9, "\"DUH\"0007L12#ABCD[]");
	ck_assert_int_eq(dc09_crc(reply + 9, (size_t)n - 10),
	    strtoul((char[5]){ reply[1], reply[2], reply[3], reply[4], 0 },
	    NULL, 16));
}
END_TEST

START_TEST(other_id_is_duh)
{
	struct dc09_frame	f;
	char			buf[256];

	ck_assert_int_eq(parse(&f, frame_of("\"SIA-XYZ\"0001L0#1234[]", buf,
	    sizeof(buf))), DC09_OK);
	ck_assert_int_eq(f.id, DC09_ID_OTHER);
	ck_assert_int_eq(parse(&f, frame_of("\"ADM-CID\"0001L0#1234[#1234|1120 01 001]",
	    buf, sizeof(buf))), DC09_OK);
	ck_assert_int_eq(f.id, DC09_ID_ADM_CID);
}
END_TEST

START_TEST(nak_fixed_form)
{
	char	reply[DC09_REPLY_MAX];
	int	n;

	n = dc09_reply_nak(reply, sizeof(reply), 1787863087);
	ck_assert_int_gt(n, 0);
	reply[n - 1] = '\0';
	ck_assert_str_eq(reply + 9, "\"NAK\"0000R0L0A0[]_20:38:07,08-27-2026");
}
END_TEST

START_TEST(aes128_null_vector)
{
	struct dc09_frame	f;
	struct dc09_body	b;
	char			buf[256], err[128];
	int64_t			t;

	ck_assert_int_eq(parse(&f, frame_of("\"*NULL\"0000R0L0#AAA["
	    AES_CIPHER, buf, sizeof(buf))), DC09_OK);
	ck_assert_int_eq(f.encrypted, 1);
	ck_assert_int_eq(f.id, DC09_ID_NULL);
	ck_assert_str_eq(f.body, AES_CIPHER);
	ck_assert_int_eq(dc09_body_decrypt(&b, f.body, f.body_len,
	    (const unsigned char *)AES_KEY, 16, err, sizeof(err)), 0);
	ck_assert_str_eq(b.data, "");
	ck_assert_int_eq(dc09_time_parse("_18:24:52,07-05-2020", 20, &t), 0);
	ck_assert_int_eq(b.time_s, t);
	/* A wrong key decrypts to garbage. */
	ck_assert_int_eq(dc09_body_decrypt(&b, f.body, f.body_len,
	    (const unsigned char *)"BBBBBBBBBBBBBBBB", 16, err, sizeof(err)), -1);
	ck_assert_int_eq(dc09_body_decrypt(&b, "B4BC", 4,
	    (const unsigned char *)AES_KEY, 16, err, sizeof(err)), -1);
}
END_TEST

START_TEST(encrypted_roundtrip_and_ack)
{
	static const unsigned char key[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	const char	*plain = "xxxxxxxxxxxxxxxxx|Nri1/PA501][Vhttp://cam/1]"
			    "_10:00:00,01-02-2026";
	unsigned char	 in[96], out[96];
	char		 hex[200], msg[300], buf[400], err[128], reply[DC09_REPLY_MAX];
	struct dc09_frame f, r;
	struct dc09_body b;
	size_t		 n = strlen(plain), i;
	int		 len;

	ck_assert_int_eq(n % 16, 0);
	memcpy(in, plain, n);
	ck_assert_int_eq(dc09_aes(1, key, 32, in, n, out), 0);
	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02X", out[i]);
	snprintf(msg, sizeof(msg), "\"*SIA-DCS\"0005R2L3#12AB[%s", hex);
	ck_assert_int_eq(parse(&f, frame_of(msg, buf, sizeof(buf))), DC09_OK);
	ck_assert_int_eq(dc09_body_decrypt(&b, f.body, f.body_len, key, 32, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(b.data, "Nri1/PA501");
	ck_assert_uint_eq(b.xdata_count, 1);
	ck_assert_str_eq(b.xdata[0].text, "Vhttp://cam/1");
	len = dc09_reply_ack_encrypted(reply, sizeof(reply), &f, key, 32,
	    1767261600, 7);
	ck_assert_int_gt(len, 0);
	reply[len - 1] = '\0';
	ck_assert_int_eq(parse(&r, reply + 1), DC09_OK);
	ck_assert_str_eq(r.id_text, "ACK");
	ck_assert_int_eq(r.encrypted, 1);
	ck_assert_str_eq(r.seq, "0005");
	ck_assert_str_eq(r.rcvr, "2");
	ck_assert_str_eq(r.line, "3");
	ck_assert_str_eq(r.acct, "12AB");
	ck_assert_int_eq(dc09_body_decrypt(&b, r.body, r.body_len, key, 32, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(b.time_s, 1767261600);
}
END_TEST

START_TEST(time_window)
{
	char	at[20];
	int64_t	t;

	dc09_time_format(0, at);
	ck_assert_str_eq(at, "00:00:00,01-01-1970");
	ck_assert_int_eq(dc09_time_parse("_23:59:59,12-31-2025", 20, &t), 0);
	dc09_time_format(t, at);
	ck_assert_str_eq(at, "23:59:59,12-31-2025");
	ck_assert_int_eq(dc09_time_parse("_24:00:00,12-31-2025", 20, &t), -1);
	ck_assert_int_eq(dc09_time_parse("_12:00:00,13-01-2025", 20, &t), -1);
	ck_assert_int_eq(dc09_time_ok(1000, 1040, 40, 20), 1);
	ck_assert_int_eq(dc09_time_ok(1000, 1041, 40, 20), 0);
	ck_assert_int_eq(dc09_time_ok(1020, 1000, 40, 20), 1);
	ck_assert_int_eq(dc09_time_ok(1021, 1000, 40, 20), 0);
}
END_TEST

struct seen {
	char	frames[8][DC09_MAX_CONTENT + 1];
	int	overlong[8];
	int	count;
};

static void
collect(void *arg, const char *content, size_t len, int overlong)
{
	struct seen	*s = arg;

	ck_assert_int_lt(s->count, 8);
	memcpy(s->frames[s->count], content, len);
	s->frames[s->count][len] = '\0';
	s->overlong[s->count++] = overlong;
}

START_TEST(framer_split_concatenated_stray)
{
	struct dc09_framer	fr;
	struct seen		s = { .count = 0 };
	const char		*stream = "junk\r\n" NULL_2026 "\r\x01\x02\n"
				    SIA_EMPTY "\r\n" SIA_EMPTY "\r";
	size_t			i, n = strlen(stream);

	dc09_framer_init(&fr);
	/* One byte a read: every split point. */
	for (i = 0; i < n; i++)
		dc09_framer_feed(&fr, stream + i, 1, collect, &s);
	ck_assert_int_eq(s.count, 3);
	ck_assert_str_eq(s.frames[0], NULL_2026);
	ck_assert_str_eq(s.frames[1], SIA_EMPTY);
	ck_assert_str_eq(s.frames[2], SIA_EMPTY);
	memset(&s, 0, sizeof(s));
	dc09_framer_init(&fr);
	dc09_framer_feed(&fr, stream, n, collect, &s);
	ck_assert_int_eq(s.count, 3);
}
END_TEST

START_TEST(framer_overlong)
{
	struct dc09_framer	fr;
	struct seen		s = { .count = 0 };
	char			big[DC09_MAX_FRAME + 2];

	memset(big, 'A', sizeof(big));
	big[0] = '\n';
	big[sizeof(big) - 1] = '\r';
	dc09_framer_init(&fr);
	dc09_framer_feed(&fr, big, sizeof(big), collect, &s);
	dc09_framer_feed(&fr, "\n" SIA_EMPTY "\r", strlen(SIA_EMPTY) + 2,
	    collect, &s);
	ck_assert_int_eq(s.count, 2);
	ck_assert_int_eq(s.overlong[0], 1);
	ck_assert_int_eq(s.overlong[1], 0);
	ck_assert_str_eq(s.frames[1], SIA_EMPTY);
	/* Exactly 1,024 bytes with LF and CR is a frame. */
	memset(&s, 0, sizeof(s));
	big[DC09_MAX_FRAME - 1] = '\r';
	dc09_framer_feed(&fr, big, DC09_MAX_FRAME, collect, &s);
	ck_assert_int_eq(s.count, 1);
	ck_assert_int_eq(s.overlong[0], 0);
}
END_TEST

START_TEST(sia_events)
{
	struct dc09_event	ev[DC09_MAX_EVENTS];

	ck_assert_int_eq(dc09_events(DC09_ID_SIA_DCS, "Nri1/PA501", ev, 16), 1);
	ck_assert_str_eq(ev[0].code, "PA");
	ck_assert_str_eq(ev[0].zone, "501");
	ck_assert_int_eq(dc09_events(DC09_ID_SIA_DCS, "NPA1", ev, 16), 1);
	ck_assert_str_eq(ev[0].code, "PA");
	ck_assert_int_eq(dc09_events(DC09_ID_SIA_DCS, "Nri1/BA01/BA02", ev, 16),
	    2);
	ck_assert_str_eq(ev[1].code, "BA");
	ck_assert_str_eq(ev[1].zone, "02");
	ck_assert_int_eq(dc09_events(DC09_ID_SIA_DCS, "Nri1id5/TA3", ev, 16), 1);
	ck_assert_int_eq(dc09_events(DC09_ID_SIA_DCS, "X", ev, 16), -1);
	ck_assert_int_eq(dc09_events(DC09_ID_SIA_DCS, "N1234", ev, 16), -1);
}
END_TEST

START_TEST(cid_events_without_checksum)
{
	struct dc09_event	ev[1];

	ck_assert_int_eq(dc09_events(DC09_ID_ADM_CID, "1120 01 001", ev, 1), 1);
	ck_assert_str_eq(ev[0].code, "CID:120");
	ck_assert_str_eq(ev[0].zone, "001");
	ck_assert_int_eq(ev[0].qualifier, DC09_NEW);
	ck_assert_int_eq(dc09_events(DC09_ID_ADM_CID, "313701015", ev, 1), 1);
	ck_assert_int_eq(ev[0].qualifier, DC09_RESTORE);
	ck_assert_int_eq(dc09_events(DC09_ID_ADM_CID, "6602 00 000", ev, 1), 1);
	ck_assert_int_eq(ev[0].qualifier, DC09_STATUS);
	ck_assert_int_eq(dc09_events(DC09_ID_ADM_CID, "2120 01 001", ev, 1), -1);
	ck_assert_int_eq(dc09_events(DC09_ID_ADM_CID, "1120 01 0015", ev, 1),
	    -1);
}
END_TEST

static enum evtype
map(const struct dc09_codes *o, enum dc09_id id, const char *data)
{
	struct dc09_event	ev[1];

	ck_assert_int_eq(dc09_events(id, data, ev, 1), 1);
	return dc09_codes_map(o, &ev[0]);
}

START_TEST(code_map_defaults)
{
	ck_assert_int_eq(map(NULL, DC09_ID_SIA_DCS, "NPA1"), EVTYPE_BUTTON);
	ck_assert_int_eq(map(NULL, DC09_ID_SIA_DCS, "NHA1"), EVTYPE_BUTTON);
	ck_assert_int_eq(map(NULL, DC09_ID_SIA_DCS, "NTA1"), EVTYPE_TAMPER);
	ck_assert_int_eq(map(NULL, DC09_ID_SIA_DCS, "NTR1"),
	    EVTYPE_TAMPER_RESTORE);
	ck_assert_int_eq(map(NULL, DC09_ID_SIA_DCS, "NAT"), EVTYPE_MAINS_FAIL);
	ck_assert_int_eq(map(NULL, DC09_ID_SIA_DCS, "NYT"), EVTYPE_BATTERY_LOW);
	ck_assert_int_eq(map(NULL, DC09_ID_SIA_DCS, "NRP"), EVTYPE_TEST);
	ck_assert_int_eq(map(NULL, DC09_ID_SIA_DCS, "NFA1"), EVTYPE_FIRE);
	ck_assert_int_eq(map(NULL, DC09_ID_SIA_DCS, "NBA1"), EVTYPE_INTRUSION);
	ck_assert_int_eq(map(NULL, DC09_ID_SIA_DCS, "NBR1"),
	    EVTYPE_INTRUSION_RESTORE);
	ck_assert_int_eq(map(NULL, DC09_ID_SIA_DCS, "NPR1"), EVTYPE_STATUS);
	ck_assert_int_eq(map(NULL, DC09_ID_SIA_DCS, "NZZ1"),
	    EVTYPE_UNKNOWN_CODE);
	ck_assert_int_eq(map(NULL, DC09_ID_ADM_CID, "1121 01 001"),
	    EVTYPE_BUTTON);
	ck_assert_int_eq(map(NULL, DC09_ID_ADM_CID, "1137 01 001"),
	    EVTYPE_TAMPER);
	ck_assert_int_eq(map(NULL, DC09_ID_ADM_CID, "3137 01 001"),
	    EVTYPE_TAMPER_RESTORE);
	ck_assert_int_eq(map(NULL, DC09_ID_ADM_CID, "1131 01 001"),
	    EVTYPE_INTRUSION);
	ck_assert_int_eq(map(NULL, DC09_ID_ADM_CID, "3131 01 001"),
	    EVTYPE_INTRUSION_RESTORE);
	ck_assert_int_eq(map(NULL, DC09_ID_ADM_CID, "1110 01 001"), EVTYPE_FIRE);
	ck_assert_int_eq(map(NULL, DC09_ID_ADM_CID, "1301 01 001"),
	    EVTYPE_MAINS_FAIL);
	ck_assert_int_eq(map(NULL, DC09_ID_ADM_CID, "3311 01 001"),
	    EVTYPE_BATTERY_RESTORE);
	ck_assert_int_eq(map(NULL, DC09_ID_ADM_CID, "1602 00 000"), EVTYPE_TEST);
	/* A restore of a type with none, a status, an unknown restore: stored only. */
	ck_assert_int_eq(map(NULL, DC09_ID_ADM_CID, "3120 01 001"),
	    EVTYPE_STATUS);
	ck_assert_int_eq(map(NULL, DC09_ID_ADM_CID, "6120 01 001"),
	    EVTYPE_STATUS);
	ck_assert_int_eq(map(NULL, DC09_ID_ADM_CID, "3999 01 001"),
	    EVTYPE_STATUS);
	ck_assert_int_eq(map(NULL, DC09_ID_ADM_CID, "1999 01 001"),
	    EVTYPE_UNKNOWN_CODE);
}
END_TEST

START_TEST(code_map_overrides)
{
	struct dc09_code_override	e[2] = { { "BA", EVTYPE_TAMPER },
					    { "CID:130", EVTYPE_TAMPER } };
	struct dc09_codes		o = { 2, e };
	char				buf[16];
	enum evtype			t;

	ck_assert_int_eq(map(&o, DC09_ID_SIA_DCS, "NBA1"), EVTYPE_TAMPER);
	ck_assert_int_eq(map(&o, DC09_ID_ADM_CID, "1130 01 001"), EVTYPE_TAMPER);
	ck_assert_int_eq(map(&o, DC09_ID_ADM_CID, "3130 01 001"),
	    EVTYPE_TAMPER_RESTORE);
	ck_assert_int_eq(map(&o, DC09_ID_ADM_CID, "1131 01 001"),
	    EVTYPE_INTRUSION);
	ck_assert_int_eq(dc09_codes_key_valid("BA"), 1);
	ck_assert_int_eq(dc09_codes_key_valid("CID:130"), 1);
	ck_assert_int_eq(dc09_codes_key_valid("ba"), 0);
	ck_assert_int_eq(dc09_codes_key_valid("CID:13"), 0);
	ck_assert_str_eq(dc09_codes_default(0, buf, sizeof(buf), &t), "PA");
	ck_assert_int_eq(t, EVTYPE_BUTTON);
	ck_assert_ptr_null(dc09_codes_default(1000, buf, sizeof(buf), &t));
}
END_TEST

START_TEST(accounts_and_hex)
{
	unsigned char	out[4];
	size_t		n;

	ck_assert_int_eq(dc09_account_valid("123"), 1);
	ck_assert_int_eq(dc09_account_valid("12"), 0);
	ck_assert_int_eq(dc09_account_valid("ABCDEF0123456789"), 1);
	ck_assert_int_eq(dc09_account_valid("ABCDEF01234567890"), 0);
	ck_assert_int_eq(dc09_account_valid("12G4"), 0);
	ck_assert_int_eq(dc09_hex_decode("0aFF", 4, out, 4, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(out[1], 0xFF);
	ck_assert_int_eq(dc09_hex_decode("0aF", 3, out, 4, &n), -1);
	ck_assert_int_eq(dc09_hex_decode("0aFF0aFF0a", 10, out, 4, &n), -1);
}
END_TEST

START_TEST(registry_blocks)
{
	const struct registry_unit	*u;
	struct registry			*r;
	struct diag			 d;
	struct dc09_event		 ev[1];

	diag_init(&d);
	ck_assert_int_eq(confload_registry(TEST_SRCDIR
	    "/conf/registry-dc09-ok/units.yaml", &r, &d), 0);
	ck_assert_uint_eq(r->dc09_count, 2);
	ck_assert_ptr_nonnull(u = registry_dc09_find(r, "1234"));
	ck_assert_str_eq(u->id, "HP-101");
	ck_assert_uint_eq(u->dc09->key_len, 16);
	ck_assert_uint_eq(u->dc09->key[15], 0xFF);
	ck_assert_int_eq(u->dc09->plaintext, 0);
	ck_assert_int_eq(u->dc09->supervision_ms, 90000);
	ck_assert_ptr_nonnull(u = registry_dc09_find(r, "5678AB"));
	ck_assert_ptr_eq(registry_dc09_find(r, "5678ab"), u);
	ck_assert_int_eq(u->dc09->plaintext, 1);
	ck_assert_int_eq(u->dc09->supervision_ms, 26 * 3600 * 1000LL);
	ck_assert_ptr_null(registry_dc09_find(r, "9999"));
	ck_assert_ptr_null(registry_unit_find(r, "HP-103")->dc09);
	ck_assert_int_eq(dc09_events(DC09_ID_SIA_DCS, "NBA1", ev, 1), 1);
	ck_assert_int_eq(dc09_codes_map(&r->dc09_codes, ev), EVTYPE_TAMPER);
	registry_free(r);
	diag_clear(&d);
}
END_TEST

START_TEST(config_keys)
{
	const char		*yaml = "listen: { dc09: \"127.0.0.1:7402\" }\n"
				    "tls: { cert: a, key: b, unit_ca: c }\n"
				    "dc09: { max_age: 1m, max_ahead: 5s }\n";
	const char		*bad = "tls: { cert: a, key: b, unit_ca: c }\n"
				    "dc09: { max_age: 0s, max_ahed: 5s }\n";
	struct refuge_config	*cf;
	struct diag		 d;

	diag_init(&d);
	ck_assert_int_eq(config_parse("r.yaml", yaml, strlen(yaml), NULL, &cf,
	    &d), 0);
	ck_assert_str_eq(cf->listen_dc09, "127.0.0.1:7402");
	ck_assert_int_eq(cf->dc09_max_age_ms, 60000);
	ck_assert_int_eq(cf->dc09_max_ahead_ms, 5000);
	config_free(cf);
	yaml = "tls: { cert: a, key: b, unit_ca: c }\n";
	ck_assert_int_eq(config_parse("r.yaml", yaml, strlen(yaml), NULL, &cf,
	    &d), 0);
	ck_assert_ptr_null(cf->listen_dc09);
	ck_assert_int_eq(cf->dc09_max_age_ms, 40000);
	ck_assert_int_eq(cf->dc09_max_ahead_ms, 20000);
	config_free(cf);
	ck_assert_int_eq(config_parse("r.yaml", bad, strlen(bad), NULL, &cf,
	    &d), -1);
	ck_assert_uint_eq(d.count, 2);
	ck_assert_str_eq(d.messages[0], "r.yaml:2:18: dc09.max_age: must be "
	    "between 1s and 1h");
	diag_clear(&d);
}
END_TEST

START_TEST(alarm_detail_shown_keys)
{
	char	out[ALARM_DETAIL_MAX + 1], small[12];

	alarm_detail("code=ZZ zone=9 seq=0001 verify=\"http://c/x?a=1\" xdata0=Q",
	    out, sizeof(out));
	ck_assert_str_eq(out, "code=ZZ verify=\"http://c/x?a=1\"");
	alarm_detail("path=dc09", out, sizeof(out));
	ck_assert_str_eq(out, "path=dc09");
	alarm_detail("", out, sizeof(out));
	ck_assert_str_eq(out, "");
	alarm_detail(NULL, out, sizeof(out));
	ck_assert_str_eq(out, "");
	alarm_detail("code=ABCDEFGHIJKLMNOP path=x", small, sizeof(small));
	ck_assert_str_eq(small, "path=x");
}
END_TEST

static Suite *
dc09_suite(void)
{
	Suite	*s = suite_create("dc09");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, crc_vectors);
	tcase_add_test(tc, published_frames);
	tcase_add_test(tc, crc_and_length_mismatch);
	tcase_add_test(tc, receiver_field_and_bare_line);
	tcase_add_test(tc, other_id_is_duh);
	tcase_add_test(tc, nak_fixed_form);
	tcase_add_test(tc, aes128_null_vector);
	tcase_add_test(tc, encrypted_roundtrip_and_ack);
	tcase_add_test(tc, time_window);
	tcase_add_test(tc, framer_split_concatenated_stray);
	tcase_add_test(tc, framer_overlong);
	tcase_add_test(tc, sia_events);
	tcase_add_test(tc, cid_events_without_checksum);
	tcase_add_test(tc, code_map_defaults);
	tcase_add_test(tc, code_map_overrides);
	tcase_add_test(tc, accounts_and_hex);
	tcase_add_test(tc, registry_blocks);
	tcase_add_test(tc, config_keys);
	tcase_add_test(tc, alarm_detail_shown_keys);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(dc09_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
