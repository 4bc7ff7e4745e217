/*
 * refuge-sim --dc09: options, the frames a panel sends (built with the pure
 * DC-09 codec), and by hand: one panel whose keys send panic, tamper, AC
 * loss, test and a NULL poll, printing each reply.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "refuge/confload.h"
#include "refuge/conn.h"
#include "refuge/dc09.h"
#include "refuge/duration.h"
#include "refuge/registry.h"
#include "refuge/timenow.h"

#include "sim_dc09.h"

static void
sim_dc09_usage(void)
{
	fprintf(stderr, "usage: refuge-sim --dc09 -H HOST:PORT --registry "
	    "UNITS.YAML [--tcp | --udp] [--encrypt]\n"
	    "                  [--account ACCT] [--count N] [--press-rate R] "
	    "[--test-rate R]\n"
	    "                  [--poll D] [--duration D] [--one-shot] [--json]\n");
	exit(2);
}

int
sim_dc09_frame(char *buf, size_t len, const struct registry_unit *u,
    int encrypt, const char *token, unsigned seq, const char *data,
    uint64_t nonce)
{
	const struct registry_dc09	*d = u->dc09;
	unsigned char			 plain[256], cipher[256];
	char				 msg[700], at[20];
	size_t				 n, pad, i;
	int				 m;

	dc09_time_format(timenow_wall_ms() / 1000, at);
	if (!encrypt) {
		m = data[0] != '\0' ? snprintf(msg, sizeof(msg),
		    "\"%s\"%04uR0L0#%s[#%s|%s]_%s", token, seq % 10000,
		    d->account, d->account, data, at) : snprintf(msg,
		    sizeof(msg), "\"%s\"%04uR0L0#%s[]_%s", token, seq % 10000,
		    d->account, at);
		return m < 0 || (size_t)m >= sizeof(msg) ? -1 :
		    dc09_wrap(buf, len, msg, (size_t)m);
	}
	m = data[0] != '\0' ? snprintf((char *)plain + 16, sizeof(plain) - 16,
	    "|%s]_%s", data, at) : snprintf((char *)plain + 16,
	    sizeof(plain) - 16, "]_%s", at);
	if (m < 0 || (size_t)m >= sizeof(plain) - 32)
		return -1;
	pad = 16 - (size_t)m % 16;
	/* The pad: printable, never '|', '[' or ']'. */
	for (i = 0; i < pad; i++) {
		plain[16 - pad + i] = (unsigned char)('a' + nonce % 26);
		nonce = nonce * 6364136223846793005ULL + 1442695040888963407ULL;
	}
	n = pad + (size_t)m;
	if (dc09_aes(1, d->key, d->key_len, plain + 16 - pad, n, cipher) == -1)
		return -1;
	m = snprintf(msg, sizeof(msg), "\"*%s\"%04uR0L0#%s[", token,
	    seq % 10000, d->account);
	for (i = 0; i < n && (size_t)m + 3 < sizeof(msg); i++)
		m += snprintf(msg + m, sizeof(msg) - (size_t)m, "%02X", cipher[i]);
	return dc09_wrap(buf, len, msg, (size_t)m);
}

const char *
sim_dc09_reply_token(const char *content, size_t len)
{
	struct dc09_frame	f;
	char			err[64];

	if (dc09_parse(&f, content, len, err, sizeof(err)) != DC09_OK)
		return NULL;
	if (strcmp(f.id_text, "ACK") == 0)
		return f.encrypted ? "*ACK" : "ACK";
	if (strcmp(f.id_text, "NAK") == 0)
		return "NAK";
	if (strcmp(f.id_text, "DUH") == 0)
		return "DUH";
	return NULL;
}

/* By hand: one line of stdin, one frame; the reply printed. */
static int
sim_dc09_by_hand(const struct sim_dc09_options *opt,
    const struct registry_unit *u, const struct sockaddr *to, socklen_t tolen)
{
	static const struct {
		char		 key;
		const char	*what, *token, *data;
	} keys[] = {
		{ 'p', "panic", "SIA-DCS", "Nri1/PA1" },
		{ 't', "tamper", "SIA-DCS", "Nri1/TA1" },
		{ 'a', "AC loss", "SIA-DCS", "NAT" },
		{ 's', "periodic test", "SIA-DCS", "NRP" },
		{ 'n', "NULL poll", "NULL", "" },
	};
	struct timeval	 tv = { 5, 0 };
	char		 line[64], buf[DC09_MAX_FRAME + 1], in[2048];
	const char	*token, *lf, *cr;
	unsigned	 seq = 1;
	size_t		 i;
	ssize_t		 got;
	int		 fd, n;

	printf("panel %s account %s (%s, %s): p panic, t tamper, a AC loss, "
	    "s test, n NULL poll, q quit\n", u->id, u->dc09->account,
	    opt->udp ? "udp" : "tcp", opt->encrypt ? "encrypted" : "plain");
	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (line[0] == 'q')
			break;
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (keys[i].key == line[0])
				break;
		if (i == sizeof(keys) / sizeof(keys[0])) {
			printf("keys: p t a s n q\n");
			continue;
		}
		if ((n = sim_dc09_frame(buf, sizeof(buf), u, opt->encrypt,
		    keys[i].token, seq, keys[i].data, (uint64_t)seq * 7919)) < 0 ||
		    (fd = socket(to->sa_family, opt->udp ? SOCK_DGRAM :
		    SOCK_STREAM, 0)) == -1)
			return 1;
		seq++;
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (connect(fd, to, tolen) == -1 ||
		    send(fd, buf, (size_t)n, 0) != n) {
			printf("%s: %s\n", keys[i].what, strerror(errno));
			close(fd);
			continue;
		}
		got = recv(fd, in, sizeof(in) - 1, 0);
		close(fd);
		if (got <= 0 || (lf = memchr(in, '\n', (size_t)got)) == NULL ||
		    (cr = memchr(lf, '\r', (size_t)(in + got - lf))) == NULL) {
			printf("%s: no reply\n", keys[i].what);
			continue;
		}
		token = sim_dc09_reply_token(lf + 1, (size_t)(cr - lf - 1));
		printf("%s: %s %.*s\n", keys[i].what, token ? token : "?",
		    (int)(cr - lf - 1), lf + 1);
		fflush(stdout);
	}
	return 0;
}

static double
sim_dc09_rate(const char *s)
{
	char	*end;
	double	 v = strtod(s, &end);

	if (*s == '\0' || *end != '\0' || !(v >= 0) || v > 1e7)
		sim_dc09_usage();
	return v;
}

static int64_t
sim_dc09_duration(const char *s)
{
	int64_t	ms;

	if (duration_parse(s, &ms) == -1)
		sim_dc09_usage();
	return ms;
}

int
sim_dc09_main(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "registry", required_argument, NULL, 'r' },
		{ "account", required_argument, NULL, 'a' },
		{ "count", required_argument, NULL, 'n' },
		{ "press-rate", required_argument, NULL, 'p' },
		{ "test-rate", required_argument, NULL, 's' },
		{ "poll", required_argument, NULL, 'P' },
		{ "duration", required_argument, NULL, 'd' },
		{ "tcp", no_argument, NULL, 'T' },
		{ "udp", no_argument, NULL, 'U' },
		{ "encrypt", no_argument, NULL, 'e' },
		{ "one-shot", no_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct sim_dc09_options		 opt;
	const struct registry_unit	*u;
	struct registry			*reg = NULL;
	struct sockaddr_storage		 to;
	socklen_t			 tolen;
	struct diag			 d;
	char				 err[256];
	size_t				 i;
	int				 c, rc;

	memset(&opt, 0, sizeof(opt));
	while ((c = getopt_long(argc, argv, "H:", longopts, NULL)) != -1) {
		switch (c) {
		case 'H': opt.target = optarg; break;
		case 'r': opt.registry = optarg; break;
		case 'a': opt.account = optarg; break;
		case 'n': opt.count = (size_t)sim_dc09_rate(optarg); break;
		case 'p': opt.press_rate = sim_dc09_rate(optarg); break;
		case 's': opt.test_rate = sim_dc09_rate(optarg); break;
		case 'P': opt.poll_ms = sim_dc09_duration(optarg); break;
		case 'd': opt.duration_ms = sim_dc09_duration(optarg); break;
		case 'T': opt.udp = 0; break;
		case 'U': opt.udp = 1; break;
		case 'e': opt.encrypt = 1; break;
		case 'o': opt.one_shot = 1; break;
		case 'j': opt.json = 1; break;
		default: sim_dc09_usage();
		}
	}
	if (optind != argc || opt.target == NULL || opt.registry == NULL ||
	    (opt.one_shot && opt.udp))
		sim_dc09_usage();
	if (conn_resolve(opt.target, &to, &tolen, err, sizeof(err)) == -1) {
		fprintf(stderr, "refuge-sim: %s\n", err);
		return 1;
	}
	diag_init(&d);
	if (confload_registry(opt.registry, &reg, &d) == -1) {
		for (i = 0; i < d.count; i++)
			fprintf(stderr, "%s\n", d.messages[i]);
		diag_clear(&d);
		return 1;
	}
	if (opt.account != NULL) {
		if ((u = registry_dc09_find(reg, opt.account)) == NULL) {
			fprintf(stderr, "refuge-sim: no account %s in %s\n",
			    opt.account, opt.registry);
			registry_free(reg);
			return 1;
		}
		if (opt.encrypt ? u->dc09->key_len == 0 : !u->dc09->plaintext)
			fprintf(stderr, "refuge-sim: account %s is %s: expect "
			    "NAKs\n", u->dc09->account, opt.encrypt ?
			    "plaintext" : "encrypted");
		rc = sim_dc09_by_hand(&opt, u, (struct sockaddr *)&to, tolen);
	} else
		rc = sim_dc09_load(&opt, reg, (struct sockaddr *)&to, tolen);
	registry_free(reg);
	return rc;
}
