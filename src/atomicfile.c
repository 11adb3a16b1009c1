#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"

struct job {
	const char *dir, *name;
	const struct atomicfile_ops *ops;
	int dirfd, fd;
	char tmp[sizeof(ATOMICFILE_TEMP_PREFIX) + ATOMICFILE_TEMP_RANDOM];
};

static ssize_t
do_write(const struct job *j, const void *p, size_t n)
{
	if (j->ops != NULL && j->ops->write != NULL)
		return j->ops->write(j->ops->ctx, j->fd, p, n);
	return write(j->fd, p, n);
}

static int
do_fsync(const struct job *j, int fd)
{
	if (j->ops != NULL && j->ops->fsync != NULL)
		return j->ops->fsync(j->ops->ctx, fd);
	return fsync(fd);
}

static int
fail(const struct job *j, struct errbuf *err, const char *step, int en)
{
	errbuf_set(err, "%s/%s: %s: %s", j->dir, j->name, step, strerror(en));
	return ATOMICFILE_ERR;
}

static int
name_ok(const char *name)
{
	return name[0] != '\0' && strchr(name, '/') == NULL &&
	    strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

static ssize_t
do_getrandom(const struct job *j, void *buf, size_t n)
{
	if (j->ops != NULL && j->ops->getrandom != NULL)
		return j->ops->getrandom(j->ops->ctx, buf, n);
	return getrandom(buf, n, 0);
}

static int
random_suffix(const struct job *j, char *out, size_t n)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[ATOMICFILE_TEMP_RANDOM];
	size_t i;
	ssize_t got;

	do
		got = do_getrandom(j, r, n);
	while (got < 0 && errno == EINTR);
	if (got != (ssize_t)n)
		return -1;
	/* 62 does not divide 256: the bias is irrelevant for a temp name. */
	for (i = 0; i < n; i++)
		out[i] = alphabet[r[i] % (sizeof(alphabet) - 1)];
	return 0;
}

static int
create_temp(struct job *j, struct errbuf *err)
{
	char cand[sizeof(j->tmp)];
	size_t plen = sizeof(ATOMICFILE_TEMP_PREFIX) - 1;
	int i;

	memcpy(cand, ATOMICFILE_TEMP_PREFIX, plen);
	cand[plen + ATOMICFILE_TEMP_RANDOM] = '\0';
	for (i = 0; i < ATOMICFILE_TEMP_TRIES && j->fd < 0; i++) {
		if (random_suffix(j, cand + plen, ATOMICFILE_TEMP_RANDOM) != 0)
			return fail(j, err, "getrandom", errno ? errno : EIO);
		j->fd = openat(j->dirfd, cand,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    ATOMICFILE_MODE);
		if (j->fd < 0 && errno != EEXIST)
			return fail(j, err, "create temp file", errno);
	}
	if (j->fd < 0)
		return fail(j, err, "create temp file", EEXIST);
	/* Only a file we created is ever unlinked on failure. */
	memcpy(j->tmp, cand, sizeof(cand));
	/* The umask may have removed bits; the mode must not depend on it. */
	if (fchmod(j->fd, ATOMICFILE_MODE) != 0)
		return fail(j, err, "chmod temp file", errno);
	return ATOMICFILE_OK;
}

static int
write_all(struct job *j, const unsigned char *p, size_t len, struct errbuf *err)
{
	while (len > 0) {
		ssize_t n = do_write(j, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(j, err, "write temp file", errno);
		if (n == 0)
			return fail(j, err, "write temp file", EIO);
		p += n;
		len -= (size_t)n;
	}
	return ATOMICFILE_OK;
}

static int
is_temp_name(const char *n)
{
	size_t plen = sizeof(ATOMICFILE_TEMP_PREFIX) - 1, i;

	if (strncmp(n, ATOMICFILE_TEMP_PREFIX, plen) != 0 ||
	    strlen(n) != plen + ATOMICFILE_TEMP_RANDOM)
		return 0;
	for (i = plen; n[i] != '\0'; i++)
		if (!((n[i] >= 'A' && n[i] <= 'Z') || (n[i] >= 'a' && n[i] <= 'z') ||
		    (n[i] >= '0' && n[i] <= '9')))
			return 0;
	return 1;
}

/* A writer killed between creating its temp file and the rename left it
 * behind; nobody else writes here meanwhile (the caller serialises), so
 * every name of our pattern is such a leftover.  Best effort: a failure
 * leaves the file, never the write. */
static void
sweep_temps(int dirfd)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *e;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL)
		if (is_temp_name(e->d_name))
			unlinkat(dirfd, e->d_name, 0);
	closedir(d);
}

/* Everything up to and including the rename; the caller cleans up. */
static int
stage(struct job *j, const void *data, size_t len, struct errbuf *err)
{
	if (create_temp(j, err) != ATOMICFILE_OK ||
	    write_all(j, data, len, err) != ATOMICFILE_OK)
		return ATOMICFILE_ERR;
	if (do_fsync(j, j->fd) != 0)
		return fail(j, err, "fsync temp file", errno);
	if (close(j->fd) != 0) {
		j->fd = -1;
		return fail(j, err, "close temp file", errno);
	}
	j->fd = -1;
	if (renameat(j->dirfd, j->tmp, j->dirfd, j->name) != 0)
		return fail(j, err, "rename temp file over target", errno);
	j->tmp[0] = '\0'; /* nothing left to unlink */
	return ATOMICFILE_OK;
}

int
atomicfile_write(const char *dir, const char *name, const void *data,
    size_t len, const struct atomicfile_ops *ops, struct errbuf *err)
{
	struct job j;
	int rc;

	memset(&j, 0, sizeof(j));
	j.dir = dir;
	j.name = name;
	j.ops = ops;
	j.fd = -1;
	if (!name_ok(name)) {
		errbuf_set(err, "%s/%s: invalid file name", dir, name);
		return ATOMICFILE_ERR;
	}
	if (strlen(dir) + 1 + strlen(name) >= ATOMICFILE_PATH_MAX) {
		errbuf_set(err, "%.64s…: path too long", dir);
		return ATOMICFILE_ERR;
	}
	j.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (j.dirfd < 0)
		return fail(&j, err, "open directory", errno);
	sweep_temps(j.dirfd);
	rc = stage(&j, data, len, err);
	if (j.fd >= 0)
		close(j.fd);
	if (rc != ATOMICFILE_OK && j.tmp[0] != '\0')
		unlinkat(j.dirfd, j.tmp, 0);
	/* Without this the rename itself may not survive a power loss. */
	if (rc == ATOMICFILE_OK && do_fsync(&j, j.dirfd) != 0)
		rc = fail(&j, err, "fsync directory", errno);
	close(j.dirfd);
	return rc;
}

int
atomicfile_target_check(const char *path, struct errbuf *err)
{
	struct stat st;

	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return ATOMICFILE_OK;
		errbuf_set(err, "%s: %s", path, strerror(errno));
		return ATOMICFILE_ERR;
	}
	if (S_ISREG(st.st_mode))
		return ATOMICFILE_OK;
	errbuf_set(err, "%s: is a %s, not a regular file; refusing to replace it", path,
	    S_ISLNK(st.st_mode) ? "symbolic link" : S_ISDIR(st.st_mode) ? "directory" :
	    S_ISFIFO(st.st_mode) ? "FIFO" : S_ISSOCK(st.st_mode) ? "socket" : "device");
	return ATOMICFILE_ERR;
}

int
atomicfile_split(const char *path, char *dir, size_t cap, const char **name)
{
	const char *slash = path != NULL ? strrchr(path, '/') : NULL;
	size_t n;

	if (slash == NULL || slash[1] == '\0')
		return ATOMICFILE_ERR;
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n + 1 > cap)
		return ATOMICFILE_ERR;
	memcpy(dir, path, n);
	dir[n] = '\0';
	*name = slash + 1;
	return ATOMICFILE_OK;
}
