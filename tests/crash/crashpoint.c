/*
 * crashpoint — run a program under ptrace, count its system calls, and
 * either SIGKILL it (with every process it started) at its N-th system
 * call, or make one occurrence of one system call fail with an errno.
 *
 *   crashpoint [-s STATS] [-l LIST] [-k N | -a NAME[@ARG0]:OCC:D]
 *              [-i NAME:ERRNO:OCC] -- PROG [ARGS...]
 *
 * Counted: every system-call entry of PROG and of the processes it forks,
 * until a forked process calls execve (the docker CLI, compose): those
 * are detached at exec (a Go program under ptrace is slow and its system
 * calls are not the launcher's), but remembered, so -k kills them too.
 * PROG runs in its own process group; -k sends SIGKILL to the group of
 * PROG and of every process it forked (spawn.c gives each child its own).
 *
 * -k N   at the entry of the N-th counted call: SIGKILL all, before the
 *        call runs (so calls 1..N-1 completed).  N past the end: no kill.
 * -a NAME[@ARG0]:OCC:D  the same, at the D-th call after the OCC-th NAME
 *        call (whose first argument is ARG0, when given; D = 0: at that
 *        call itself).  Anchored to a call rather than a number, because
 *        network reads make the count vary by a few from run to run:
 *        "-a pwrite64:1:1" kills right after the first pwrite64,
 *        "-a write@2:5:1" right after the fifth write to stderr.
 * -i     at the entry of the OCC-th NAME call (counted over all traced
 *        processes), the call is replaced by getpid (harmless; a seccomp
 *        filter that refuses getpid refuses it without killing) and its
 *        result is set to -ERRNO at exit.  close is the exception: Linux
 *        releases the descriptor whatever close returns, so close runs
 *        and only its result is replaced.  ERRNO is a name (EIO, ENOSPC,
 *        EINTR, EAGAIN, ECONNRESET, ...).
 * -s     at the end, STATS receives "total N", "killed_at N NAME" or
 *        "injected NAME ERRNO OCC" when that happened, and one
 *        "count NAME N" line per system call seen.
 * -l     LIST receives one line per counted call: "N PID NAME ARG0" (so a
 *        test can find the kill point right after a given call, e.g. the
 *        write to fd 2 of a given log line).
 *
 * Exit status: PROG's, or 128 + signal when it died by one.  x86-64 only.
 * A test tool (tests/crash/): not part of the launcher.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/ptrace.h>

#define MAX_PROCS 256
#define MAX_NR 512

struct sysname {
	long nr;
	const char *name;
};

/* The calls the launcher makes (strace -f of a launch) and a few more. */
static const struct sysname names[] = {
	{ SYS_read, "read" }, { SYS_write, "write" }, { SYS_open, "open" },
	{ SYS_close, "close" }, { SYS_stat, "stat" }, { SYS_fstat, "fstat" },
	{ SYS_lstat, "lstat" }, { SYS_poll, "poll" }, { SYS_lseek, "lseek" },
	{ SYS_mmap, "mmap" }, { SYS_mprotect, "mprotect" }, { SYS_munmap, "munmap" },
	{ SYS_brk, "brk" }, { SYS_rt_sigaction, "rt_sigaction" },
	{ SYS_rt_sigprocmask, "rt_sigprocmask" }, { SYS_ioctl, "ioctl" },
	{ SYS_pread64, "pread64" }, { SYS_pwrite64, "pwrite64" },
	{ SYS_readv, "readv" }, { SYS_writev, "writev" }, { SYS_access, "access" },
	{ SYS_pipe, "pipe" }, { SYS_dup2, "dup2" }, { SYS_nanosleep, "nanosleep" },
	{ SYS_getpid, "getpid" }, { SYS_socket, "socket" }, { SYS_connect, "connect" },
	{ SYS_sendto, "sendto" }, { SYS_recvfrom, "recvfrom" },
	{ SYS_sendmsg, "sendmsg" }, { SYS_recvmsg, "recvmsg" }, { SYS_bind, "bind" },
	{ SYS_getsockname, "getsockname" }, { SYS_setsockopt, "setsockopt" },
	{ SYS_getsockopt, "getsockopt" }, { SYS_clone, "clone" }, { SYS_fork, "fork" },
	{ SYS_vfork, "vfork" }, { SYS_execve, "execve" }, { SYS_exit, "exit" },
	{ SYS_wait4, "wait4" }, { SYS_kill, "kill" }, { SYS_uname, "uname" },
	{ SYS_fcntl, "fcntl" }, { SYS_flock, "flock" }, { SYS_fsync, "fsync" },
	{ SYS_fdatasync, "fdatasync" }, { SYS_ftruncate, "ftruncate" },
	{ SYS_getdents64, "getdents64" }, { SYS_rename, "rename" },
	{ SYS_mkdir, "mkdir" }, { SYS_rmdir, "rmdir" }, { SYS_unlink, "unlink" },
	{ SYS_readlink, "readlink" }, { SYS_chmod, "chmod" }, { SYS_fchmod, "fchmod" },
	{ SYS_umask, "umask" }, { SYS_getuid, "getuid" }, { SYS_setpgid, "setpgid" },
	{ SYS_prctl, "prctl" }, { SYS_arch_prctl, "arch_prctl" },
	{ SYS_statfs, "statfs" }, { SYS_fstatfs, "fstatfs" },
	{ SYS_set_tid_address, "set_tid_address" }, { SYS_exit_group, "exit_group" },
	{ SYS_clock_gettime, "clock_gettime" }, { SYS_clock_nanosleep, "clock_nanosleep" },
	{ SYS_openat, "openat" }, { SYS_mkdirat, "mkdirat" },
	{ SYS_newfstatat, "newfstatat" }, { SYS_unlinkat, "unlinkat" },
	{ SYS_renameat, "renameat" }, { SYS_renameat2, "renameat2" },
	{ SYS_readlinkat, "readlinkat" }, { SYS_fchmodat, "fchmodat" },
	{ SYS_faccessat, "faccessat" }, { SYS_ppoll, "ppoll" },
	{ SYS_pipe2, "pipe2" }, { SYS_dup3, "dup3" }, { SYS_getrandom, "getrandom" },
	{ SYS_seccomp, "seccomp" }, { SYS_statx, "statx" },
	{ SYS_close_range, "close_range" }, { SYS_madvise, "madvise" },
	{ SYS_mremap, "mremap" }, { SYS_landlock_create_ruleset, "landlock_create_ruleset" },
	{ SYS_landlock_add_rule, "landlock_add_rule" },
	{ SYS_landlock_restrict_self, "landlock_restrict_self" },
	{ SYS_rt_sigreturn, "rt_sigreturn" }, { SYS_sigaltstack, "sigaltstack" },
	{ SYS_getdents, "getdents" }, { SYS_chdir, "chdir" }, { SYS_fchdir, "fchdir" },
	{ SYS_faccessat2, "faccessat2" }, { SYS_shutdown, "shutdown" },
	{ SYS_accept4, "accept4" }, { SYS_epoll_wait, "epoll_wait" },
};

static const struct {
	const char *name;
	int value;
} errnos[] = {
	{ "EIO", EIO }, { "ENOSPC", ENOSPC }, { "EINTR", EINTR }, { "EAGAIN", EAGAIN },
	{ "ECONNRESET", ECONNRESET }, { "ECONNREFUSED", ECONNREFUSED },
	{ "EPIPE", EPIPE }, { "ENOMEM", ENOMEM }, { "EMFILE", EMFILE },
	{ "ENFILE", ENFILE }, { "EACCES", EACCES }, { "EPERM", EPERM },
	{ "ENOENT", ENOENT }, { "EDQUOT", EDQUOT }, { "EROFS", EROFS },
	{ "ETIMEDOUT", ETIMEDOUT }, { "EBADF", EBADF }, { "EBUSY", EBUSY },
	{ "EEXIST", EEXIST }, { "EWOULDBLOCK", EWOULDBLOCK }, { "ENOBUFS", ENOBUFS },
	{ "EHOSTUNREACH", EHOSTUNREACH }, { "ENETUNREACH", ENETUNREACH },
	{ "ENOLCK", ENOLCK }, { "EXDEV", EXDEV }, { "EINVAL", EINVAL },
};

struct proc {
	pid_t pid;
	int traced;      /* still under ptrace (not detached at exec) */
	int inject_exit; /* errno to set at this call's exit, or 0 */
};

struct state {
	struct proc p[MAX_PROCS];
	size_t np;
	pid_t root;
	int root_execed;
	unsigned long total, kill_at;
	unsigned long count[MAX_NR];
	long inj_nr;
	int inj_errno;
	unsigned long inj_occ;
	const char *inj_spec;
	int killed, injected;
	unsigned long killed_at;
	long killed_nr;
	FILE *list;
	long anchor_nr;
	long long anchor_arg; /* -1: any */
	unsigned long anchor_occ, anchor_seen, anchor_d;
};

static const char *
sys_name(long nr, char *buf, size_t cap)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].nr == nr)
			return names[i].name;
	snprintf(buf, cap, "sys_%ld", nr);
	return buf;
}

static long
sys_number(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].name, name) == 0)
			return names[i].nr;
	if (strncmp(name, "sys_", 4) == 0)
		return strtol(name + 4, NULL, 10);
	return -1;
}

static struct proc *
proc_find(struct state *s, pid_t pid, int add)
{
	size_t i;

	for (i = 0; i < s->np; i++)
		if (s->p[i].pid == pid)
			return &s->p[i];
	if (!add || s->np == MAX_PROCS)
		return NULL;
	s->p[s->np].pid = pid;
	s->p[s->np].traced = 1;
	s->p[s->np].inject_exit = 0;
	return &s->p[s->np++];
}

static void
kill_all(struct state *s)
{
	size_t i;

	for (i = 0; i < s->np; i++) {
		kill(-s->p[i].pid, SIGKILL);
		kill(s->p[i].pid, SIGKILL);
	}
	kill(-s->root, SIGKILL);
	kill(s->root, SIGKILL);
}

static void
on_entry(struct state *s, struct proc *p, long nr, unsigned long long arg0)
{
	struct user_regs_struct r;

	char buf[32];

	s->total++;
	if (nr >= 0 && nr < MAX_NR)
		s->count[nr]++;
	if (s->list != NULL)
		fprintf(s->list, "%lu %d %s %lld\n", s->total, (int)p->pid,
		    sys_name(nr, buf, sizeof(buf)), (long long)arg0);
	if (s->anchor_nr >= 0 && nr == s->anchor_nr &&
	    (s->anchor_arg < 0 || (long long)arg0 == s->anchor_arg) &&
	    ++s->anchor_seen == s->anchor_occ)
		s->kill_at = s->total + s->anchor_d;
	if (s->kill_at != 0 && s->total == s->kill_at && !s->killed) {
		s->killed = 1;
		s->killed_at = s->total;
		s->killed_nr = nr;
		kill_all(s);
		return;
	}
	if (s->inj_nr >= 0 && nr == s->inj_nr && !s->injected &&
	    nr < MAX_NR && s->count[nr] == s->inj_occ) {
		if (nr != SYS_close) {
			if (ptrace(PTRACE_GETREGS, p->pid, 0, &r) != 0)
				return;
			r.orig_rax = SYS_getpid;
			if (ptrace(PTRACE_SETREGS, p->pid, 0, &r) != 0)
				return;
		}
		s->injected = 1;
		p->inject_exit = s->inj_errno;
	}
}

static void
on_exit_stop(struct proc *p)
{
	struct user_regs_struct r;

	if (p->inject_exit == 0)
		return;
	if (ptrace(PTRACE_GETREGS, p->pid, 0, &r) == 0) {
		r.rax = (unsigned long long)(-(long long)p->inject_exit);
		ptrace(PTRACE_SETREGS, p->pid, 0, &r);
	}
	p->inject_exit = 0;
}

/* One ptrace stop of a traced process; returns the signal to deliver. */
static int
on_stop(struct state *s, struct proc *p, int status)
{
	int sig = WSTOPSIG(status), event = (unsigned)status >> 16;
	struct ptrace_syscall_info info;

	if (sig == (SIGTRAP | 0x80)) {
		memset(&info, 0, sizeof(info));
		if (ptrace(PTRACE_GET_SYSCALL_INFO, p->pid, sizeof(info), &info) <= 0)
			return 0;
		if (info.op == PTRACE_SYSCALL_INFO_ENTRY && s->root_execed)
			on_entry(s, p, (long)info.entry.nr, info.entry.args[0]);
		else if (info.op == PTRACE_SYSCALL_INFO_EXIT)
			on_exit_stop(p);
		return 0;
	}
	if (sig == SIGTRAP && event == PTRACE_EVENT_EXEC) {
		if (p->pid == s->root && !s->root_execed) {
			s->root_execed = 1;
			return 0;
		}
		if (p->pid != s->root) {
			ptrace(PTRACE_DETACH, p->pid, 0, 0);
			p->traced = 0;
			return -1;
		}
		return 0;
	}
	if (sig == SIGTRAP && event != 0)
		return 0; /* fork/vfork/clone events: the child is added on its stop */
	if (sig == SIGSTOP && event == 0 && p->inject_exit == 0)
		return 0; /* a new child's first stop (or a stop we do not forward) */
	return sig;
}

static int
usage(void)
{
	fputs("usage: crashpoint [-s STATS] [-l LIST] [-k N | -a NAME[@ARG0]:OCC:D] "
	    "[-i NAME:ERRNO:OCC] -- PROG [ARGS...]\n", stderr);
	return 2;
}

static int
parse_anchor(struct state *s, const char *spec)
{
	char name[64], *end;
	const char *at;
	int n = 0;

	if (sscanf(spec, "%63[^:@]%n", name, &n) != 1)
		return -1;
	at = spec + n;
	s->anchor_arg = -1;
	if (*at == '@') {
		s->anchor_arg = strtoll(at + 1, &end, 10);
		if (s->anchor_arg < 0 || end == at + 1)
			return -1;
		at = end;
	}
	if (sscanf(at, ":%lu:%lu", &s->anchor_occ, &s->anchor_d) != 2 || s->anchor_occ == 0)
		return -1;
	s->anchor_nr = sys_number(name);
	return s->anchor_nr < 0 ? -1 : 0;
}

static int
parse_inject(struct state *s, char *spec)
{
	char *a = strchr(spec, ':'), *b;
	size_t i;

	if (a == NULL || (b = strchr(a + 1, ':')) == NULL)
		return -1;
	*a = '\0';
	*b = '\0';
	s->inj_nr = sys_number(spec);
	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (strcmp(errnos[i].name, a + 1) == 0)
			s->inj_errno = errnos[i].value;
	s->inj_occ = strtoul(b + 1, NULL, 10);
	return s->inj_nr < 0 || s->inj_errno == 0 || s->inj_occ == 0 ? -1 : 0;
}

static void
write_stats(const struct state *s, const char *path, int inj_errno_name_ok,
    const char *inj_name, const char *inj_errno)
{
	FILE *f = fopen(path, "w");
	char buf[32];
	long nr;

	if (f == NULL)
		return;
	fprintf(f, "total %lu\n", s->total);
	if (s->killed)
		fprintf(f, "killed_at %lu %s\n", s->killed_at,
		    sys_name(s->killed_nr, buf, sizeof(buf)));
	if (s->injected && inj_errno_name_ok)
		fprintf(f, "injected %s %s %lu\n", inj_name, inj_errno, s->inj_occ);
	for (nr = 0; nr < MAX_NR; nr++)
		if (s->count[nr] != 0)
			fprintf(f, "count %s %lu\n", sys_name(nr, buf, sizeof(buf)),
			    s->count[nr]);
	fclose(f);
}

static pid_t
start(char **argv)
{
	pid_t pid = fork();

	if (pid == 0) {
		setpgid(0, 0);
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
			_exit(126);
		raise(SIGSTOP);
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

int
main(int argc, char **argv)
{
	static struct state s;
	char inj_copy[128] = "", inj_name[64] = "", inj_errno[32] = "";
	const char *stats = NULL;
	int status, opt, rc = 1, sig;
	pid_t pid;
	struct proc *p;

	s.inj_nr = -1;
	s.anchor_nr = -1;
	while ((opt = getopt(argc, argv, "+s:l:k:a:i:")) != -1) {
		switch (opt) {
		case 's':
			stats = optarg;
			break;
		case 'l':
			if ((s.list = fopen(optarg, "w")) == NULL) {
				perror(optarg);
				return 2;
			}
			break;
		case 'k':
			s.kill_at = strtoul(optarg, NULL, 10);
			break;
		case 'a':
			if (parse_anchor(&s, optarg) != 0) {
				fprintf(stderr, "crashpoint: bad -a %s\n", optarg);
				return 2;
			}
			break;
		case 'i':
			snprintf(inj_copy, sizeof(inj_copy), "%s", optarg);
			if (sscanf(optarg, "%63[^:]:%31[^:]", inj_name, inj_errno) != 2 ||
			    parse_inject(&s, inj_copy) != 0) {
				fprintf(stderr, "crashpoint: bad -i %s\n", optarg);
				return 2;
			}
			break;
		default:
			return usage();
		}
	}
	if (optind >= argc)
		return usage();
	if ((s.root = start(argv + optind)) < 0) {
		perror("crashpoint: fork");
		return 1;
	}
	if (waitpid(s.root, &status, 0) != s.root || !WIFSTOPPED(status)) {
		fputs("crashpoint: child did not stop\n", stderr);
		return 1;
	}
	ptrace(PTRACE_SETOPTIONS, s.root, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK |
	    PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC |
	    PTRACE_O_EXITKILL);
	proc_find(&s, s.root, 1);
	ptrace(PTRACE_SYSCALL, s.root, 0, 0);
	while ((pid = waitpid(-1, &status, __WALL)) > 0) {
		p = proc_find(&s, pid, 1);
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			if (pid == s.root)
				rc = WIFEXITED(status) ? WEXITSTATUS(status) :
				    128 + WTERMSIG(status);
			continue;
		}
		if (!WIFSTOPPED(status) || p == NULL)
			continue;
		sig = on_stop(&s, p, status);
		if (sig >= 0)
			ptrace(PTRACE_SYSCALL, pid, 0, sig);
	}
	if (s.list != NULL)
		fclose(s.list);
	if (stats != NULL)
		write_stats(&s, stats, s.injected, inj_name, inj_errno);
	return rc;
}
