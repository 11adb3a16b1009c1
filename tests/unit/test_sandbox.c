/*
 * The seccomp program is hand-written with relative jumps; these tests run
 * it through a classic-BPF interpreter for the instructions it may use, so
 * a miscounted offset shows up here, not as a dead resolver.  The kernel's
 * verdicts on the same calls are checked for real by tests/sandbox/probe.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "harness.h"
#include "sandbox.h"

#define ALLOW 0x7fff0000u
#define EPERM_RET (0x00050000u | EPERM)
#define KILL 0x80000000u
#define X86_64 0xc000003eu

struct call {
	uint32_t nr, arch;
	uint64_t ip, args[6];
};

/* Returns the verdict, or 1 for a program error (bad jump, bad opcode). */
static uint32_t
run(const struct call *c)
{
	size_t n, pc = 0;
	const struct sandbox_insn *f = sandbox_filter(&n);
	unsigned char data[sizeof(*c)];
	uint32_t a = 0;

	memcpy(data, c, sizeof(data));
	while (pc < n) {
		const struct sandbox_insn *i = &f[pc++];

		switch (i->code) {
		case 0x20:
			if (i->k + 4 > sizeof(data) || i->k % 4 != 0)
				return 1;
			memcpy(&a, data + i->k, 4);
			break;
		case 0x15: pc += a == i->k ? i->jt : i->jf; break;
		case 0x35: pc += a >= i->k ? i->jt : i->jf; break;
		case 0x45: pc += (a & i->k) != 0 ? i->jt : i->jf; break;
		case 0x05: pc += i->k; break;
		case 0x06: return i->k;
		default: return 1;
		}
	}
	return 1; /* fell off the end */
}

static uint32_t
verdict(uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct call c = { nr, X86_64, 0, { a0, a1, a2, 0, 0, 0 } };

	return run(&c);
}

static void
what_the_resolver_calls_is_allowed(struct th *t)
{
	static const uint32_t ok[] = {
		SYS_read, SYS_write, SYS_poll, SYS_sendto, SYS_recvfrom, SYS_close,
		SYS_connect, SYS_getsockopt, SYS_setsockopt, SYS_getrandom, SYS_munmap,
		SYS_clock_gettime, SYS_fcntl, SYS_readv, SYS_writev, SYS_bind,
		SYS_getsockname, SYS_brk, SYS_mremap, SYS_madvise, SYS_nanosleep,
		SYS_clock_nanosleep, SYS_rt_sigprocmask, SYS_exit, SYS_exit_group,
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		CHECK_INT(t, verdict(ok[i], 0, 0, 0), ALLOW);
	CHECK_INT(t, verdict(SYS_socket, AF_INET, SOCK_STREAM, 0), ALLOW);
	CHECK_INT(t, verdict(SYS_socket, AF_INET6, SOCK_DGRAM, 0), ALLOW);
	CHECK_INT(t, verdict(SYS_open, 0, O_RDONLY | O_CLOEXEC, 0), ALLOW);
	CHECK_INT(t, verdict(SYS_openat, (uint32_t)AT_FDCWD, 0, O_RDONLY | O_CLOEXEC), ALLOW);
	CHECK_INT(t, verdict(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE), ALLOW);
}

static void
everything_else_fails_with_eperm(struct th *t)
{
	static const uint32_t no[] = {
		SYS_execve, SYS_execveat, SYS_ptrace, SYS_kill, SYS_tkill, SYS_tgkill,
		SYS_mount, SYS_chmod, SYS_fchmod, SYS_unlink, SYS_rename, SYS_mprotect,
		SYS_fork, SYS_clone, SYS_openat2, SYS_socketpair, SYS_ioctl, SYS_mkdir,
		SYS_process_vm_writev, SYS_setuid, SYS_chroot, SYS_bpf, SYS_seccomp,
	};
	size_t i;

	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		CHECK_INT(t, verdict(no[i], 0, 0, 0), EPERM_RET);
	CHECK_INT(t, verdict(SYS_socket, AF_UNIX, SOCK_STREAM, 0), EPERM_RET);
	CHECK_INT(t, verdict(SYS_socket, AF_NETLINK, SOCK_RAW, 0), EPERM_RET);
	CHECK_INT(t, verdict(SYS_socket, AF_PACKET, SOCK_RAW, 0), EPERM_RET);
	CHECK_INT(t, verdict(SYS_open, 0, O_WRONLY, 0), EPERM_RET);
	CHECK_INT(t, verdict(SYS_open, 0, O_RDWR, 0), EPERM_RET);
	CHECK_INT(t, verdict(SYS_open, 0, O_RDONLY | O_CREAT, 0), EPERM_RET);
	CHECK_INT(t, verdict(SYS_open, 0, O_RDONLY | O_TRUNC, 0), EPERM_RET);
	CHECK_INT(t, verdict(SYS_open, 0, O_RDONLY | O_APPEND, 0), EPERM_RET);
	CHECK_INT(t, verdict(SYS_openat, 0, 0, O_WRONLY | O_CREAT), EPERM_RET);
	CHECK_INT(t, verdict(SYS_openat, 0, 0, O_TMPFILE | O_RDWR), EPERM_RET);
	/* openat's flags are its third argument, not its second. */
	CHECK_INT(t, verdict(SYS_openat, 0, O_WRONLY, O_RDONLY), ALLOW);
	CHECK_INT(t, verdict(SYS_mmap, 0, 4096, PROT_READ | PROT_EXEC), EPERM_RET);
}

static void
other_abis_are_killed(struct th *t)
{
	struct call c = { SYS_read, 0x40000003u /* i386 */, 0, { 0 } };

	CHECK_INT(t, run(&c), KILL);
	c.arch = X86_64;
	c.nr = 0x40000000u | SYS_read; /* x32 */
	CHECK_INT(t, run(&c), KILL);
	c.nr = 0x40000000u | SYS_execve;
	CHECK_INT(t, run(&c), KILL);
}

void suite_sandbox(struct th *t);

void
suite_sandbox(struct th *t)
{
	th_run(t, "sandbox: the filter allows the calls of the walk, socket only for "
	    "AF_INET/6, open only to read, mmap only without exec",
	    what_the_resolver_calls_is_allowed);
	th_run(t, "sandbox: execve, ptrace, kill, mount, AF_UNIX, writing opens and any "
	    "other call fail with EPERM", everything_else_fails_with_eperm);
	th_run(t, "sandbox: i386 and x32 system calls kill the process",
	    other_abis_are_killed);
}
