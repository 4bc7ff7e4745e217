/*
 * SIA DC-09 (ANSI/SIA DC-09 Internet Protocol Event Reporting): frames,
 * the byte-stream framer, AES-CBC with a zero IV, responses, and SIA-DCS
 * and ADM-CID data. Pure: bytes in, structs or bytes out. refuge-dc09(7)
 * is the reference for every form here.
 */
#ifndef REFUGE_DC09_H
#define REFUGE_DC09_H

#include <stddef.h>
#include <stdint.h>

/* A whole frame, LF to CR inclusive, is at most this long. */
#define DC09_MAX_FRAME		1024
/* Between LF and CR: CRC (4), length (4) and the message. */
#define DC09_MAX_CONTENT	(DC09_MAX_FRAME - 2)
#define DC09_FIELD_MAX		16	/* R, L, #acct digits */
#define DC09_ID_MAX		16
#define DC09_MAX_EVENTS		16	/* codes in one SIA-DCS frame */
#define DC09_MAX_XDATA		8
/* A response frame (ACK, *ACK, NAK, DUH) with its LF and CR fits this. */
#define DC09_REPLY_MAX		160

enum dc09_id {
	DC09_ID_SIA_DCS,
	DC09_ID_ADM_CID,
	DC09_ID_NULL,
	DC09_ID_OTHER		/* well formed, but not supported: DUH */
};

/* What dc09_parse found; each maps to the reply the receiver sends. */
enum dc09_status {
	DC09_OK = 0,
	DC09_BAD_CRC,		/* no reply: the panel retransmits */
	DC09_BAD_LENGTH,	/* no reply */
	DC09_MALFORMED,		/* no reply: not a frame we can echo */
	DC09_BAD_DATA		/* a frame whose data (or plaintext) is garbage: NAK */
};

struct dc09_xdata {
	char	text[DC09_MAX_CONTENT + 1];	/* inside the brackets, e.g. "Vhttp://..." */
};

/* One frame as received; every echoed field is kept exactly as sent. */
struct dc09_frame {
	int		encrypted;		/* the ID token began with '*' */
	enum dc09_id	id;
	char		id_text[DC09_ID_MAX + 1];	/* without the '*' */
	char		seq[5];			/* four digits */
	int		has_rcvr;		/* an R field, even a bare one */
	char		rcvr[DC09_FIELD_MAX + 1];
	char		line[DC09_FIELD_MAX + 1];	/* digits after L, may be "" */
	char		acct[DC09_FIELD_MAX + 1];
	/* Plain: what follows #acct up to CR. Encrypted: the ciphertext hex. */
	char		body[DC09_MAX_CONTENT + 1];
	size_t		body_len;
};

/* The frame's body (plain, or decrypted) split into its parts. */
struct dc09_body {
	char			data[DC09_MAX_CONTENT + 1];	/* after '|', "" for NULL */
	size_t			xdata_count;
	struct dc09_xdata	xdata[DC09_MAX_XDATA];
	int			has_time;
	int64_t			time_s;		/* unix seconds, UTC */
};

/* One event code from SIA-DCS or ADM-CID data. */
enum dc09_qualifier {
	DC09_NEW,
	DC09_RESTORE,
	DC09_STATUS
};

struct dc09_event {
	char			code[12];	/* "PA", "CID:120" */
	char			zone[8];	/* "501", "" */
	enum dc09_qualifier	qualifier;
};

/* CRC-16/ARC (poly 0x8005 reflected, init 0) of len bytes. */
uint16_t	 dc09_crc(const void *buf, size_t len);

/*
 * Parses one frame's content: the bytes between LF and CR (neither
 * included). Returns DC09_OK, or the status with a reason in err.
 */
enum dc09_status dc09_parse(struct dc09_frame *, const char *content,
		    size_t len, char *err, size_t errlen);

/*
 * Splits a plain body ("[#acct|Nri1/PA501][Vhttp://x]_HH:MM:SS,MM-DD-YYYY",
 * or "[]") into data, x-data and time. 0, or -1 with err.
 */
int		 dc09_body_plain(struct dc09_body *, const char *body,
		    size_t len, char *err, size_t errlen);
/*
 * Decrypts an encrypted frame's body with key (16, 24 or 32 bytes) and
 * splits the plaintext "<pad>|<data>]<x-data>_<time>" ("<pad>]_<time>" for
 * NULL). An encrypted frame must carry a time. 0, or -1 with err (the
 * ciphertext is not hex, not whole blocks, or decrypts to garbage).
 */
int		 dc09_body_decrypt(struct dc09_body *, const char *hex,
		    size_t hexlen, const unsigned char *key, size_t keylen,
		    char *err, size_t errlen);

/* AES-CBC, zero IV, no padding, len a multiple of 16. 0, or -1. */
int		 dc09_aes(int encrypt, const unsigned char *key, size_t keylen,
		    const unsigned char *in, size_t len, unsigned char *out);

/* "_HH:MM:SS,MM-DD-YYYY" (20 chars) to unix seconds. 0, or -1. */
int		 dc09_time_parse(const char *text, size_t len, int64_t *out);
/* Unix seconds to "HH:MM:SS,MM-DD-YYYY" (19 chars and a NUL). */
void		 dc09_time_format(int64_t unix_s, char out[20]);
/* 1 when time_s is no more than max_age_s before now_s nor max_ahead_s after. */
int		 dc09_time_ok(int64_t time_s, int64_t now_s, int64_t max_age_s,
		    int64_t max_ahead_s);

/*
 * Responses, each a whole frame with LF, CRC, length and CR; each returns
 * its length, or -1 if it does not fit. ACK and DUH echo the frame's seq,
 * R, L and #acct as received. ack_encrypted builds "*ACK" with pad bytes
 * drawn from nonce and the receiver's time now_s.
 */
int		 dc09_reply_ack(char *buf, size_t len, const struct dc09_frame *);
int		 dc09_reply_ack_encrypted(char *buf, size_t len,
		    const struct dc09_frame *, const unsigned char *key,
		    size_t keylen, int64_t now_s, uint32_t nonce);
int		 dc09_reply_nak(char *buf, size_t len, int64_t now_s);
int		 dc09_reply_duh(char *buf, size_t len, const struct dc09_frame *);
/*
 * Wraps a message (from the opening '"') in LF, CRC, length and CR: for
 * the tools and tests that build frames. Returns the length or -1.
 */
int		 dc09_wrap(char *buf, size_t len, const char *msg, size_t msglen);

/*
 * The events of SIA-DCS data ("Nri1/PA501", "NPA1", "Nri1/BA01/BA02") or of
 * ADM-CID data ("1401 01 001": qualifier, event, group, zone; no checksum).
 * Returns the count (0..max), or -1 when the data is not of that form.
 */
int		 dc09_events(enum dc09_id, const char *data,
		    struct dc09_event *, size_t max);

/* Hex digits to bytes: 0, or -1 (odd length, not hex, longer than max). */
int		 dc09_hex_decode(const char *hex, size_t hexlen,
		    unsigned char *out, size_t max, size_t *outlen);
/* 1 if s is 3-16 hex digits (an account). */
int		 dc09_account_valid(const char *s);

/*
 * The TCP byte stream to frames: stray bytes before a LF are skipped, a
 * frame runs from LF to CR, split across reads or several in one. A frame
 * longer than DC09_MAX_FRAME is dropped whole (fn with overlong 1).
 */
struct dc09_framer {
	char	buf[DC09_MAX_CONTENT + 1];
	size_t	len;
	int	in_frame;
	int	overlong;
};

typedef void	dc09_frame_fn(void *arg, const char *content, size_t len,
		    int overlong);

void		 dc09_framer_init(struct dc09_framer *);
/* Feeds len bytes; fn is called for each frame completed, in order. */
void		 dc09_framer_feed(struct dc09_framer *, const char *data,
		    size_t len, dc09_frame_fn *fn, void *arg);

#endif
