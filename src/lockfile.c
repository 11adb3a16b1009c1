#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "lockfile.h"

static int
open_regular(const char *path, int *fd, struct errbuf *err)
{
	struct stat st;

	*fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK |
	    O_CLOEXEC, 0600);
	if (*fd < 0) {
		errbuf_set(err, "%s: open: %s", path, strerror(errno));
		return LOCKFILE_ERR;
	}
	if (fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		errbuf_set(err, "%s: not a regular file", path);
		close(*fd);
		*fd = -1;
		return LOCKFILE_ERR;
	}
	return LOCKFILE_OK;
}

int
lockfile_acquire(const char *path, int timeout_ms, int *fd, struct errbuf *err)
{
	long long deadline = clock_monotonic_ms() + timeout_ms;

	if (open_regular(path, fd, err) != LOCKFILE_OK)
		return LOCKFILE_ERR;
	for (;;) {
		if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
			return LOCKFILE_OK;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			errbuf_set(err, "%s: flock: %s", path, strerror(errno));
			break;
		}
		if (clock_monotonic_ms() >= deadline) {
			errbuf_set(err, "%s: still locked by another process after %d ms",
			    path, timeout_ms);
			break;
		}
		clock_sleep_ms(LOCKFILE_POLL_MS);
	}
	close(*fd);
	*fd = -1;
	return LOCKFILE_ERR;
}

int
lockfile_check(const char *path, int fd, struct errbuf *err)
{
	struct stat held, named;
	int gone;

	if (fstat(fd, &held) != 0) {
		errbuf_set(err, "%s: fstat: %s", path, strerror(errno));
		return LOCKFILE_ERR;
	}
	gone = lstat(path, &named) != 0;
	if (gone && errno != ENOENT) {
		errbuf_set(err, "%s: lstat: %s", path, strerror(errno));
		return LOCKFILE_ERR;
	}
	if (gone || !S_ISREG(named.st_mode) || held.st_dev != named.st_dev ||
	    held.st_ino != named.st_ino) {
		errbuf_set(err, "%s: the lock file was replaced while we waited for it "
		    "(another launcher may hold the new one)", path);
		return LOCKFILE_ERR;
	}
	return LOCKFILE_OK;
}
