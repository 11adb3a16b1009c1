#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "readfile.h"

struct tmp {
	char dir[64];
	char path[128];
};

static int
tmp_make(struct tmp *t)
{
	strcpy(t->dir, "/tmp/tl-readfile-XXXXXX");
	if (mkdtemp(t->dir) == NULL)
		return -1;
	snprintf(t->path, sizeof(t->path), "%s/file", t->dir);
	return 0;
}

static void
tmp_write(const char *path, const char *content, size_t len)
{
	FILE *f = fopen(path, "w");

	if (f != NULL) {
		fwrite(content, 1, len, f);
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

/* The lowest free descriptor: unchanged after a call means nothing leaked. */
static int
next_fd(void)
{
	int fd = dup(0);

	if (fd >= 0)
		close(fd);
	return fd;
}

static void
a_regular_file_is_read_whole(struct th *t)
{
	struct tmp d;
	struct errbuf e;
	char buf[16];
	size_t len = 99;
	int fd0 = next_fd();

	REQUIRE(t, tmp_make(&d) == 0);
	tmp_write(d.path, "hello\0world", 11);
	CHECK_INT(t, readfile_regular(d.path, buf, sizeof(buf), &len, &e), READFILE_OK);
	CHECK_MEM(t, buf, len, "hello\0world", 11);
	/* Exactly at the bound is still within it. */
	CHECK_INT(t, readfile_regular(d.path, buf, 11, &len, &e), READFILE_OK);
	CHECK_INT(t, len, 11);
	CHECK_INT(t, next_fd(), fd0);
	tmp_free(&d);
}

static void
an_empty_file_reads_as_zero_bytes(struct th *t)
{
	struct tmp d;
	struct errbuf e;
	char buf[4];
	size_t len = 99;

	REQUIRE(t, tmp_make(&d) == 0);
	tmp_write(d.path, "", 0);
	CHECK_INT(t, readfile_regular(d.path, buf, sizeof(buf), &len, &e), READFILE_OK);
	CHECK_INT(t, len, 0);
	/* A zero bound admits the empty file only. */
	CHECK_INT(t, readfile_regular(d.path, buf, 0, &len, &e), READFILE_OK);
	CHECK_INT(t, len, 0);
	tmp_write(d.path, "x", 1);
	CHECK_INT(t, readfile_regular(d.path, buf, 0, &len, &e), READFILE_ERR_SIZE);
	tmp_free(&d);
}

static void
a_file_over_the_bound_is_refused_not_truncated(struct th *t)
{
	struct tmp d;
	struct errbuf e;
	char buf[8], want[200];
	size_t len = 99;
	int fd0 = next_fd();

	REQUIRE(t, tmp_make(&d) == 0);
	tmp_write(d.path, "123456789", 9);
	CHECK_INT(t, readfile_regular(d.path, buf, 8, &len, &e), READFILE_ERR_SIZE);
	CHECK_INT(t, len, 0);
	snprintf(want, sizeof(want), "%s: larger than 8 bytes", d.path);
	CHECK_STR(t, e.msg, want);
	CHECK_INT(t, next_fd(), fd0);
	tmp_free(&d);
}

static void
a_file_that_grows_past_the_bound_while_read_is_refused(struct th *t)
{
	struct tmp d;
	struct readfile f;
	struct errbuf e;
	char buf[4];
	size_t got, total = 0;
	int rc;

	REQUIRE(t, tmp_make(&d) == 0);
	tmp_write(d.path, "1234", 4);
	REQUIRE_INT(t, readfile_open(&f, d.path, 6, &e), READFILE_OK);
	/* fstat said 4 bytes; the file is 8 by the time it is read. */
	tmp_write(d.path, "12345678", 8);
	while ((rc = readfile_read(&f, buf, 3, &got, &e)) == READFILE_OK && got > 0)
		total += got;
	CHECK_INT(t, rc, READFILE_ERR_SIZE);
	CHECK_INT(t, total, 6);
	CHECK(t, strstr(e.msg, "grew") != NULL);
	readfile_close(&f);
	readfile_close(&f);
	CHECK_INT(t, f.fd, -1);
	tmp_free(&d);
}

static void
a_file_whose_size_fstat_does_not_know_is_bounded_by_reading(struct th *t)
{
	struct errbuf e;
	char buf[16];
	size_t len;

	/* procfs files report st_size 0 and then deliver hundreds of bytes. */
	CHECK_INT(t, readfile_regular("/proc/self/status", buf, sizeof(buf), &len, &e),
	    READFILE_ERR_SIZE);
	CHECK(t, strstr(e.msg, "/proc/self/status: larger than 16 bytes") != NULL);
}

static void
a_fifo_without_a_writer_is_refused_at_once(struct th *t)
{
	struct tmp d;
	struct errbuf e;
	char buf[8], want[200];
	size_t len;
	int fd0 = next_fd();

	REQUIRE(t, tmp_make(&d) == 0);
	REQUIRE(t, mkfifo(d.path, 0600) == 0);
	/* A blocking open() would never return: the alarm kills the run. */
	alarm(10);
	CHECK_INT(t, readfile_regular(d.path, buf, sizeof(buf), &len, &e), READFILE_ERR_TYPE);
	alarm(0);
	snprintf(want, sizeof(want), "%s: not a regular file (a FIFO)", d.path);
	CHECK_STR(t, e.msg, want);
	CHECK_INT(t, next_fd(), fd0);
	tmp_free(&d);
}

static void
a_directory_has_its_own_code(struct th *t)
{
	struct tmp d;
	struct errbuf e;
	char buf[8];
	size_t len;

	REQUIRE(t, tmp_make(&d) == 0);
	CHECK_INT(t, readfile_regular(d.dir, buf, sizeof(buf), &len, &e), READFILE_ERR_ISDIR);
	CHECK(t, strstr(e.msg, d.dir) != NULL);
	CHECK(t, strstr(e.msg, "is a directory") != NULL);
	tmp_free(&d);
}

static void
devices_are_refused(struct th *t)
{
	struct errbuf e;
	char buf[8];
	size_t len;

	/* /dev/zero would fill any bound; /dev/null looks empty but is no file. */
	CHECK_INT(t, readfile_regular("/dev/null", buf, sizeof(buf), &len, &e), READFILE_ERR_TYPE);
	CHECK_STR(t, e.msg, "/dev/null: not a regular file (a character device)");
	CHECK_INT(t, readfile_regular("/dev/zero", buf, sizeof(buf), &len, &e), READFILE_ERR_TYPE);
}

static void
a_symlink_to_a_regular_file_is_followed(struct th *t)
{
	struct tmp d;
	struct errbuf e;
	char buf[8], link[160];
	size_t len;

	REQUIRE(t, tmp_make(&d) == 0);
	tmp_write(d.path, "abc", 3);
	snprintf(link, sizeof(link), "%s/link", d.dir);
	REQUIRE(t, symlink(d.path, link) == 0);
	CHECK_INT(t, readfile_regular(link, buf, sizeof(buf), &len, &e), READFILE_OK);
	CHECK_MEM(t, buf, len, "abc", 3);
	/* A symlink to a FIFO is still a FIFO. */
	unlink(d.path);
	REQUIRE(t, mkfifo(d.path, 0600) == 0);
	alarm(10);
	CHECK_INT(t, readfile_regular(link, buf, sizeof(buf), &len, &e), READFILE_ERR_TYPE);
	alarm(0);
	tmp_free(&d);
}

static void
only_enoent_is_absent(struct th *t)
{
	struct tmp d;
	struct errbuf e;
	char buf[8], path[200];
	size_t len;

	REQUIRE(t, tmp_make(&d) == 0);
	CHECK_INT(t, readfile_regular(d.path, buf, sizeof(buf), &len, &e), READFILE_ABSENT);
	snprintf(path, sizeof(path), "%s: cannot open: No such file or directory", d.path);
	CHECK_STR(t, e.msg, path);
	/* A dangling symlink is ENOENT too (SPEC §2.4). */
	snprintf(path, sizeof(path), "%s/dangling", d.dir);
	REQUIRE(t, symlink("/nonexistent/target", path) == 0);
	CHECK_INT(t, readfile_regular(path, buf, sizeof(buf), &len, &e), READFILE_ABSENT);
	/* A parent that is a file is ENOTDIR: another error. */
	tmp_write(d.path, "x", 1);
	snprintf(path, sizeof(path), "%s/child", d.path);
	CHECK_INT(t, readfile_regular(path, buf, sizeof(buf), &len, &e), READFILE_ERR_OPEN);
	CHECK(t, strstr(e.msg, "cannot open: Not a directory") != NULL);
	/* A symlink loop is ELOOP. */
	snprintf(path, sizeof(path), "%s/loop", d.dir);
	REQUIRE(t, symlink(path, path) == 0);
	CHECK_INT(t, readfile_regular(path, buf, sizeof(buf), &len, &e), READFILE_ERR_OPEN);
	tmp_free(&d);
}

static void
the_descriptor_has_exactly_the_documented_flags(struct th *t)
{
	struct tmp d;
	struct readfile f;
	struct errbuf e;
	int fl;

	REQUIRE(t, tmp_make(&d) == 0);
	tmp_write(d.path, "x", 1);
	REQUIRE_INT(t, readfile_open(&f, d.path, 1, &e), READFILE_OK);
	fl = fcntl(f.fd, F_GETFL);
	CHECK_INT(t, fl & O_ACCMODE, O_RDONLY);
	CHECK(t, (fl & O_NONBLOCK) != 0);
	CHECK(t, (fcntl(f.fd, F_GETFD) & FD_CLOEXEC) != 0);
	readfile_close(&f);
	tmp_free(&d);
}

static void
chunked_reads_give_the_same_bytes(struct th *t)
{
	static char want[10000], got[10000];
	struct tmp d;
	struct readfile f;
	struct errbuf e;
	size_t i, n, total = 0;
	int rc;

	REQUIRE(t, tmp_make(&d) == 0);
	for (i = 0; i < sizeof(want); i++)
		want[i] = (char)(i * 7 + 3);
	tmp_write(d.path, want, sizeof(want));
	REQUIRE_INT(t, readfile_open(&f, d.path, sizeof(want), &e), READFILE_OK);
	while ((rc = readfile_read(&f, got + total, 1 + total % 13, &n, &e)) == READFILE_OK &&
	    n > 0)
		total += n;
	CHECK_INT(t, rc, READFILE_OK);
	CHECK_MEM(t, got, total, want, sizeof(want));
	/* A zero-byte buffer before the end is a caller bug, not an end of file. */
	readfile_close(&f);
	REQUIRE_INT(t, readfile_open(&f, d.path, sizeof(want), &e), READFILE_OK);
	CHECK_INT(t, readfile_read(&f, got, 0, &n, &e), READFILE_ERR_READ);
	readfile_close(&f);
	tmp_free(&d);
}

void
suite_readfile(struct th *t)
{
	th_run(t, "readfile: a regular file is read whole", a_regular_file_is_read_whole);
	th_run(t, "readfile: an empty file reads as zero bytes", an_empty_file_reads_as_zero_bytes);
	th_run(t, "readfile: a file over the bound is refused, not truncated",
	    a_file_over_the_bound_is_refused_not_truncated);
	th_run(t, "readfile: a file that grows past the bound while read is refused",
	    a_file_that_grows_past_the_bound_while_read_is_refused);
	th_run(t, "readfile: a file whose size fstat does not know is bounded by reading",
	    a_file_whose_size_fstat_does_not_know_is_bounded_by_reading);
	th_run(t, "readfile: a FIFO without a writer is refused at once",
	    a_fifo_without_a_writer_is_refused_at_once);
	th_run(t, "readfile: a directory has its own code", a_directory_has_its_own_code);
	th_run(t, "readfile: devices are refused", devices_are_refused);
	th_run(t, "readfile: a symlink to a regular file is followed",
	    a_symlink_to_a_regular_file_is_followed);
	th_run(t, "readfile: only ENOENT is absent", only_enoent_is_absent);
	th_run(t, "readfile: the descriptor has exactly the documented flags",
	    the_descriptor_has_exactly_the_documented_flags);
	th_run(t, "readfile: chunked reads give the same bytes", chunked_reads_give_the_same_bytes);
}
