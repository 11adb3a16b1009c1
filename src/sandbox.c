/*
 * sandbox — see include/sandbox.h.  Kernel ABI constants are spelled out
 * here because musl ships no linux/ headers; the values are the kernel's
 * (linux/seccomp.h, linux/filter.h, linux/audit.h, linux/landlock.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"

/* ---- seccomp ------------------------------------------------------- */

#define SECCOMP_MODE_FILTER 2
#define RET_KILL 0x80000000u /* SECCOMP_RET_KILL_PROCESS */
#define RET_EPERM (0x00050000u | EPERM)
#define RET_ALLOW 0x7fff0000u
#define AUDIT_ARCH_X86_64 0xc000003eu
/* x32 system calls are x86-64 numbers with this bit: another ABI. */
#define X32_SYSCALL_BIT 0x40000000u

/* struct seccomp_data: nr, arch, ip, then the low word of args[i]. */
#define OFF_NR 0
#define OFF_ARCH 4
#define OFF_ARG(i) (16 + 8 * (i))

#define LD(off) { 0x20, 0, 0, (off) }            /* BPF_LD|BPF_W|BPF_ABS */
#define JEQ(k, t, f) { 0x15, (t), (f), (k) }     /* BPF_JMP|BPF_JEQ|BPF_K */
#define JGE(k, t, f) { 0x35, (t), (f), (k) }
#define JSET(k, t, f) { 0x45, (t), (f), (k) }
#define JA(k) { 0x05, 0, 0, (k) }
#define RET(k) { 0x06, 0, 0, (k) }               /* BPF_RET|BPF_K */

/* Write, create, truncate or append: O_ACCMODE|O_CREAT|O_TRUNC|O_APPEND.
 * O_TMPFILE needs a write access mode, so it is covered. */
#define OPEN_WRITE_FLAGS 03103u
#define PROT_EXEC_BIT 4u

/* Plain allowed calls: entry j jumps over the rest of the list and the
 * 13 instructions of argument checks that follow it to the ALLOW return. */
#define NPLAIN 25
#define OK_IF(nr, j) JEQ((nr), NPLAIN - (j) + 12, 0)

static const struct sandbox_insn filter[] = {
	LD(OFF_ARCH),
	JEQ(AUDIT_ARCH_X86_64, 1, 0),
	RET(RET_KILL),
	LD(OFF_NR),
	JGE(X32_SYSCALL_BIT, 0, 1),
	RET(RET_KILL),
	/* The TCP/TLS client, musl's resolver (hosts, resolv.conf, DNS over
	 * UDP, source-address sorting), malloc, logging, sleeping, exit. */
	OK_IF(SYS_read, 0), OK_IF(SYS_write, 1), OK_IF(SYS_poll, 2),
	OK_IF(SYS_sendto, 3), OK_IF(SYS_recvfrom, 4), OK_IF(SYS_close, 5),
	OK_IF(SYS_connect, 6), OK_IF(SYS_getsockopt, 7), OK_IF(SYS_setsockopt, 8),
	OK_IF(SYS_getrandom, 9), OK_IF(SYS_munmap, 10), OK_IF(SYS_clock_gettime, 11),
	OK_IF(SYS_fcntl, 12), OK_IF(SYS_readv, 13), OK_IF(SYS_writev, 14),
	OK_IF(SYS_bind, 15), OK_IF(SYS_getsockname, 16), OK_IF(SYS_brk, 17),
	OK_IF(SYS_mremap, 18), OK_IF(SYS_madvise, 19), OK_IF(SYS_nanosleep, 20),
	OK_IF(SYS_clock_nanosleep, 21), OK_IF(SYS_rt_sigprocmask, 22),
	OK_IF(SYS_exit, 23), OK_IF(SYS_exit_group, 24),
	/* socket(): Internet families only (no AF_UNIX: the engine socket). */
	JEQ(SYS_socket, 0, 3),
	LD(OFF_ARG(0)),
	JEQ(2 /* AF_INET */, 10, 0),
	JEQ(10 /* AF_INET6 */, 9, 10),
	/* open(path, flags) and openat(dir, path, flags): reading only. */
	JEQ(SYS_open, 0, 2),
	LD(OFF_ARG(1)),
	JA(2),
	JEQ(SYS_openat, 0, 2),
	LD(OFF_ARG(2)),
	JSET(OPEN_WRITE_FLAGS, 4, 3),
	/* mmap(): no executable memory for injected code. */
	JEQ(SYS_mmap, 0, 3),
	LD(OFF_ARG(2)),
	JSET(PROT_EXEC_BIT, 1, 0),
	RET(RET_ALLOW),
	RET(RET_EPERM),
};

const struct sandbox_insn *
sandbox_filter(size_t *n)
{
	*n = sizeof(filter) / sizeof(filter[0]);
	return filter;
}

/* struct sock_fprog: read by the kernel, never by us. */
struct fprog {
	/* cppcheck-suppress unusedStructMember ; read by prctl(PR_SET_SECCOMP) */
	unsigned short len;
	/* cppcheck-suppress unusedStructMember ; read by prctl(PR_SET_SECCOMP) */
	const struct sandbox_insn *filter;
};

/* ---- landlock ------------------------------------------------------ */

#define LL_RULE_PATH_BENEATH 1
#define LL_READ_FILE (1u << 2)
/* Every file-system right of Landlock ABI 1: whatever is handled and not
 * granted below is denied.  What later ABIs add (REFER: rename and link
 * across directories, TRUNCATE) is refused by the seccomp filter. */
#define LL_HANDLED_ABI1 0x1fffu

struct ll_path_beneath {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

/* A path that cannot be opened gets no rule: less access, never more. */
static int
landlock(const char *const *read_only)
{
	struct ll_path_beneath pb = { LL_READ_FILE, -1 };
	uint64_t handled = LL_HANDLED_ABI1;
	int rs, rc = 0;

	rs = (int)syscall(SYS_landlock_create_ruleset, &handled, sizeof(handled), 0);
	/* EPERM: a container runtime's seccomp profile without Landlock. */
	if (rs < 0 && (errno == ENOSYS || errno == EOPNOTSUPP || errno == EPERM)) {
		log_event(LOG_WARN, "no Landlock in this kernel: the resolver's file "
		    "access is limited by seccomp alone");
		return 0;
	}
	if (rs < 0)
		return -1;
	for (; *read_only != NULL && rc == 0; read_only++) {
		if ((pb.parent_fd = open(*read_only, O_PATH | O_CLOEXEC)) < 0)
			continue;
		rc = (int)syscall(SYS_landlock_add_rule, rs, LL_RULE_PATH_BENEATH, &pb, 0);
		close(pb.parent_fd);
	}
	if (rc == 0)
		rc = (int)syscall(SYS_landlock_restrict_self, rs, 0);
	close(rs);
	return rc;
}

/* ---- the whole sequence -------------------------------------------- */

int
sandbox_enter(const char *const *read_only, struct errbuf *err)
{
	struct fprog prog = { sizeof(filter) / sizeof(filter[0]), filter };
	const char *step;

	/* close_range: Linux 5.9; TDX guests need newer. */
	close(0);
	if (syscall(SYS_close_range, 3, ~0u, 0) != 0)
		step = "close file descriptors";
	else if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		step = "no_new_privs";
	else if (landlock(read_only) != 0)
		step = "landlock";
	else if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0)
		step = "seccomp filter";
	else
		return 0;
	errbuf_set(err, "sandbox: %s: %s", step, strerror(errno));
	return -1;
}
