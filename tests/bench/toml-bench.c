/*
 * toml-bench [RUNS] — parse throughput on a generated ~100 KB operator
 * config (launcher_config plus a large mpc_node_config using every TOML
 * form: dotted keys, arrays of tables, inline tables, multi-line strings,
 * comments), the arena it needs, and the serializer's throughput.
 * Prints numbers; exits non-zero only if parsing or writing fails.
 * tests/bench/run builds it with -O2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "toml.h"

#define BENCH_TARGET_BYTES (100u * 1000)
#define BENCH_DEFAULT_RUNS 1000

static const char head[] =
    "# tee-launcher operator config\n"
    "[launcher_config]\n"
    "image_tags = [\"3.0.1\", \"latest\"]\n"
    "image_name = \"nearone/mpc-node\"\n"
    "registry = \"registry.hub.docker.com\"\n"
    "rpc_request_timeout_secs = 10\n"
    "rpc_request_interval_secs = 1\n"
    "rpc_max_attempts = 20\n"
    "port_mappings = [{ host = 11780, container = 11780 }, "
    "{ host = 2200, container = 2200 }]\n"
    "\n"
    "[mpc_node_config]\n"
    "home_dir = \"/data\"\n"
    "my_near_account_id = 'mpc-operator.near'\n"
    "web_ui.host = \"0.0.0.0\"\n"
    "web_ui.port = 8081\n"
    "triple.concurrency = 2\n"
    "triple.desired_triples_to_buffer = 1_000_000\n"
    "triple.timeout_sec = 60.5\n";

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One [[mpc_node_config.participants]] entry with its sub-tables. */
static size_t
put_participant(char *p, size_t room, unsigned i)
{
	int n = snprintf(p, room,
	    "\n[[mpc_node_config.participants]]\n"
	    "# participant %u\n"
	    "id = %u\n"
	    "account_id = \"node-%u.mpc.near\"\n"
	    "url = 'https://node-%u.example.org:3000'\n"
	    "weight = %u.25\n"
	    "active = %s\n"
	    "joined = 2025-%02u-%02uT10:%02u:00Z\n"
	    "p2p = { host = \"10.0.%u.%u\", port = 24567, tls = true }\n"
	    "limits.max_inflight = 0x%x\n"
	    "limits.backoff = [1, 2, 4, 8, 16]\n"
	    "notes = \"\"\"\n"
	    "Operated by team %u. \\\n"
	    "    Contact: ops-%u@example.org\n"
	    "    caf\\u00e9 \xe2\x82\xac\"\"\"\n"
	    "[mpc_node_config.participants.keys]\n"
	    "sign = \"ed25519:%08x%08x%08x%08x\"\n"
	    "tls = \"ed25519:%08x%08x\"\n",
	    i, i, i, i, 1 + i % 7, i % 3 ? "true" : "false", 1 + i % 12,
	    1 + i % 28, i % 60, i / 250, i % 250, 64 + i, i, i,
	    i * 2654435761u, i ^ 0x5bd1e995u, i * 40503u, ~i, i * 69069u,
	    i + 12345u);
	return n > 0 && (size_t)n < room ? (size_t)n : 0;
}

static size_t
make_config(char *buf, size_t cap, unsigned *count)
{
	size_t o = (size_t)snprintf(buf, cap, "%s", head), n;
	unsigned i;

	for (i = 0; o < BENCH_TARGET_BYTES; i++) {
		if ((n = put_participant(buf + o, cap - o, i)) == 0)
			break;
		o += n;
	}
	o += (size_t)snprintf(buf + o, cap - o,
	    "\n[mpc_node_config.secrets]\nsecret_store_key_hex = \"%064d\"\n", 0);
	*count = i;
	return o;
}

int
main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : BENCH_DEFAULT_RUNS, r;
	size_t cap = 2 * BENCH_TARGET_BYTES, len, out_len = 0, acap, used = 0;
	char *buf = malloc(cap), *out = malloc(4 * cap);
	void *mem;
	unsigned entries;
	struct arena a;
	struct toml_value root;
	struct errbuf err;
	struct rusage ru;
	double t0, tp, tw;

	if (buf == NULL || out == NULL || runs < 1)
		return 2;
	len = make_config(buf, cap, &entries);
	acap = TOML_ARENA_BYTES(len);
	if ((mem = malloc(acap)) == NULL)
		return 2;
	t0 = now();
	for (r = 0; r < runs; r++) {
		arena_init(&a, mem, acap);
		if (toml_parse(buf, len, &a, &root, &err) != 0) {
			fprintf(stderr, "toml-bench: %s\n", err.msg);
			return 1;
		}
		used = a.used;
	}
	tp = now() - t0;
	t0 = now();
	for (r = 0; r < runs; r++) {
		if (toml_write(&root, out, 4 * cap, &out_len, &err) != 0) {
			fprintf(stderr, "toml-bench: write: %s\n", err.msg);
			return 1;
		}
	}
	tw = now() - t0;
	getrusage(RUSAGE_SELF, &ru);
	printf("toml: operator config %zu bytes, %u participants, %d runs\n",
	    len, entries, runs);
	printf("toml: parse %.1f MB/s\n", (double)len * runs / tp / 1e6);
	printf("toml: arena used %zu bytes (%.2f x input; worst-case bound %zu)\n",
	    used, (double)used / (double)len, acap);
	printf("toml: write %.1f MB/s (%zu bytes out)\n",
	    (double)out_len * runs / tw / 1e6, out_len);
	printf("toml: peak RSS %ld KiB (input + output + arena buffers)\n",
	    ru.ru_maxrss);
	free(mem);
	free(out);
	free(buf);
	return 0;
}
