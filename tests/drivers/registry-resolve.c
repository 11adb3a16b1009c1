/*
 * registry-resolve — drives src/registry.c against a real registry.
 *   registry-resolve [--timeout S] [--interval S] [--attempts N]
 *                    <registry> <image_name> <want-digest> <ref>...
 * Trust: the compiled-in anchors plus TEE_LAUNCHER_EXTRA_CA_FILE.
 * Prints "manifest <digest>", "matched <how>", "ref <ref>", "pull <digest>",
 * "config <digest>" on success, then
 * the counters, one "key value" per line; exit 0 resolved, 1 error.
 * The wait of each retry is printed ("wait <ms>") instead of slept when
 * --no-sleep is given, so tests can assert the backoff without waiting.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "registry.h"

static void
record_sleep(void *ctx, uint64_t ms)
{
	(void)ctx;
	printf("wait %llu\n", (unsigned long long)ms);
}

int
main(int argc, char **argv)
{
	static struct tls_anchors anchors;
	static struct http_client http;
	static struct registry reg;
	struct http_client_config hc;
	struct registry_config cfg;
	struct registry_sleeper rec = { record_sleep, NULL };
	struct registry_result res;
	struct digest want;
	struct errbuf err;
	char md[DIGEST_STR_SIZE], pd[DIGEST_STR_SIZE], cd[DIGEST_STR_SIZE];
	int i = 1, nosleep = 0, rc;

	memset(&cfg, 0, sizeof(cfg));
	cfg.timeout_secs = 10;
	cfg.interval_secs = 0;
	cfg.max_attempts = 0;
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--no-sleep") == 0)
			nosleep = 1;
		else if (i + 1 < argc && strcmp(argv[i], "--timeout") == 0)
			cfg.timeout_secs = strtoull(argv[++i], NULL, 10);
		else if (i + 1 < argc && strcmp(argv[i], "--interval") == 0)
			cfg.interval_secs = strtoull(argv[++i], NULL, 10);
		else if (i + 1 < argc && strcmp(argv[i], "--attempts") == 0)
			cfg.max_attempts = (uint32_t)strtoul(argv[++i], NULL, 10);
		else {
			fprintf(stderr, "registry-resolve: bad option %s\n", argv[i]);
			return 2;
		}
	}
	if (argc - i < 4) {
		fprintf(stderr, "usage: registry-resolve [opts] registry name digest ref...\n");
		return 2;
	}
	cfg.registry = argv[i];
	cfg.image_name = argv[i + 1];
	cfg.refs = (const char *const *)(argv + i + 3);
	cfg.nrefs = (size_t)(argc - i - 3);
	if (digest_parse(argv[i + 2], strlen(argv[i + 2]), &want, &err) != 0 ||
	    tls_anchors_from_env(&anchors, &err) != 0) {
		fprintf(stderr, "registry-resolve: %s\n", err.msg);
		return 2;
	}
	memset(&hc, 0, sizeof(hc));
	http_config_from_env(&hc);
	hc.anchors = &anchors;
	if (http_client_init(&http, &hc, &err) != 0 ||
	    registry_init(&reg, &http, nosleep ? &rec : NULL, &err) != 0) {
		fprintf(stderr, "registry-resolve: %s\n", err.msg);
		return 2;
	}
	rc = registry_resolve(&reg, &cfg, &want, &res, &err);
	if (rc == 0) {
		digest_format(&res.manifest, md);
		digest_format(&res.pull, pd);
		digest_format(&res.config, cd);
		printf("manifest %s\nmatched %s\nref %s\npull %s\nconfig %s\n", md,
		    registry_match_name(res.how), res.ref, pd, cd);
	} else {
		printf("error %s\n", err.msg);
	}
	printf("manifest_requests %u\ntoken_requests %u\nretries %u\nwaited_ms %llu\n"
	    "tcp_connects %lu\ntls_handshakes %lu\nhttp_requests %lu\n",
	    reg.stats.manifest_requests, reg.stats.token_requests, reg.stats.retries,
	    (unsigned long long)reg.stats.waited_ms, http.stats.tcp_connects,
	    http.stats.tls_handshakes, http.stats.requests);
	registry_free(&reg);
	http_client_close(&http);
	return rc == 0 ? 0 : 1;
}
