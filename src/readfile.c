#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "readfile.h"

static const char *
type_name(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "of an unknown type";
}

/* Type and size from fstat, before a single byte is read. */
static enum readfile_result
check_stat(const struct readfile *f, struct errbuf *err)
{
	struct stat st;

	if (fstat(f->fd, &st) != 0) {
		errbuf_set(err, "%s: fstat: %s", f->path, strerror(errno));
		return READFILE_ERR_OPEN;
	}
	if (S_ISDIR(st.st_mode)) {
		errbuf_set(err, "%s: is a directory, not a regular file", f->path);
		return READFILE_ERR_ISDIR;
	}
	if (!S_ISREG(st.st_mode)) {
		errbuf_set(err, "%s: not a regular file (%s)", f->path,
		    type_name(st.st_mode));
		return READFILE_ERR_TYPE;
	}
	/* st_size is an off_t: compare in uintmax_t, after ruling out < 0. */
	if (st.st_size < 0 || (uintmax_t)st.st_size > (uintmax_t)f->max) {
		errbuf_set(err, "%s: larger than %zu bytes", f->path, f->max);
		return READFILE_ERR_SIZE;
	}
	return READFILE_OK;
}

enum readfile_result
readfile_open(struct readfile *f, const char *path, size_t max,
    struct errbuf *err)
{
	enum readfile_result rc;
	int en;

	f->path = path;
	f->max = max;
	f->total = 0;
	do
		f->fd = open(path, READFILE_OPEN_FLAGS);
	while (f->fd < 0 && errno == EINTR);
	if (f->fd < 0) {
		en = errno;
		errbuf_set(err, "%s: cannot open: %s", path, strerror(en));
		return en == ENOENT ? READFILE_ABSENT : READFILE_ERR_OPEN;
	}
	rc = check_stat(f, err);
	if (rc != READFILE_OK)
		readfile_close(f);
	return rc;
}

/* One read(2), EINTR retried. */
static enum readfile_result
read_once(struct readfile *f, void *buf, size_t cap, size_t *got,
    struct errbuf *err)
{
	ssize_t n;

	do
		n = read(f->fd, buf, cap);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		errbuf_set(err, "%s: read: %s", f->path, strerror(errno));
		return READFILE_ERR_READ;
	}
	*got = (size_t)n;
	return READFILE_OK;
}

enum readfile_result
readfile_read(struct readfile *f, void *buf, size_t cap, size_t *got,
    struct errbuf *err)
{
	enum readfile_result rc;
	unsigned char probe;
	size_t room = f->max - f->total;

	*got = 0;
	if (room == 0) {
		/* At the bound: one more byte means the file grew past it. */
		rc = read_once(f, &probe, 1, got, err);
		if (rc == READFILE_OK && *got != 0) {
			*got = 0;
			errbuf_set(err, "%s: larger than %zu bytes (it grew while "
			    "being read)", f->path, f->max);
			return READFILE_ERR_SIZE;
		}
		return rc;
	}
	if (cap == 0) {
		errbuf_set(err, "%s: read into an empty buffer", f->path);
		return READFILE_ERR_READ;
	}
	rc = read_once(f, buf, cap < room ? cap : room, got, err);
	if (rc == READFILE_OK)
		f->total += *got;
	return rc;
}

void
readfile_close(struct readfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

enum readfile_result
readfile_regular(const char *path, void *buf, size_t max, size_t *len,
    struct errbuf *err)
{
	struct readfile f;
	enum readfile_result rc;
	size_t got = 0;

	*len = 0;
	rc = readfile_open(&f, path, max, err);
	while (rc == READFILE_OK) {
		rc = readfile_read(&f, (char *)buf + f.total, max - f.total,
		    &got, err);
		if (got == 0)
			break;
	}
	if (f.fd >= 0)
		readfile_close(&f);
	if (rc == READFILE_OK)
		*len = f.total;
	return rc;
}
