/*
 * http-bench — throughput of the HTTP response head parser and the chunked
 * decoder, for tests/bench/run (built there with -O2; the ASan build made
 * from tests/drivers only checks that it still runs).
 *
 * Head: a registry-like 401 head (12 headers, ~700 bytes) parsed repeatedly,
 * whole and as the byte-by-byte worst case of a caller that re-parses after
 * every 512-byte read.  Chunked: a 4 MiB body in 8 KiB chunks decoded in
 * place, fed in 16 KiB reads.  Prints MB/s; memory is fixed (the head
 * struct and decoder sizes are printed: the parsers allocate nothing).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_response.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char head[] =
    "HTTP/1.1 401 Unauthorized\r\n"
    "Content-Type: application/json\r\n"
    "Docker-Distribution-Api-Version: registry/2.0\r\n"
    "Www-Authenticate: Bearer realm=\"https://auth.docker.io/token\","
    "service=\"registry.docker.io\",scope=\"repository:nearone/mpc-node:pull\"\r\n"
    "Date: Wed, 01 Jan 2030 00:00:00 GMT\r\n"
    "Content-Length: 157\r\n"
    "Strict-Transport-Security: max-age=31536000\r\n"
    "Docker-Content-Digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n"
    "Etag: \"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "Vary: Accept-Encoding\r\n"
    "Connection: keep-alive\r\n"
    "Cache-Control: no-cache, no-store, must-revalidate\r\n"
    "\r\n";

static void
bench_head(double secs)
{
	static struct http_response_head h;
	struct errbuf err;
	size_t n = sizeof(head) - 1, iters = 0, bytes = 0, k;
	double t0 = now(), t;
	volatile long sink = 0;

	do {
		for (k = 0; k < 1000; k++) {
			sink += http_response_parse_head(head, n, 0, &h, &err);
			bytes += n;
		}
		iters += 1000;
		t = now() - t0;
	} while (t < secs);
	printf("http head parse: %.0f MB/s, %.2f M heads/s (%zu-byte head, %zu headers)\n",
	    (double)bytes / t / 1e6, (double)iters / t / 1e6, n, h.num_headers);

	/* A caller re-parsing after every 512-byte read. */
	iters = bytes = 0;
	t0 = now();
	do {
		for (k = 512; k < n + 512; k += 512) {
			size_t len = k < n ? k : n;
			sink += http_response_parse_head(head, len, 0, &h, &err);
			bytes += len;
		}
		iters++;
		t = now() - t0;
	} while (t < secs);
	printf("http head parse, re-parsed per 512-byte read: %.0f MB/s scanned, %.2f M heads/s\n",
	    (double)bytes / t / 1e6, (double)iters / t / 1e6);
	(void)sink;
}

static void
bench_chunked(double secs)
{
	const size_t body = 4u << 20, chunk = 8192, read_size = 16384;
	size_t cap = body + (body / chunk + 1) * 16 + 16, n = 0, i, at, len, runs = 0;
	char *enc = malloc(cap), *work = malloc(cap);
	struct http_chunked_decoder d;
	struct errbuf err;
	double t0, t;
	int rc = 0;

	for (i = 0; i < body; i += chunk) {
		n += (size_t)sprintf(enc + n, "%zx\r\n", chunk);
		memset(enc + n, 'x', chunk);
		n += chunk;
		memcpy(enc + n, "\r\n", 2);
		n += 2;
	}
	memcpy(enc + n, "0\r\n\r\n", 5);
	n += 5;
	t0 = now();
	do {
		memcpy(work, enc, n);
		http_chunked_init(&d);
		for (at = 0; at < n; at += read_size) {
			len = n - at < read_size ? n - at : read_size;
			rc = http_chunked_decode(&d, work + at, &len, &err);
		}
		runs++;
		t = now() - t0;
	} while (t < secs);
	printf("http chunked decode: %.0f MB/s (4 MiB body, 8 KiB chunks, 16 KiB reads, rc %d)\n",
	    (double)n * (double)runs / t / 1e6, rc);
	printf("http memory: head struct %zu bytes, chunked decoder %zu bytes, no allocation\n",
	    sizeof(struct http_response_head), sizeof(struct http_chunked_decoder));
	free(enc);
	free(work);
}

int
main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1.0;

	bench_head(secs);
	bench_chunked(secs);
	return 0;
}
