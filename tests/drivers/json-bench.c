/*
 * json-bench [RUNS] — parse throughput on a generated Docker manifest list
 * just under JSON_MAX_INPUT (pretty-printed like a registry's answer), the
 * arena it needs, and the writer's throughput on the same tree.
 * Prints numbers; exits non-zero only if parsing fails.  Build it with -O2
 * to measure (tests/bench/run does); the ASan driver build is only a check
 * that it still compiles and runs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "json.h"

/* A manifest list this big needs ~2.3x its size; 32 MiB is a fixed arena. */
#define BENCH_ARENA (32u * 1024 * 1024)
#define BENCH_DEFAULT_RUNS 50

static const char *const archs[] = { "amd64", "arm64", "arm", "ppc64le", "s390x", "386", "riscv64" };

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Appends one manifest descriptor; returns bytes written or 0 if full. */
static size_t
put_entry(char *p, size_t room, unsigned i, uint64_t *rng)
{
	char hex[65];
	int k, n;

	for (k = 0; k < 64; k++) {
		*rng = *rng * 6364136223846793005u + 1442695040888963407u;
		hex[k] = "0123456789abcdef"[(*rng >> 60) & 15];
	}
	hex[64] = '\0';
	n = snprintf(p, room,
	    "%s\n      {\n"
	    "         \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\",\n"
	    "         \"size\": %u,\n"
	    "         \"digest\": \"sha256:%s\",\n"
	    "         \"platform\": {\n"
	    "            \"architecture\": \"%s\",\n"
	    "            \"os\": \"linux\",\n"
	    "            \"variant\": \"v%u\",\n"
	    "            \"os.features\": [\"sse4\", \"x86-64-v2\"]\n"
	    "         },\n"
	    "         \"annotations\": {\"org.opencontainers.image.ref.name\": \"build-%u\", "
	    "\"com.example.note\": \"caf\\u00e9 \\\"quoted\\\" \xe2\x82\xac\"}\n"
	    "      }",
	    i ? "," : "", 1000 + i % 9000, hex, archs[i % 7], i % 8, i);
	return n > 0 && (size_t)n < room ? (size_t)n : 0;
}

static char *
gen_manifest_list(size_t *len)
{
	const char *head = "{\n   \"schemaVersion\": 2,\n   \"mediaType\": "
	    "\"application/vnd.docker.distribution.manifest.list.v2+json\",\n   \"manifests\": [";
	const char *tail = "\n   ]\n}\n";
	size_t cap = JSON_MAX_INPUT, o, n;
	char *buf = malloc(cap);
	uint64_t rng = 42;
	unsigned i;

	if (buf == NULL)
		return NULL;
	o = (size_t)snprintf(buf, cap, "%s", head);
	for (i = 0; (n = put_entry(buf + o, cap - o - strlen(tail), i, &rng)) != 0; i++)
		o += n;
	memcpy(buf + o, tail, strlen(tail));
	*len = o + strlen(tail);
	return buf;
}

int
main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : BENCH_DEFAULT_RUNS, r;
	size_t len = 0, used = 0, out_len = 0;
	char *doc = gen_manifest_list(&len), *out = malloc(JSON_MAX_INPUT + 1);
	unsigned char *mem = malloc(BENCH_ARENA);
	struct arena a;
	struct json_value v;
	struct json_writer w;
	struct errbuf err;
	struct rusage ru;
	double t0, tp, tw;

	if (doc == NULL || out == NULL || mem == NULL || runs < 1)
		return 2;
	t0 = now();
	for (r = 0; r < runs; r++) {
		arena_init(&a, mem, BENCH_ARENA);
		if (json_parse(doc, len, &a, &v, &err) != 0) {
			fprintf(stderr, "json-bench: %s\n", err.msg);
			return 1;
		}
		used = a.used;
	}
	tp = now() - t0;
	t0 = now();
	for (r = 0; r < runs; r++) {
		json_writer_init(&w, out, JSON_MAX_INPUT + 1);
		json_write_value(&w, &v);
		if (json_writer_finish(&w, &err) != 0)
			return 1;
		out_len = w.len;
	}
	tw = now() - t0;
	getrusage(RUSAGE_SELF, &ru);
#if defined(__SANITIZE_ADDRESS__)
	printf("json: NOTE: sanitizer build, numbers are not representative (use make bench)\n");
#endif
	printf("json: manifest list %zu bytes, %zu entries, %d runs\n", len,
	    json_get_array(&v, "manifests")->u.arr.n, runs);
	printf("json: parse %.1f MB/s\n", (double)len * runs / tp / 1e6);
	printf("json: arena used %zu bytes (%.2f x input; worst-case bound %zu)\n",
	    used, (double)used / (double)len, JSON_ARENA_BOUND(len));
	printf("json: write %.1f MB/s (%zu bytes compact)\n", (double)out_len * runs / tw / 1e6, out_len);
	printf("json: peak RSS %ld KiB (input + output buffers + touched part of a %u MiB arena)\n",
	    ru.ru_maxrss, BENCH_ARENA >> 20);
	free(doc);
	free(out);
	free(mem);
	return 0;
}
