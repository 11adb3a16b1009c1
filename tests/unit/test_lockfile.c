/* lockfile: exclusive, bounded wait, and no symlink or swapped file. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "lockfile.h"

struct dir {
	char path[64], lock[96], other[96];
};

static int
dir_make(struct dir *d)
{
	snprintf(d->path, sizeof(d->path), "/tmp/lockfile-test-XXXXXX");
	if (mkdtemp(d->path) == NULL)
		return 0;
	snprintf(d->lock, sizeof(d->lock), "%s/l.lock", d->path);
	snprintf(d->other, sizeof(d->other), "%s/other", d->path);
	return 1;
}

static void
dir_remove(const struct dir *d)
{
	unlink(d->lock);
	unlink(d->other);
	rmdir(d->path);
}

static void
a_second_holder_waits_then_times_out(struct th *t)
{
	struct dir d;
	struct errbuf e;
	int a, b;

	REQUIRE(t, dir_make(&d));
	REQUIRE_INT(t, lockfile_acquire(d.lock, 100, &a, &e), LOCKFILE_OK);
	CHECK_INT(t, lockfile_check(d.lock, a, &e), LOCKFILE_OK);
	CHECK_INT(t, lockfile_acquire(d.lock, 50, &b, &e), LOCKFILE_ERR);
	CHECK(t, strstr(e.msg, "still locked by another process after 50 ms") != NULL);
	CHECK_INT(t, b, -1);
	close(a);
	CHECK_INT(t, lockfile_acquire(d.lock, 50, &b, &e), LOCKFILE_OK);
	close(b);
	dir_remove(&d);
}

static void
a_symlink_or_a_directory_is_never_locked_through(struct th *t)
{
	struct dir d;
	struct errbuf e;
	struct stat st;
	int fd;

	REQUIRE(t, dir_make(&d));
	REQUIRE(t, symlink(d.other, d.lock) == 0);
	CHECK_INT(t, lockfile_acquire(d.lock, 50, &fd, &e), LOCKFILE_ERR);
	CHECK(t, strstr(e.msg, "open:") != NULL);
	CHECK(t, lstat(d.other, &st) != 0); /* nothing created at the target */
	unlink(d.lock);
	REQUIRE(t, mkdir(d.lock, 0700) == 0);
	CHECK_INT(t, lockfile_acquire(d.lock, 50, &fd, &e), LOCKFILE_ERR);
	rmdir(d.lock);
	dir_remove(&d);
}

static void
a_lock_file_replaced_while_held_is_detected(struct th *t)
{
	struct dir d;
	struct errbuf e;
	int a, fd;

	REQUIRE(t, dir_make(&d));
	REQUIRE_INT(t, lockfile_acquire(d.lock, 50, &a, &e), LOCKFILE_OK);
	/* what an old node could do to the shared volume before it is stopped */
	unlink(d.lock);
	fd = open(d.lock, O_CREAT | O_WRONLY, 0600);
	REQUIRE(t, fd >= 0);
	close(fd);
	CHECK_INT(t, lockfile_check(d.lock, a, &e), LOCKFILE_ERR);
	CHECK(t, strstr(e.msg, "the lock file was replaced") != NULL);
	unlink(d.lock);
	CHECK_INT(t, lockfile_check(d.lock, a, &e), LOCKFILE_ERR);
	close(a);
	dir_remove(&d);
}

/* A failing stat is named as what it is, not taken for a replaced lock. */
static void
a_failing_stat_is_not_reported_as_a_replaced_lock(struct th *t)
{
	struct dir d;
	struct errbuf e;
	char loop[300], inside[320];
	int a;

	REQUIRE(t, dir_make(&d));
	REQUIRE_INT(t, lockfile_acquire(d.lock, 50, &a, &e), LOCKFILE_OK);
	snprintf(loop, sizeof(loop), "%s.loop", d.lock);
	snprintf(inside, sizeof(inside), "%s/lock", loop);
	REQUIRE(t, symlink(loop, loop) == 0);
	CHECK_INT(t, lockfile_check(inside, a, &e), LOCKFILE_ERR);
	CHECK(t, strstr(e.msg, ": lstat: ") != NULL && strstr(e.msg, "replaced") == NULL);
	CHECK_INT(t, lockfile_check(d.lock, -1, &e), LOCKFILE_ERR);
	CHECK(t, strstr(e.msg, ": fstat: ") != NULL);
	CHECK_INT(t, lockfile_check(d.lock, a, &e), LOCKFILE_OK);
	unlink(loop);
	close(a);
	unlink(d.lock);
	dir_remove(&d);
}

void
suite_lockfile(struct th *t)
{
	th_run(t, "lockfile: a second holder waits, then times out",
	    a_second_holder_waits_then_times_out);
	th_run(t, "lockfile: a symlink or a directory is never locked through",
	    a_symlink_or_a_directory_is_never_locked_through);
	th_run(t, "lockfile: a lock file replaced while held is detected",
	    a_lock_file_replaced_while_held_is_detected);
	th_run(t, "lockfile: a failing stat is not reported as a replaced lock",
	    a_failing_stat_is_not_reported_as_a_replaced_lock);
}
