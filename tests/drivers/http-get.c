/*
 * http-get — drives the HTTP client from the command line for the check
 * stage and the benchmark (real servers on loopback).
 *
 *   http-get [-X METHOD] [-H 'Name: value']... [-d BODY] [--timeout MS]
 *            [--unix PATH] [--count N] [--cap BYTES] [--sink]
 *            [--no-redirects] [--x509-time UNIX_SECS] [--out FILE]
 *            [--pause MS]  (sleep between requests: lets a server's FIN land)
 *            [--header NAME]... URL [URL...]
 *   http-get --sizes            (memory of the client's structs, for bench)
 * --rusage adds a last line "rusage wall_ms=… cpu_ms=… vmhwm_kb=…" (from the
 * start of main; VmHWM is this process's own peak RSS, unlike ru_maxrss,
 * which also counts the parent's memory a fork started with).
 *
 * Every URL is requested in order, the list --count times, on one client
 * (so keep-alive and the pool are exercised).  Per request it prints
 *   request N: status=S err=CLASS redirects=R reused=0|1 body_len=L body_sha256=H
 *   header NAME: VALUE          (for each --header asked for)
 *   error: MESSAGE              (on failure)
 * and finally the client's counters:
 *   stats tcp_connects=… unix_connects=… tls_handshakes=… proxy_tunnels=…
 *         requests=… reused=… redirects=…
 * Trust: compiled-in anchors + TEE_LAUNCHER_EXTRA_CA_FILE; proxy: the
 * environment.  Exit 0 if every request returned HTTP_OK, 1 otherwise,
 * 2 on usage errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "http.h"

#define MAX_URLS 16
#define MAX_SHOW 8

struct opts {
	const char *method, *body, *unix_path, *out;
	const char *urls[MAX_URLS];
	size_t num_urls;
	struct http_field fields[HTTP_MAX_FIELDS];
	char field_buf[HTTP_MAX_FIELDS][1024];
	size_t num_fields;
	const char *show[MAX_SHOW];
	size_t num_show;
	unsigned timeout_ms, count, pause_ms;
	size_t cap;
	int sink, no_redirects, rusage;
	long long x509_time;
};

struct sink_state {
	br_sha256_context sha;
	FILE *out;
};

static int
sink(void *ctx, const void *data, size_t len)
{
	struct sink_state *s = ctx;

	br_sha256_update(&s->sha, data, len);
	if (s->out != NULL)
		fwrite(data, 1, len, s->out);
	return 0;
}

static int
usage(const char *why)
{
	fprintf(stderr, "http-get: %s\n", why);
	return 2;
}

static int
add_field(struct opts *o, const char *arg)
{
	char *b, *colon;

	if (o->num_fields == HTTP_MAX_FIELDS || strlen(arg) >= sizeof(o->field_buf[0]))
		return -1;
	b = o->field_buf[o->num_fields];
	strcpy(b, arg);
	colon = strchr(b, ':');
	if (colon == NULL)
		return -1;
	*colon++ = '\0';
	while (*colon == ' ')
		colon++;
	o->fields[o->num_fields].name = b;
	o->fields[o->num_fields].value = colon;
	o->num_fields++;
	return 0;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->timeout_ms = 5000;
	o->count = 1;
	o->cap = 1 << 20;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int used = 1;

		if (strcmp(a, "-X") == 0 && v)
			o->method = v;
		else if (strcmp(a, "-H") == 0 && v) {
			if (add_field(o, v) < 0)
				return usage("bad -H");
		} else if (strcmp(a, "-d") == 0 && v)
			o->body = v;
		else if (strcmp(a, "--timeout") == 0 && v)
			o->timeout_ms = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(a, "--unix") == 0 && v)
			o->unix_path = v;
		else if (strcmp(a, "--count") == 0 && v)
			o->count = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(a, "--cap") == 0 && v)
			o->cap = (size_t)strtoull(v, NULL, 10);
		else if (strcmp(a, "--pause") == 0 && v)
			o->pause_ms = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(a, "--x509-time") == 0 && v)
			o->x509_time = strtoll(v, NULL, 10);
		else if (strcmp(a, "--out") == 0 && v)
			o->out = v;
		else if (strcmp(a, "--header") == 0 && v && o->num_show < MAX_SHOW)
			o->show[o->num_show++] = v;
		else {
			used = 0;
			if (strcmp(a, "--sink") == 0)
				o->sink = 1;
			else if (strcmp(a, "--no-redirects") == 0)
				o->no_redirects = 1;
			else if (strcmp(a, "--rusage") == 0)
				o->rusage = 1;
			else if (a[0] == '-' || o->num_urls == MAX_URLS)
				return usage(a);
			else
				o->urls[o->num_urls++] = a;
		}
		i += used;
	}
	return o->num_urls == 0 ? usage("no URL") : 0;
}

static void
print_result(const struct opts *o, unsigned n, enum http_err e,
    const struct http_response *resp, const unsigned char *hash,
    const struct errbuf *err)
{
	size_t i;

	printf("request %u: status=%d err=%s redirects=%u reused=%d body_len=%llu "
	    "body_sha256=", n, resp->status, http_err_name(e), resp->redirects,
	    resp->reused, (unsigned long long)resp->body_len);
	for (i = 0; i < 32; i++)
		printf("%02x", hash[i]);
	printf("\n");
	for (i = 0; resp->head != NULL && i < o->num_show; i++) {
		const struct http_header *h = http_header_find(resp->head, o->show[i]);

		if (h != NULL)
			printf("header %s: %.*s\n", o->show[i], (int)h->value_len,
			    h->value);
	}
	if (e != HTTP_OK)
		printf("error: %s\n", err->msg);
}

static int
run(struct http_client *c, const struct opts *o, char *body_buf)
{
	unsigned n = 0, round;
	size_t u;
	int rc = 0;

	for (round = 0; round < o->count; round++) {
		for (u = 0; u < o->num_urls; u++) {
			struct sink_state s = { .out = NULL };
			struct http_request r = {
				.method = o->method, .url = o->urls[u],
				.fields = o->fields, .num_fields = o->num_fields,
				.body = o->body,
				.body_len = o->body ? strlen(o->body) : 0,
				.unix_path = o->unix_path,
				.timeout_ms = o->timeout_ms,
				.no_redirects = o->no_redirects,
				.body_buf = o->sink ? NULL : body_buf,
				.body_cap = o->cap,
				.sink = o->sink ? sink : NULL, .sink_ctx = &s,
			};
			struct http_response resp;
			struct errbuf err = { "" };
			unsigned char hash[32];
			enum http_err e;

			if (n > 0 && o->pause_ms > 0) {
				struct timespec ts = { o->pause_ms / 1000,
					(long)(o->pause_ms % 1000) * 1000000L };

				nanosleep(&ts, NULL);
			}
			br_sha256_init(&s.sha);
			if (o->sink && o->out)
				s.out = fopen(o->out, "wb");
			e = http_do(c, &r, &resp, &err);
			if (s.out)
				fclose(s.out);
			if (!o->sink) {
				br_sha256_update(&s.sha, body_buf, (size_t)resp.body_len);
				if (o->out) {
					FILE *f = fopen(o->out, "wb");

					if (f) {
						fwrite(body_buf, 1, (size_t)resp.body_len, f);
						fclose(f);
					}
				}
			}
			br_sha256_out(&s.sha, hash);
			print_result(o, ++n, e, &resp, hash, &err);
			fflush(stdout);
			rc |= e != HTTP_OK;
		}
	}
	return rc;
}

static double
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3
	    + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static void
print_rusage(const struct timespec *t0)
{
	struct rusage ru;
	char line[256];
	long hwm = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmHWM:", 6) == 0)
			hwm = strtol(line + 6, NULL, 10);
	if (f != NULL)
		fclose(f);
	getrusage(RUSAGE_SELF, &ru);
	printf("rusage wall_ms=%.2f cpu_ms=%.2f vmhwm_kb=%ld\n", ms_since(t0),
	    (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3
	    + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3, hwm);
}

int
main(int argc, char **argv)
{
	static struct tls_anchors anchors;
	struct http_client_config cfg = { .anchors = &anchors };
	struct http_client *c;
	struct errbuf err = { "" };
	struct opts *o = malloc(sizeof(*o));
	struct timespec t0;
	char *body_buf;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);

	if (argc == 2 && strcmp(argv[1], "--sizes") == 0) {
		printf("sizeof http_client=%zu tls_conn=%zu tls_anchors=%zu "
		    "tls_iobuf=%d\n", sizeof(struct http_client),
		    sizeof(struct tls_conn), sizeof(struct tls_anchors),
		    (int)TLS_IOBUF_SIZE);
		free(o);
		return 0;
	}
	if (o == NULL)
		return 1;
	if ((rc = parse_args(argc, argv, o)) != 0) {
		free(o);
		return rc;
	}
	if (tls_anchors_from_env(&anchors, &err) < 0) {
		printf("error: %s\n", err.msg);
		free(o);
		return 1;
	}
	http_config_from_env(&cfg);
	cfg.x509_time = o->x509_time;
	c = malloc(sizeof(*c));
	body_buf = malloc(o->cap ? o->cap : 1);
	if (c == NULL || body_buf == NULL || http_client_init(c, &cfg, &err) < 0) {
		printf("error: %s\n", c && body_buf ? err.msg : "out of memory");
		free(c);
		free(body_buf);
		free(o);
		return 1;
	}
	rc = run(c, o, body_buf);
	printf("stats tcp_connects=%lu unix_connects=%lu tls_handshakes=%lu "
	    "proxy_tunnels=%lu requests=%lu reused=%lu redirects=%lu\n",
	    c->stats.tcp_connects, c->stats.unix_connects,
	    c->stats.tls_handshakes, c->stats.proxy_tunnels, c->stats.requests,
	    c->stats.reused, c->stats.redirects);
	http_client_close(c);
	if (o->rusage)
		print_rusage(&t0);
	free(c);
	free(body_buf);
	free(o);
	return rc;
}
