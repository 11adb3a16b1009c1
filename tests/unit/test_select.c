#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "select.h"

#define HA "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HB "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HC "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

struct tmp {
	char dir[64];
	char path[128];
};

static int
tmp_make(struct tmp *t)
{
	strcpy(t->dir, "/tmp/tl-select-XXXXXX");
	if (mkdtemp(t->dir) == NULL)
		return -1;
	snprintf(t->path, sizeof(t->path), "%s/image-digest.bin", t->dir);
	return 0;
}

static void
tmp_write(struct tmp *t, const char *content)
{
	FILE *f = fopen(t->path, "w");

	if (f != NULL) {
		fputs(content, f);
		fclose(f);
	}
}

static void
tmp_free(struct tmp *t)
{
	char *argv[] = { "rm", "-rf", t->dir, NULL };

	if (fork() == 0) {
		execv("/bin/rm", argv);
		_exit(127);
	}
	wait(NULL);
}

static enum select_load_result
load(struct tmp *t, struct select_approved *a, struct errbuf *e)
{
	e->msg[0] = '\0';
	return select_load_approved(t->path, a, e);
}

static void
a_valid_file_loads_in_order(struct th *t)
{
	static struct select_approved a;
	struct tmp d;
	struct errbuf e;
	struct digest want;

	REQUIRE(t, tmp_make(&d) == 0);
	tmp_write(&d, "{\n  \"approved_hashes\": [\n    \"" HB "\",\n    \"" HA "\"\n  ],\n  \"other\": 1\n}\n");
	CHECK_INT(t, load(&d, &a, &e), SELECT_LOADED);
	CHECK_INT(t, a.n, 2);
	digest_parse(HB, strlen(HB), &want, &e);
	CHECK(t, digest_equal(&a.hashes[0], &want));
	tmp_free(&d);
}

static void
only_enoent_means_absent(struct th *t)
{
	static struct select_approved a;
	struct tmp d;
	struct errbuf e;
	char link[100];

	REQUIRE(t, tmp_make(&d) == 0);
	CHECK_INT(t, load(&d, &a, &e), SELECT_ABSENT);
	/* A dangling symlink is ENOENT too. */
	CHECK(t, symlink("/nonexistent/target", d.path) == 0);
	CHECK_INT(t, load(&d, &a, &e), SELECT_ABSENT);
	unlink(d.path);
	/* A symlink loop is ELOOP: fatal. */
	snprintf(link, sizeof(link), "%s/loop", d.dir);
	CHECK(t, symlink(link, link) == 0);
	snprintf(d.path, sizeof(d.path), "%s", link);
	CHECK_INT(t, load(&d, &a, &e), SELECT_ERR_READ);
	CHECK(t, strstr(e.msg, "cannot open") != NULL);
	/* A parent that is a file is ENOTDIR: fatal. */
	snprintf(d.path, sizeof(d.path), "%s/file", d.dir);
	tmp_write(&d, "x");
	snprintf(d.path, sizeof(d.path), "%s/file/image-digest.bin", d.dir);
	CHECK_INT(t, load(&d, &a, &e), SELECT_ERR_READ);
	tmp_free(&d);
}

static void
a_fifo_fails_at_once_instead_of_blocking(struct th *t)
{
	static struct select_approved a;
	struct tmp d;
	struct errbuf e;

	REQUIRE(t, tmp_make(&d) == 0);
	REQUIRE(t, mkfifo(d.path, 0600) == 0);
	/* Without a writer, a blocking open() would never return. */
	CHECK_INT(t, load(&d, &a, &e), SELECT_ERR_READ);
	CHECK(t, strstr(e.msg, "not a regular file") != NULL);
	tmp_free(&d);
}

static void
a_directory_is_a_parse_error(struct th *t)
{
	static struct select_approved a;
	struct tmp d;
	struct errbuf e;

	REQUIRE(t, tmp_make(&d) == 0);
	CHECK(t, mkdir(d.path, 0700) == 0);
	CHECK_INT(t, load(&d, &a, &e), SELECT_ERR_PARSE);
	CHECK(t, strstr(e.msg, d.path) != NULL);
	tmp_free(&d);
}

static void
bad_contents_are_parse_errors_naming_the_problem(struct th *t)
{
	static const struct { const char *body, *needle; } cases[] = {
		{ "", "empty file" },
		{ "{\"approved_hashes\": []}", "0 entries" },
		{ "{\"approved_hashes\": [\"sha256:abab\"]}", "[0]" },
		{ "{\"approved_hashes\": [\"" HA "\", 7]}", "[1] (offset" },
		{ "{\"approved_hashes\": [\"" HA "\"]} x", "offset" },
		{ "{\"approved_hashes\": [\"" HA "\"], \"approved_hashes\": [\"" HB "\"]}", "duplicate" },
		{ "{\"hashes\": [\"" HA "\"]}", "missing or not an array" },
		{ "[\"" HA "\"]", "missing or not an array" },
		{ "{\"approved_hashes\": [\"" HA "\"", "offset" },
	};
	static struct select_approved a;
	struct tmp d;
	struct errbuf e;
	size_t k;

	REQUIRE(t, tmp_make(&d) == 0);
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		tmp_write(&d, cases[k].body);
		CHECK_INT(t, load(&d, &a, &e), SELECT_ERR_PARSE);
		if (strstr(e.msg, cases[k].needle) == NULL || strstr(e.msg, d.path) == NULL)
			CHECK_STR(t, e.msg, cases[k].needle);
	}
	tmp_free(&d);
}

static void
selection_follows_the_matrix(struct th *t)
{
	static struct select_approved a;
	struct digest da, db, dc, out;
	enum select_source src;
	struct errbuf e;

	digest_parse(HA, strlen(HA), &da, &e);
	digest_parse(HB, strlen(HB), &db, &e);
	digest_parse(HC, strlen(HC), &dc, &e);
	a.hashes[0] = da;
	a.hashes[1] = db;
	a.n = 2;
	/* no file: default, override ignored */
	CHECK_INT(t, select_image(NULL, &dc, &db, &out, &src, &e), 0);
	CHECK(t, digest_equal(&out, &dc) && src == SELECT_FROM_DEFAULT);
	/* file, no override: newest */
	CHECK_INT(t, select_image(&a, &dc, NULL, &out, &src, &e), 0);
	CHECK(t, digest_equal(&out, &da) && src == SELECT_FROM_NEWEST);
	/* file, override in list */
	CHECK_INT(t, select_image(&a, &dc, &db, &out, &src, &e), 0);
	CHECK(t, digest_equal(&out, &db) && src == SELECT_FROM_OVERRIDE);
	/* file, override not in list (even if equal to the default) */
	CHECK_INT(t, select_image(&a, &dc, &dc, &out, &src, &e), -1);
	CHECK_STR(t, e.msg, "MPC_HASH_OVERRIDE invalid: MPC_HASH_OVERRIDE=" HC
	    " does not match any approved hash");
}

/* 1024 approved hashes load; one more is refused. */
static void
the_list_holds_at_most_select_hashes_max_entries(struct th *t)
{
	static struct select_approved a;
	static char body[SELECT_HASHES_MAX * 80 + 64];
	struct tmp d;
	struct errbuf e;
	size_t o, i;

	REQUIRE(t, tmp_make(&d) == 0);
	for (int extra = 0; extra <= 1; extra++) {
		o = (size_t)snprintf(body, sizeof(body), "{\"approved_hashes\":[");
		for (i = 0; i < SELECT_HASHES_MAX + (size_t)extra; i++)
			o += (size_t)snprintf(body + o, sizeof(body) - o, "%s\"sha256:%064zx\"",
			    i ? "," : "", i);
		snprintf(body + o, sizeof(body) - o, "]}");
		tmp_write(&d, body);
		if (extra == 0) {
			CHECK_INT(t, load(&d, &a, &e), SELECT_LOADED);
			CHECK_INT(t, a.n, SELECT_HASHES_MAX);
			CHECK_INT(t, a.hashes[SELECT_HASHES_MAX - 1].b[31], (SELECT_HASHES_MAX - 1) & 0xff);
		} else {
			CHECK_INT(t, load(&d, &a, &e), SELECT_ERR_PARSE);
			CHECK(t, strstr(e.msg, "\"approved_hashes\": 1025 entries, want 1..1024") != NULL);
		}
	}
	tmp_free(&d);
}

static void
each_source_has_the_name_the_log_prints(struct th *t)
{
	CHECK_STR(t, select_source_name(SELECT_FROM_DEFAULT), "default");
	CHECK_STR(t, select_source_name(SELECT_FROM_OVERRIDE), "override");
	CHECK_STR(t, select_source_name(SELECT_FROM_NEWEST), "newest-approved");
	CHECK_STR(t, select_source_name((enum select_source)99), "?");
}

void
suite_select(struct th *t)
{
	th_run(t, "select: a valid file loads in order", a_valid_file_loads_in_order);
	th_run(t, "select: only ENOENT means absent", only_enoent_means_absent);
	th_run(t, "select: a directory is a parse error", a_directory_is_a_parse_error);
	th_run(t, "select: a FIFO without a writer fails at once instead of blocking",
	    a_fifo_fails_at_once_instead_of_blocking);
	th_run(t, "select: bad contents are parse errors naming the problem",
	    bad_contents_are_parse_errors_naming_the_problem);
	th_run(t, "select: selection follows the SPEC matrix", selection_follows_the_matrix);
	th_run(t, "select: the list holds at most SELECT_HASHES_MAX entries",
	    the_list_holds_at_most_select_hashes_max_entries);
	th_run(t, "select: each source has the name the log prints",
	    each_source_has_the_name_the_log_prints);
}
