/*
 * sandbox — confines the resolver child for good before it meets the
 * network (issue 13).  The registry walk parses hostile bytes (HTTP, TLS,
 * JSON); if a parser bug let a registry run code, the process that runs
 * it must hold nothing worth taking and reach nothing worth hitting.
 *
 * sandbox_enter() applies, in order, and never undoes:
 *  1. every file descriptor but stdout and stderr is closed (the engine
 *     socket, stdin, anything inherited); stdout is the caller's result;
 *  2. PR_SET_NO_NEW_PRIVS (no setuid gain through exec, and the
 *     precondition for an unprivileged seccomp filter);
 *  3. Landlock (ABI 1 rights), where the kernel has it: the file system
 *     is limited to reading the files in read_only (name resolution's);
 *     nothing else readable, nothing writable, nothing executable.  A
 *     kernel (or a runtime's seccomp profile) without Landlock is logged
 *     once and tolerated: seccomp below still forbids writing;
 *  4. seccomp-bpf, mandatory: x86-64 only (other ABIs and x32 numbers kill
 *     the process), a short allow-list of what musl's getaddrinfo, the TCP
 *     and TLS client and malloc call; socket() only for AF_INET and
 *     AF_INET6; open/openat only without write, create, truncate or append
 *     flags; mmap only without PROT_EXEC (no mprotect); everything else (execve, ptrace, kill, mount, chmod, AF_UNIX
 *     sockets, fork, ...) fails with EPERM.
 *
 * The caller must already have dropped what it holds in memory: the
 * sandbox limits what the process can do, not what it knows.
 *
 * Errors: -1 with err set names the step and errno.  The process is then
 * partly confined and must exit without doing the work: a failure to
 * install the filter is never skipped.
 */
#ifndef TL_SANDBOX_H
#define TL_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"

/* One classic BPF instruction, as struct sock_filter in linux/filter.h
 * (musl ships no kernel headers). */
struct sandbox_insn {
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};

/* The seccomp program sandbox_enter() installs, *n instructions long;
 * exposed so tests can run it on chosen syscalls. */
const struct sandbox_insn *sandbox_filter(size_t *n);

/* read_only: NULL-terminated absolute paths; missing ones are skipped. */
int sandbox_enter(const char *const *read_only, struct errbuf *err);

#endif
