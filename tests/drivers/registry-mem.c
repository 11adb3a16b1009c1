/*
 * registry-mem — the launcher's peak memory while it resolves through the
 * largest manifest list a registry may serve.
 *
 * A child process generates a pretty-printed Docker manifest list just
 * under REGISTRY_MANIFEST_MAX bytes (many entries, the one linux/amd64
 * entry last, so every byte is parsed) and the manifest it points to, and
 * serves both through a pipe; this process runs registry_resolve() over
 * the real HTTP client with that pipe as its transport.  The documents are
 * never in this process except as the registry would send them, so its
 * peak RSS is the resolution's own plus the program's.
 *
 * Prints "key value" lines: the body size, VmHWM (peak resident set,
 * pages actually touched) before and after the resolution, VmPeak
 * (address space, which counts reserved but untouched memory and is
 * shown only for contrast), and the goal 2 x body + 1 MiB with a verdict.
 * Exit 0 if the resolution matched, else 1.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bearssl.h>

#include "http.h"
#include "registry.h"

#define MT_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define CONFIG_HEX "abababababababababababababababababababababababababababababababab"

static const char manifest[] = "{\n   \"schemaVersion\": 2,\n   \"mediaType\": \""
    MT_MANIFEST "\",\n   \"config\": {\n      \"mediaType\": "
    "\"application/vnd.docker.container.image.v1+json\",\n      \"size\": 1,\n"
    "      \"digest\": \"sha256:" CONFIG_HEX "\"\n   },\n   \"layers\": []\n}\n";

/* ---- the child: the registry */

static size_t
put_entry(char *p, size_t room, unsigned i, const char *hex, const char *arch)
{
	int n = snprintf(p, room,
	    "%s\n      {\n"
	    "         \"mediaType\": \"" MT_MANIFEST "\",\n"
	    "         \"size\": %u,\n"
	    "         \"digest\": \"sha256:%s\",\n"
	    "         \"platform\": {\n"
	    "            \"architecture\": \"%s\",\n"
	    "            \"os\": \"linux\",\n"
	    "            \"variant\": \"v%u\"\n"
	    "         },\n"
	    "         \"annotations\": {\"org.opencontainers.image.ref.name\": \"build-%u\"}\n"
	    "      }", i ? "," : "", 1000 + i % 9000, hex, arch, i % 8, i);

	return n > 0 && (size_t)n < room ? (size_t)n : 0;
}

/* The list, all entries for other architectures but the last. */
static char *
gen_list(const char *manifest_hex, size_t *len, unsigned *entries)
{
	static const char *const archs[] = { "arm64", "arm", "ppc64le", "s390x", "386" };
	static const char head[] = "{\n   \"schemaVersion\": 2,\n   \"mediaType\": \""
	    MT_LIST "\",\n   \"manifests\": [";
	static const char tail[] = "\n   ]\n}\n";
	size_t cap = REGISTRY_MANIFEST_MAX, o = sizeof(head) - 1, n;
	char *buf = malloc(cap), filler[65];
	unsigned i;

	if (buf == NULL)
		return NULL;
	memcpy(buf, head, o);
	memset(filler, 'c', 64);
	filler[64] = '\0';
	/* Room is kept for the last entry (at most 1 KiB) and the tail. */
	for (i = 0; (n = put_entry(buf + o, cap - o - 1024, i, filler, archs[i % 5])) != 0; i++)
		o += n;
	o += put_entry(buf + o, cap - o, i, manifest_hex, "amd64");
	memcpy(buf + o, tail, sizeof(tail) - 1);
	*len = o + sizeof(tail) - 1;
	*entries = i + 1;
	return buf;
}

static int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One framed answer: its length (8 bytes, host order), then the bytes. */
static int
serve(int fd, const char *ct, const char *body, size_t len)
{
	char head[256];
	uint64_t total;
	int n = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\n\r\n", ct, len);

	total = (uint64_t)n + len;
	return write_all(fd, &total, sizeof(total)) || write_all(fd, head, (size_t)n) ||
	    write_all(fd, body, len);
}

static int
registry_child(int fd, size_t *list_len)
{
	br_sha256_context c;
	unsigned char d[32];
	char hex[65], *list;
	unsigned entries = 0;
	int i, rc;

	br_sha256_init(&c);
	br_sha256_update(&c, manifest, sizeof(manifest) - 1);
	br_sha256_out(&c, d);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	list = gen_list(hex, list_len, &entries);
	if (list == NULL)
		return 1;
	rc = serve(fd, MT_LIST, list, *list_len) ||
	    serve(fd, MT_MANIFEST, manifest, sizeof(manifest) - 1);
	free(list);
	printf("list_entries %u\n", entries);
	return rc;
}

/* ---- this process: the launcher */

struct pipe_feed {
	int fd;
	uint64_t left; /* bytes of the current answer not yet read */
};

static int
read_all(int fd, void *p, size_t n)
{
	char *c = p;

	while (n > 0) {
		ssize_t r = read(fd, c, n);

		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

static int
p_open(void *ctx, const char *host, uint16_t port, int https)
{
	(void)ctx, (void)host, (void)port, (void)https;
	return NET_OK;
}

/* Each request gets the next framed answer. */
static int
p_write(void *ctx, const void *buf, size_t len)
{
	struct pipe_feed *f = ctx;

	(void)buf, (void)len;
	if (f->left > 0 || read_all(f->fd, &f->left, sizeof(f->left)) != 0)
		f->left = 0;
	return NET_OK;
}

static int
p_read(void *ctx, void *buf, size_t cap, size_t *got)
{
	struct pipe_feed *f = ctx;
	ssize_t r;

	*got = 0;
	if (f->left == 0)
		return NET_EOF;
	r = read(f->fd, buf, cap < f->left ? cap : (size_t)f->left);
	if (r <= 0)
		return NET_EOF;
	f->left -= (uint64_t)r;
	*got = (size_t)r;
	return NET_OK;
}

/* A "Vm...:" line of /proc/self/status in KiB, or -1. */
static long
vm_kib(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, strlen(key)) == 0)
			v = strtol(line + strlen(key), NULL, 10);
	fclose(f);
	return v;
}

static int
resolve(int fd, struct registry_result *res, struct errbuf *err)
{
	static const char *const refs[] = { "big-list" };
	static struct tls_anchors anchors;
	static struct http_client http;
	static struct registry reg;
	struct pipe_feed feed = { fd, 0 };
	struct http_transport tp = { p_open, p_read, p_write, &feed };
	struct http_client_config hc;
	struct registry_config cfg;
	struct digest want;
	int rc;

	memset(&hc, 0, sizeof(hc));
	hc.anchors = &anchors;
	hc.transport = &tp;
	memset(&cfg, 0, sizeof(cfg));
	cfg.registry = "registry.test";
	cfg.image_name = "acme/node";
	cfg.refs = refs;
	cfg.nrefs = 1;
	cfg.timeout_secs = 30;
	if (digest_parse("sha256:" CONFIG_HEX, 71, &want, err) != 0 ||
	    http_client_init(&http, &hc, err) != 0 ||
	    registry_init(&reg, &http, NULL, err) != 0)
		return -1;
	printf("vm_hwm_before_kib %ld\n", vm_kib("VmHWM:"));
	rc = registry_resolve(&reg, &cfg, &want, res, err);
	registry_free(&reg);
	http_client_close(&http);
	return rc;
}

int
main(void)
{
	struct registry_result res;
	struct errbuf err;
	int fds[2], status, rc;
	size_t list_len = 0;
	long hwm, goal;
	pid_t pid;

	if (pipe(fds) != 0)
		return 2;
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		close(fds[0]);
		rc = registry_child(fds[1], &list_len);
		printf("list_bytes %zu\n", list_len);
		fflush(stdout);
		_exit(rc);
	}
	close(fds[1]);
	rc = resolve(fds[0], &res, &err);
	hwm = vm_kib("VmHWM:");
	close(fds[0]);
	waitpid(pid, &status, 0);
	goal = (long)(2 * REGISTRY_MANIFEST_MAX / 1024 + 1024);
	printf("body_max_bytes %u\nvm_hwm_kib %ld\nvm_peak_kib %ld\ngoal_kib %ld\n"
	    "verdict %s\n", REGISTRY_MANIFEST_MAX, hwm, vm_kib("VmPeak:"), goal,
	    hwm >= 0 && hwm <= goal ? "met" : "MISSED");
	if (rc != 0)
		printf("error %s\n", err.msg);
	else
		printf("matched %s\n", registry_match_name(res.how));
	return rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
