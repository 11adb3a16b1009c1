#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "json.h"
#include "select.h"

/* Reads the whole file (≤ SELECT_FILE_MAX) into a fresh heap buffer. */
static int
read_all(int fd, char **out, size_t *len, struct errbuf *err)
{
	char *buf = malloc(SELECT_FILE_MAX + 1);
	size_t n = 0;
	ssize_t r;

	if (buf == NULL) {
		errbuf_set(err, "out of memory");
		return -1;
	}
	for (;;) {
		r = read(fd, buf + n, SELECT_FILE_MAX + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			errbuf_set(err, "read: %s", strerror(errno));
			free(buf);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > SELECT_FILE_MAX) {
			errbuf_set(err, "larger than %u bytes", SELECT_FILE_MAX);
			free(buf);
			return -1;
		}
	}
	*out = buf;
	*len = n;
	return 0;
}

/* Directories pass: reading one fails with EISDIR, a parse error (SPEC §2.4). */
static int
regular_or_dir(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode));
}

static int
parse_list(const char *buf, size_t len, struct select_approved *out,
    struct errbuf *err)
{
	struct arena a;
	struct json_value root;
	const struct json_value *arr, *item;
	void *mem;
	size_t i;
	int rc = -1;

	if (len == 0) {
		errbuf_set(err, "empty file");
		return -1;
	}
	mem = malloc(JSON_ARENA_BOUND(len));
	if (mem == NULL) {
		errbuf_set(err, "out of memory");
		return -1;
	}
	arena_init(&a, mem, JSON_ARENA_BOUND(len));
	if (json_parse(buf, len, &a, &root, err) != 0)
		goto out;
	arr = json_get_array(&root, "approved_hashes");
	if (arr == NULL) {
		errbuf_set(err, "field \"approved_hashes\": missing or not an array");
		goto out;
	}
	if (arr->u.arr.n == 0 || arr->u.arr.n > SELECT_HASHES_MAX) {
		errbuf_set(err, "field \"approved_hashes\": %zu entries, want 1..%u",
		    arr->u.arr.n, SELECT_HASHES_MAX);
		goto out;
	}
	for (i = 0; i < arr->u.arr.n; i++) {
		item = &arr->u.arr.items[i];
		if (item->type != JSON_STRING ||
		    digest_parse(item->u.str.ptr, item->u.str.len, &out->hashes[i], err) != 0) {
			if (item->type != JSON_STRING)
				errbuf_set(err, "not a string");
			errbuf_wrap(err, "field \"approved_hashes\"[%zu] (offset %u)",
			    i, (unsigned)item->offset);
			goto out;
		}
	}
	out->n = i;
	rc = 0;
out:
	free(mem);
	return rc;
}

enum select_load_result
select_load_approved(const char *path, struct select_approved *out,
    struct errbuf *err)
{
	char *buf = NULL;
	size_t len = 0;
	int fd, rc;

	out->n = 0;
	/* O_NONBLOCK: a FIFO without a writer on the shared volume must not
	 * hang the boot in open() (nor a device in read()). */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return SELECT_ABSENT;
	if (fd < 0) {
		errbuf_set(err, "approved hashes file %s: cannot open: %s", path,
		    strerror(errno));
		return SELECT_ERR_READ;
	}
	if (!regular_or_dir(fd)) {
		close(fd);
		errbuf_set(err, "approved hashes file %s: not a regular file", path);
		return SELECT_ERR_READ;
	}
	rc = read_all(fd, &buf, &len, err);
	close(fd);
	if (rc == 0)
		rc = parse_list(buf, len, out, err);
	free(buf);
	if (rc != 0) {
		errbuf_wrap(err, "approved hashes file %s", path);
		return SELECT_ERR_PARSE;
	}
	return SELECT_LOADED;
}

int
select_image(const struct select_approved *approved, const struct digest *deflt,
    const struct digest *override, struct digest *out, enum select_source *src,
    struct errbuf *err)
{
	char s[DIGEST_STR_SIZE];
	size_t i;

	if (approved == NULL) {
		*out = *deflt;
		*src = SELECT_FROM_DEFAULT;
		return 0;
	}
	if (override == NULL) {
		*out = approved->hashes[0];
		*src = SELECT_FROM_NEWEST;
		return 0;
	}
	for (i = 0; i < approved->n; i++) {
		if (digest_equal(&approved->hashes[i], override)) {
			*out = *override;
			*src = SELECT_FROM_OVERRIDE;
			return 0;
		}
	}
	digest_format(override, s);
	errbuf_set(err, "MPC_HASH_OVERRIDE invalid: MPC_HASH_OVERRIDE=%s does not "
	    "match any approved hash", s);
	return -1;
}

const char *
select_source_name(enum select_source s)
{
	switch (s) {
	case SELECT_FROM_DEFAULT:
		return "default";
	case SELECT_FROM_OVERRIDE:
		return "override";
	case SELECT_FROM_NEWEST:
		return "newest-approved";
	}
	return "?";
}
