/*
 * json-check [FILE] — parses FILE (or stdin) with json_parse.
 * Exit 0: accepted.  1: rejected (the reason on stderr).  2: usage or I/O
 * error.  Anything else (a signal, a sanitizer report) is a bug.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* Reads at most cap bytes; one more than JSON_MAX_INPUT lets the parser
 * report the size limit itself. */
static int
read_all(FILE *f, char *buf, size_t cap, size_t *len)
{
	*len = fread(buf, 1, cap, f);
	return ferror(f) ? -1 : 0;
}

int
main(int argc, char **argv)
{
	size_t cap = JSON_MAX_INPUT + 1, len = 0;
	FILE *f = stdin;
	char *buf, *mem;
	struct arena a;
	struct json_value v;
	struct errbuf err;
	int rc;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-' && argv[1][1] != '\0')) {
		fprintf(stderr, "usage: json-check [FILE]\n");
		return 2;
	}
	if (argc == 2 && strcmp(argv[1], "-") != 0 && (f = fopen(argv[1], "rb")) == NULL) {
		fprintf(stderr, "json-check: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	buf = malloc(cap);
	if (buf == NULL || read_all(f, buf, cap, &len) != 0) {
		fprintf(stderr, "json-check: read failed\n");
		free(buf);
		return 2;
	}
	if (f != stdin)
		fclose(f);
	mem = malloc(JSON_ARENA_BOUND(len));
	if (mem == NULL) {
		free(buf);
		return 2;
	}
	arena_init(&a, mem, JSON_ARENA_BOUND(len));
	rc = json_parse(buf, len, &a, &v, &err);
	if (rc != 0)
		fprintf(stderr, "json-check: %s\n", err.msg);
	free(mem);
	free(buf);
	return rc == 0 ? 0 : 1;
}
