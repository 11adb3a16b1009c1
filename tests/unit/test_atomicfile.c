#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "harness.h"

struct tdir {
	char path[64];
};

static int
tdir_make(struct tdir *d)
{
	snprintf(d->path, sizeof(d->path), "/tmp/atomicfile-test-XXXXXX");
	return mkdtemp(d->path) != NULL;
}

/* Removes the files in d (not recursive: tests create flat trees). */
static void
tdir_remove(struct tdir *d)
{
	DIR *dp = opendir(d->path);
	struct dirent *e;
	char p[512];

	while (dp != NULL && (e = readdir(dp)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", d->path, e->d_name);
		if (unlink(p) != 0)
			rmdir(p);
	}
	if (dp != NULL)
		closedir(dp);
	rmdir(d->path);
}

static int
count_entries(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (dp != NULL && (e = readdir(dp)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	if (dp != NULL)
		closedir(dp);
	return n;
}

static size_t
slurp(const char *dir, const char *name, char *buf, size_t cap)
{
	char p[512];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_RDONLY);
	if (fd < 0)
		return (size_t)-1;
	n = read(fd, buf, cap - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n < 0 ? (size_t)-1 : (size_t)n;
}

static void
put(const char *dir, const char *name, const char *text)
{
	struct errbuf e;

	(void)atomicfile_write(dir, name, text, strlen(text), NULL, &e);
}

static void
content_is_written_with_mode_0600_whatever_the_umask(struct th *t)
{
	struct tdir d;
	struct errbuf e;
	struct stat st;
	char buf[64], p[128];
	mode_t old = umask(0277);
	int rc;

	REQUIRE(t, tdir_make(&d));
	rc = atomicfile_write(d.path, "cfg.toml", "a = 1\n", 6, NULL, &e);
	umask(old);
	CHECK_INT(t, rc, ATOMICFILE_OK);
	CHECK_INT(t, slurp(d.path, "cfg.toml", buf, sizeof(buf)), 6);
	CHECK_STR(t, buf, "a = 1\n");
	snprintf(p, sizeof(p), "%s/cfg.toml", d.path);
	CHECK(t, stat(p, &st) == 0 && (st.st_mode & 07777) == 0600 && S_ISREG(st.st_mode));
	CHECK_INT(t, count_entries(d.path), 1);
	tdir_remove(&d);
}

static void
an_old_file_is_replaced_by_a_new_inode(struct th *t)
{
	struct tdir d;
	struct errbuf e;
	struct stat a, b;
	char buf[64], p[128];

	REQUIRE(t, tdir_make(&d));
	put(d.path, "f", "old contents that are longer");
	snprintf(p, sizeof(p), "%s/f", d.path);
	REQUIRE(t, stat(p, &a) == 0);
	CHECK_INT(t, atomicfile_write(d.path, "f", "new", 3, NULL, &e), ATOMICFILE_OK);
	REQUIRE(t, stat(p, &b) == 0);
	CHECK(t, a.st_ino != b.st_ino);
	slurp(d.path, "f", buf, sizeof(buf));
	CHECK_STR(t, buf, "new");
	CHECK_INT(t, count_entries(d.path), 1);
	tdir_remove(&d);
}

static void
empty_content_gives_an_empty_file(struct th *t)
{
	struct tdir d;
	struct errbuf e;
	char buf[8];

	REQUIRE(t, tdir_make(&d));
	CHECK_INT(t, atomicfile_write(d.path, "empty", "", 0, NULL, &e), ATOMICFILE_OK);
	CHECK_INT(t, slurp(d.path, "empty", buf, sizeof(buf)), 0);
	tdir_remove(&d);
}

static void
a_missing_directory_is_an_error_naming_the_path(struct th *t)
{
	struct errbuf e;

	CHECK_INT(t, atomicfile_write("/nonexistent-dir-for-test", "x.toml", "a", 1, NULL, &e),
	    ATOMICFILE_ERR);
	CHECK_STR(t, e.msg, "/nonexistent-dir-for-test/x.toml: open directory: No such file or directory");
}

static void
a_directory_in_the_way_stays_and_no_temp_file_is_left(struct th *t)
{
	struct tdir d;
	struct errbuf e;
	char p[128];
	struct stat st;

	REQUIRE(t, tdir_make(&d));
	snprintf(p, sizeof(p), "%s/target", d.path);
	REQUIRE(t, mkdir(p, 0700) == 0);
	CHECK_INT(t, atomicfile_write(d.path, "target", "abc", 3, NULL, &e), ATOMICFILE_ERR);
	CHECK(t, strstr(e.msg, "/target: rename temp file over target: Is a directory") != NULL);
	CHECK(t, stat(p, &st) == 0 && S_ISDIR(st.st_mode));
	CHECK_INT(t, count_entries(d.path), 1);
	tdir_remove(&d);
}

struct fault {
	int calls;
	int fail_at;  /* write call number (1-based) that fails; 0 = never */
	int fail_errno;
	int dribble;  /* write at most 1 byte, and EINTR every other call */
	int fsync_calls;
	int fsync_fail_at;
	char temp_name[256];
};

static void
remember_name(struct fault *f, int fd)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, f->temp_name, sizeof(f->temp_name) - 1);
	f->temp_name[n > 0 ? n : 0] = '\0';
}

static ssize_t
fault_write(void *ctx, int fd, const void *buf, size_t len)
{
	struct fault *f = ctx;

	f->calls++;
	if (f->calls == 1)
		remember_name(f, fd);
	if (f->fail_at != 0 && f->calls == f->fail_at) {
		errno = f->fail_errno;
		return -1;
	}
	if (f->dribble) {
		if (f->calls % 2 == 0) {
			errno = EINTR;
			return -1;
		}
		len = len > 0 ? 1 : 0;
	} else if (len > 2) {
		len = 2; /* always short, so a second call happens */
	}
	return write(fd, buf, len);
}

static int
fault_fsync(void *ctx, int fd)
{
	struct fault *f = ctx;

	f->fsync_calls++;
	if (f->fsync_fail_at != 0 && f->fsync_calls == f->fsync_fail_at) {
		errno = EIO;
		return -1;
	}
	return fsync(fd);
}

static void
a_failed_write_leaves_the_old_file_untouched_and_no_temp_file(struct th *t)
{
	struct tdir d;
	struct errbuf e;
	struct fault f = { 0, 2, ENOSPC, 0, 0, 0, "" };
	struct atomicfile_ops ops = { fault_write, fault_fsync, &f, NULL };
	char buf[64];

	REQUIRE(t, tdir_make(&d));
	put(d.path, "mpc-config.toml", "old");
	CHECK_INT(t, atomicfile_write(d.path, "mpc-config.toml", "new content", 11, &ops, &e),
	    ATOMICFILE_ERR);
	CHECK(t, strstr(e.msg, "/mpc-config.toml: write temp file: No space left on device") != NULL);
	CHECK(t, strstr(e.msg, d.path) == e.msg);
	slurp(d.path, "mpc-config.toml", buf, sizeof(buf));
	CHECK_STR(t, buf, "old");
	CHECK_INT(t, count_entries(d.path), 1);
	tdir_remove(&d);
}

static void
short_writes_and_eintr_are_retried(struct th *t)
{
	struct tdir d;
	struct errbuf e;
	struct fault f = { 0, 0, 0, 1, 0, 0, "" };
	struct atomicfile_ops ops = { fault_write, NULL, &f, NULL };
	char buf[64];

	REQUIRE(t, tdir_make(&d));
	CHECK_INT(t, atomicfile_write(d.path, "f", "0123456789", 10, &ops, &e), ATOMICFILE_OK);
	slurp(d.path, "f", buf, sizeof(buf));
	CHECK_STR(t, buf, "0123456789");
	CHECK_INT(t, f.calls, 19); /* 10 one-byte writes, 9 EINTRs between */
	tdir_remove(&d);
}

static void
the_temp_file_is_a_random_dot_tmp_name_in_the_same_directory(struct th *t)
{
	struct tdir d;
	struct errbuf e;
	struct fault f = { 0, 0, 0, 0, 0, 0, "" };
	struct atomicfile_ops ops = { fault_write, NULL, &f, NULL };
	char first[256], prefix[128];
	size_t i, plen;

	REQUIRE(t, tdir_make(&d));
	CHECK_INT(t, atomicfile_write(d.path, "f", "abc", 3, &ops, &e), ATOMICFILE_OK);
	snprintf(first, sizeof(first), "%s", f.temp_name);
	plen = (size_t)snprintf(prefix, sizeof(prefix), "%s/.tmp", d.path);
	REQUIRE(t, strncmp(first, prefix, plen) == 0);
	CHECK_INT(t, strlen(first), plen + 6);
	for (i = plen; first[i]; i++)
		CHECK(t, (first[i] >= 'a' && first[i] <= 'z') || (first[i] >= 'A' && first[i] <= 'Z') ||
		    (first[i] >= '0' && first[i] <= '9'));
	f.calls = 0;
	CHECK_INT(t, atomicfile_write(d.path, "f", "abc", 3, &ops, &e), ATOMICFILE_OK);
	CHECK(t, strcmp(first, f.temp_name) != 0);
	tdir_remove(&d);
}

static void
a_failed_fsync_leaves_the_old_file_untouched(struct th *t)
{
	struct tdir d;
	struct errbuf e;
	struct fault f = { 0, 0, 0, 0, 0, 1, "" };
	struct atomicfile_ops ops = { NULL, fault_fsync, &f, NULL };
	char buf[64];

	REQUIRE(t, tdir_make(&d));
	put(d.path, "f", "old");
	CHECK_INT(t, atomicfile_write(d.path, "f", "new", 3, &ops, &e), ATOMICFILE_ERR);
	CHECK(t, strstr(e.msg, "/f: fsync temp file: Input/output error") != NULL);
	slurp(d.path, "f", buf, sizeof(buf));
	CHECK_STR(t, buf, "old");
	CHECK_INT(t, count_entries(d.path), 1);
	tdir_remove(&d);
}

static void
the_directory_is_fsynced_after_the_rename(struct th *t)
{
	struct tdir d;
	struct errbuf e;
	struct fault f = { 0, 0, 0, 0, 0, 2, "" };
	struct atomicfile_ops ops = { NULL, fault_fsync, &f, NULL };

	REQUIRE(t, tdir_make(&d));
	CHECK_INT(t, atomicfile_write(d.path, "f", "new", 3, &ops, &e), ATOMICFILE_ERR);
	CHECK_INT(t, f.fsync_calls, 2);
	CHECK(t, strstr(e.msg, "/f: fsync directory: Input/output error") != NULL);
	tdir_remove(&d);
}

static void
a_symlink_at_the_target_is_replaced_not_followed(struct th *t)
{
	struct tdir d;
	struct errbuf e;
	char link[128], victim[128], buf[64];
	struct stat st;

	REQUIRE(t, tdir_make(&d));
	put(d.path, "victim", "keep");
	snprintf(link, sizeof(link), "%s/f", d.path);
	snprintf(victim, sizeof(victim), "%s/victim", d.path);
	REQUIRE(t, symlink(victim, link) == 0);
	CHECK_INT(t, atomicfile_write(d.path, "f", "new", 3, NULL, &e), ATOMICFILE_OK);
	CHECK(t, lstat(link, &st) == 0 && S_ISREG(st.st_mode));
	slurp(d.path, "victim", buf, sizeof(buf));
	CHECK_STR(t, buf, "keep");
	tdir_remove(&d);
}

static void
temp_files_an_interrupted_write_left_are_removed_by_the_next_write(struct th *t)
{
	static const char *const keep[] = { ".tmpAB", ".tmp-abcde", ".tmpABCDEFG",
	    "x.tmpABCDEF", "other" };
	struct tdir d;
	struct errbuf e;
	char p[128];
	size_t i;

	REQUIRE(t, tdir_make(&d));
	put(d.path, "f", "old");
	/* What a launcher killed after creating its temp file leaves. */
	put(d.path, ".tmpAbC123", "half a config");
	put(d.path, ".tmpzzzzzz", "");
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		put(d.path, keep[i], "not ours");
	snprintf(p, sizeof(p), "%s/.tmpDIRxyz", d.path);
	REQUIRE(t, mkdir(p, 0700) == 0);
	CHECK_INT(t, atomicfile_write(d.path, "f", "new", 3, NULL, &e), ATOMICFILE_OK);
	snprintf(p, sizeof(p), "%s/.tmpAbC123", d.path);
	CHECK(t, access(p, F_OK) != 0);
	snprintf(p, sizeof(p), "%s/.tmpzzzzzz", d.path);
	CHECK(t, access(p, F_OK) != 0);
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", d.path, keep[i]);
		CHECK(t, access(p, F_OK) == 0);
	}
	snprintf(p, sizeof(p), "%s/.tmpDIRxyz", d.path);
	CHECK(t, access(p, F_OK) == 0);
	rmdir(p);
	/* f, the five kept names */
	CHECK_INT(t, count_entries(d.path), 6);
	tdir_remove(&d);
}

static void
names_that_are_not_one_component_are_refused(struct th *t)
{
	struct errbuf e;

	CHECK_INT(t, atomicfile_write("/tmp", "", "a", 1, NULL, &e), ATOMICFILE_ERR);
	CHECK_INT(t, atomicfile_write("/tmp", "a/b", "a", 1, NULL, &e), ATOMICFILE_ERR);
	CHECK_STR(t, e.msg, "/tmp/a/b: invalid file name");
	CHECK_INT(t, atomicfile_write("/tmp", "..", "a", 1, NULL, &e), ATOMICFILE_ERR);
	CHECK_INT(t, atomicfile_write("/tmp", ".", "a", 1, NULL, &e), ATOMICFILE_ERR);
}

static void
only_an_absent_path_or_a_regular_file_may_be_replaced(struct th *t)
{
	struct tdir d;
	struct errbuf e;
	char p[128], q[128];

	REQUIRE(t, tdir_make(&d));
	snprintf(p, sizeof(p), "%s/cfg.toml", d.path);
	snprintf(q, sizeof(q), "%s/elsewhere", d.path);
	CHECK_INT(t, atomicfile_target_check(p, &e), ATOMICFILE_OK);
	REQUIRE_INT(t, atomicfile_write(d.path, "cfg.toml", "a", 1, NULL, &e), ATOMICFILE_OK);
	CHECK_INT(t, atomicfile_target_check(p, &e), ATOMICFILE_OK);
	unlink(p);
	REQUIRE(t, symlink(q, p) == 0);
	CHECK_INT(t, atomicfile_target_check(p, &e), ATOMICFILE_ERR);
	CHECK(t, strstr(e.msg, "is a symbolic link, not a regular file") != NULL);
	unlink(p);
	REQUIRE(t, mkfifo(p, 0600) == 0);
	CHECK_INT(t, atomicfile_target_check(p, &e), ATOMICFILE_ERR);
	CHECK(t, strstr(e.msg, "is a FIFO") != NULL);
	unlink(p);
	REQUIRE(t, mkdir(p, 0700) == 0);
	CHECK_INT(t, atomicfile_target_check(p, &e), ATOMICFILE_ERR);
	CHECK(t, strstr(e.msg, "is a directory") != NULL);
	rmdir(p);
	tdir_remove(&d);
}

static void
a_symlinked_directory_is_not_written_through(struct th *t)
{
	struct tdir d, other;
	struct errbuf e;
	char link[128], target[128];

	REQUIRE(t, tdir_make(&d) && tdir_make(&other));
	snprintf(link, sizeof(link), "%s/dir", d.path);
	REQUIRE(t, symlink(other.path, link) == 0);
	CHECK_INT(t, atomicfile_write(link, "cfg.toml", "a", 1, NULL, &e), ATOMICFILE_ERR);
	snprintf(target, sizeof(target), "%s/cfg.toml", other.path);
	CHECK(t, access(target, F_OK) != 0);
	unlink(link);
	tdir_remove(&other);
	tdir_remove(&d);
}

static void
a_path_splits_into_its_directory_and_last_component(struct th *t)
{
	char dir[16];
	const char *name = NULL;

	CHECK_INT(t, atomicfile_split("/mnt/shared/x.toml", dir, sizeof(dir), &name),
	    ATOMICFILE_OK);
	CHECK_STR(t, dir, "/mnt/shared");
	CHECK_STR(t, name, "x.toml");
	CHECK_INT(t, atomicfile_split("/x", dir, sizeof(dir), &name), ATOMICFILE_OK);
	CHECK_STR(t, dir, "/");
	CHECK_STR(t, name, "x");
	CHECK_INT(t, atomicfile_split("x.toml", dir, sizeof(dir), &name), ATOMICFILE_ERR);
	CHECK_INT(t, atomicfile_split("/mnt/", dir, sizeof(dir), &name), ATOMICFILE_ERR);
	CHECK_INT(t, atomicfile_split(NULL, dir, sizeof(dir), &name), ATOMICFILE_ERR);
	/* 16 bytes of directory do not fit in dir[16] with the NUL */
	CHECK_INT(t, atomicfile_split("/abcdefghijklmno/x", dir, sizeof(dir), &name),
	    ATOMICFILE_ERR);
	CHECK_INT(t, atomicfile_split("/abcdefghijklmn/x", dir, sizeof(dir), &name),
	    ATOMICFILE_OK);
}

/* The temp name's random bytes, scripted: byte 0 gives "AAAAAA", 1 "BBBBBB". */
struct names {
	int calls;
	int same_for;    /* calls answered with byte 0 before byte 1 */
	int fail;        /* 1: fail with ENOSYS, 2: a short read */
	const char *rm;  /* a directory to remove before answering */
};

static ssize_t
scripted_random(void *ctx, void *buf, size_t len)
{
	struct names *n = ctx;

	n->calls++;
	if (n->rm != NULL)
		rmdir(n->rm);
	if (n->fail == 1) {
		errno = ENOSYS;
		return -1;
	}
	if (n->fail == 2) {
		errno = 0;
		return (ssize_t)len - 1;
	}
	memset(buf, n->calls <= n->same_for ? 0 : 1, len);
	return (ssize_t)len;
}

static void
an_existing_temp_name_is_retried_and_the_file_there_kept(struct th *t)
{
	struct tdir d;
	struct errbuf e;
	struct names n = { 0, 3, 0, NULL };
	struct atomicfile_ops ops = { NULL, NULL, &n, scripted_random };
	char buf[64], p[128];
	struct stat st;

	REQUIRE(t, tdir_make(&d));
	/* a directory: the sweep of leftover temp files (unlinkat) keeps it */
	snprintf(p, sizeof(p), "%s/.tmpAAAAAA", d.path);
	REQUIRE(t, mkdir(p, 0700) == 0);
	put(d.path, "f", "old");
	CHECK_INT(t, atomicfile_write(d.path, "f", "new", 3, &ops, &e), ATOMICFILE_OK);
	CHECK_INT(t, n.calls, 4);
	slurp(d.path, "f", buf, sizeof(buf));
	CHECK_STR(t, buf, "new");
	CHECK(t, stat(p, &st) == 0 && S_ISDIR(st.st_mode));
	CHECK_INT(t, count_entries(d.path), 2);
	rmdir(p);
	tdir_remove(&d);
}

static void
a_temp_name_taken_on_every_try_is_an_error_and_nothing_is_removed(struct th *t)
{
	struct tdir d;
	struct errbuf e;
	struct names n = { 0, ATOMICFILE_TEMP_TRIES, 0, NULL };
	struct atomicfile_ops ops = { NULL, NULL, &n, scripted_random };
	char buf[64], p[128];
	struct stat st;

	REQUIRE(t, tdir_make(&d));
	/* a directory: the sweep of leftover temp files (unlinkat) keeps it */
	snprintf(p, sizeof(p), "%s/.tmpAAAAAA", d.path);
	REQUIRE(t, mkdir(p, 0700) == 0);
	put(d.path, "f", "old");
	CHECK_INT(t, atomicfile_write(d.path, "f", "new", 3, &ops, &e), ATOMICFILE_ERR);
	CHECK_INT(t, n.calls, ATOMICFILE_TEMP_TRIES);
	CHECK(t, strstr(e.msg, "/f: create temp file: File exists") != NULL);
	slurp(d.path, "f", buf, sizeof(buf));
	CHECK_STR(t, buf, "old");
	CHECK(t, stat(p, &st) == 0 && S_ISDIR(st.st_mode));
	CHECK_INT(t, count_entries(d.path), 2);
	rmdir(p);
	tdir_remove(&d);
}

static void
no_randomness_no_temp_file(struct th *t)
{
	struct tdir d;
	struct errbuf e;
	struct names n = { 0, 0, 1, NULL };
	struct atomicfile_ops ops = { NULL, NULL, &n, scripted_random };

	REQUIRE(t, tdir_make(&d));
	CHECK_INT(t, atomicfile_write(d.path, "f", "new", 3, &ops, &e), ATOMICFILE_ERR);
	CHECK(t, strstr(e.msg, "/f: getrandom: Function not implemented") != NULL);
	n.fail = 2; /* fewer bytes than asked, errno clear */
	CHECK_INT(t, atomicfile_write(d.path, "f", "new", 3, &ops, &e), ATOMICFILE_ERR);
	CHECK(t, strstr(e.msg, "/f: getrandom: Input/output error") != NULL);
	CHECK_INT(t, count_entries(d.path), 0);
	tdir_remove(&d);
}

static void
a_directory_removed_under_the_writer_is_an_error(struct th *t)
{
	struct tdir d;
	struct errbuf e;
	struct names n = { 0, 0, 0, NULL };
	struct atomicfile_ops ops = { NULL, NULL, &n, scripted_random };

	REQUIRE(t, tdir_make(&d));
	n.rm = d.path; /* after the directory was opened, before the temp file */
	CHECK_INT(t, atomicfile_write(d.path, "f", "new", 3, &ops, &e), ATOMICFILE_ERR);
	CHECK(t, strstr(e.msg, "/f: create temp file: No such file or directory") != NULL);
	CHECK(t, access(d.path, F_OK) != 0);
}

static ssize_t
write_nothing(void *ctx, int fd, const void *buf, size_t len)
{
	(void)ctx, (void)fd, (void)buf, (void)len;
	return 0;
}

static void
a_write_that_makes_no_progress_is_an_error_not_a_loop(struct th *t)
{
	struct tdir d;
	struct errbuf e;
	struct atomicfile_ops ops = { write_nothing, NULL, NULL, NULL };
	char buf[64];

	REQUIRE(t, tdir_make(&d));
	put(d.path, "f", "old");
	CHECK_INT(t, atomicfile_write(d.path, "f", "new", 3, &ops, &e), ATOMICFILE_ERR);
	CHECK(t, strstr(e.msg, "/f: write temp file: Input/output error") != NULL);
	slurp(d.path, "f", buf, sizeof(buf));
	CHECK_STR(t, buf, "old");
	CHECK_INT(t, count_entries(d.path), 1);
	tdir_remove(&d);
}

static void
a_path_over_path_max_is_refused_before_any_file_is_touched(struct th *t)
{
	static char dir[ATOMICFILE_PATH_MAX];
	struct errbuf e;

	/* dir + '/' + "x" is exactly PATH_MAX bytes: no room for the NUL */
	memset(dir, 'd', ATOMICFILE_PATH_MAX - 2);
	dir[0] = '/';
	dir[ATOMICFILE_PATH_MAX - 2] = '\0';
	CHECK_INT(t, atomicfile_write(dir, "x", "a", 1, NULL, &e), ATOMICFILE_ERR);
	CHECK(t, strstr(e.msg, ": path too long") != NULL);
	CHECK(t, strncmp(e.msg, dir, 64) == 0);
}

static void
a_target_that_cannot_be_looked_at_is_an_error(struct th *t)
{
	struct tdir d;
	struct errbuf e;
	char p[128];

	REQUIRE(t, tdir_make(&d));
	put(d.path, "file", "x");
	snprintf(p, sizeof(p), "%s/file/cfg.toml", d.path);
	CHECK_INT(t, atomicfile_target_check(p, &e), ATOMICFILE_ERR);
	CHECK(t, strstr(e.msg, "/file/cfg.toml: Not a directory") != NULL);
	tdir_remove(&d);
}

void
suite_atomicfile(struct th *t)
{
	th_run(t, "atomicfile: a path splits into its directory and last component",
	    a_path_splits_into_its_directory_and_last_component);
	th_run(t, "atomicfile: only an absent path or a regular file may be replaced",
	    only_an_absent_path_or_a_regular_file_may_be_replaced);
	th_run(t, "atomicfile: a symlinked directory is not written through",
	    a_symlinked_directory_is_not_written_through);
	th_run(t, "atomicfile: content is written with mode 0600 whatever the umask",
	    content_is_written_with_mode_0600_whatever_the_umask);
	th_run(t, "atomicfile: an old file is replaced by a new inode",
	    an_old_file_is_replaced_by_a_new_inode);
	th_run(t, "atomicfile: empty content gives an empty file", empty_content_gives_an_empty_file);
	th_run(t, "atomicfile: a missing directory is an error naming the path",
	    a_missing_directory_is_an_error_naming_the_path);
	th_run(t, "atomicfile: a directory in the way stays and no temp file is left",
	    a_directory_in_the_way_stays_and_no_temp_file_is_left);
	th_run(t, "atomicfile: a failed write leaves the old file untouched and no temp file",
	    a_failed_write_leaves_the_old_file_untouched_and_no_temp_file);
	th_run(t, "atomicfile: short writes and EINTR are retried", short_writes_and_eintr_are_retried);
	th_run(t, "atomicfile: the temp file is a random .tmp name in the same directory",
	    the_temp_file_is_a_random_dot_tmp_name_in_the_same_directory);
	th_run(t, "atomicfile: a failed fsync leaves the old file untouched",
	    a_failed_fsync_leaves_the_old_file_untouched);
	th_run(t, "atomicfile: the directory is fsynced after the rename",
	    the_directory_is_fsynced_after_the_rename);
	th_run(t, "atomicfile: a symlink at the target is replaced, not followed",
	    a_symlink_at_the_target_is_replaced_not_followed);
	th_run(t, "atomicfile: temp files an interrupted write left are removed by the next write",
	    temp_files_an_interrupted_write_left_are_removed_by_the_next_write);
	th_run(t, "atomicfile: names that are not one component are refused",
	    names_that_are_not_one_component_are_refused);
	th_run(t, "atomicfile: an existing temp name is retried and the entry there kept",
	    an_existing_temp_name_is_retried_and_the_file_there_kept);
	th_run(t, "atomicfile: a temp name taken on every try is an error and nothing is removed",
	    a_temp_name_taken_on_every_try_is_an_error_and_nothing_is_removed);
	th_run(t, "atomicfile: no randomness, no temp file", no_randomness_no_temp_file);
	th_run(t, "atomicfile: a directory removed under the writer is an error",
	    a_directory_removed_under_the_writer_is_an_error);
	th_run(t, "atomicfile: a write that makes no progress is an error, not a loop",
	    a_write_that_makes_no_progress_is_an_error_not_a_loop);
	th_run(t, "atomicfile: a path over PATH_MAX is refused before any file is touched",
	    a_path_over_path_max_is_refused_before_any_file_is_touched);
	th_run(t, "atomicfile: a target that cannot be looked at is an error",
	    a_target_that_cannot_be_looked_at_is_an_error);
}
