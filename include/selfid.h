/*
 * selfid — the id of the container the launcher runs in, if any.
 *
 * The takeover step stops every container that mounts the shared volume;
 * the launcher's own container mounts it too and must be spared.  The
 * engine bind-mounts /etc/hostname, /etc/hosts and /etc/resolv.conf from
 * <data-root>/containers/<id>/ into every container, so the id appears in
 * /proc/self/mountinfo (written by the kernel, not by anything the node
 * controls).  On a host, or where it cannot be found, there is none.
 *
 * Memory: the caller's buffer.  Errors: none; absence is an answer.
 */
#ifndef TL_SELFID_H
#define TL_SELFID_H

#include <stddef.h>

#define SELFID_HEX 64
#define SELFID_MOUNTINFO "/proc/self/mountinfo"
/* mountinfo of a container is a few KiB; more is read as "not found". */
#define SELFID_MOUNTINFO_MAX (256 * 1024)

/* Finds "/containers/<64 lowercase hex>/" in text[0..len); 1 and out set
 * (NUL-terminated) if found, else 0. */
int selfid_parse(const char *text, size_t len, char out[SELFID_HEX + 1]);

/* selfid_parse over SELFID_MOUNTINFO, read with readfile_regular() (procfs
 * reports it as a regular file of size 0; unreadable or too long: 0). */
int selfid_read(char out[SELFID_HEX + 1]);

#endif
