#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "json.h"
#include "readfile.h"
#include "select.h"

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
		errbuf_set(err, "JSON: out of memory");
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

/* SPEC §2.4: open() failing is FileRead; a directory opens, then its
 * read fails (EISDIR), so it is JsonParse like every later failure. */
static enum select_load_result
read_failure(enum readfile_result r)
{
	switch (r) {
	case READFILE_ABSENT:
		return SELECT_ABSENT;
	case READFILE_ERR_OPEN:
	case READFILE_ERR_TYPE:
		return SELECT_ERR_READ;
	default:
		return SELECT_ERR_PARSE;
	}
}

enum select_load_result
select_load_approved(const char *path, struct select_approved *out,
    struct errbuf *err)
{
	enum readfile_result r;
	char *buf;
	size_t len = 0;
	int rc;

	out->n = 0;
	buf = malloc(SELECT_FILE_MAX);
	if (buf == NULL) {
		errbuf_set(err, "approved hashes file: %s: out of memory", path);
		return SELECT_ERR_READ;
	}
	r = readfile_regular(path, buf, SELECT_FILE_MAX, &len, err);
	if (r != READFILE_OK) {
		free(buf);
		errbuf_wrap(err, "approved hashes file");
		return read_failure(r);
	}
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
