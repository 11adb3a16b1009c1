/*
 * resolver — the registry walk in a sandboxed child process (issue 13).
 *
 * The walk is the only part of a run that parses bytes from the network.
 * resolver_run() forks; the child first forgets what the parent holds
 * (job->forget: the user config and the rendered node config), scrubs the
 * stack the config was parsed on, enters the sandbox (sandbox.h: Landlock
 * read access to /etc/hosts and /etc/resolv.conf only, seccomp
 * allow-list), runs job->resolve, writes one record to a pipe and exits.  The parent keeps
 * the engine, dstack and the file system, and believes nothing of the
 * child but a well-formed record: a crash, a signal, a non-zero exit, a
 * short, long or malformed record, or no answer by the deadline is a
 * resolution failure.  A record that does not name the selected digest
 * (job->want) the way it says it matched is refused too, so a subverted
 * child can only name the approved config, manifest or index digest: the
 * pull digest must be the approved index (index match) or the manifest
 * (otherwise); the digests that go with it only name what the engine
 * pulls, and the parent's image-ID check stays the final gate.
 *
 * The record (RESOLVER_HEAD bytes, then the error text on failure), on the
 * child's stdout:
 *     [0]       'y' resolved, 'n' failed
 *     [1..33)   manifest digest, 32 bytes (unused on failure)
 *     [33..65)  config digest, likewise
 *     [65..97)  pull digest (the index for an index match), likewise
 *     [97]      '0' config digest matched, '1' manifest digest, '2' index
 *     [98..)    'n' only: the error line, 1 to ERRBUF_SIZE - 1 bytes, no NUL
 * Every byte of a digest is valid, so the parse checks the status, the
 * match kind, the length and the text.
 * It is written with one write(2) of at most PIPE_BUF bytes (atomic) and
 * read through a non-blocking pipe, at most one byte more, until EOF.
 *
 * Memory: nothing allocated; the record lives on the stack.
 * Errors: -1 with err set; a failed resolution passes on the child's own
 * message unchanged.
 */
#ifndef TL_RESOLVER_H
#define TL_RESOLVER_H

#include <stddef.h>

#include "errbuf.h"
#include "registry.h"

#define RESOLVER_HEAD 98
#define RESOLVER_RECORD_MAX (RESOLVER_HEAD + ERRBUF_SIZE - 1)

struct resolver_job {
	/* Child, before the sandbox: clear every secret the fork copied.
	 * 0, or -1 with err set (the child then reports and exits). */
	int (*forget)(void *ctx, struct errbuf *err);
	/* Child, inside the sandbox: the walk.  0, or -1 with err set. */
	int (*resolve)(void *ctx, struct registry_result *out, struct errbuf *err);
	void *ctx;
	/* The selected (approved) digest the result must name. */
	const struct digest *want;
	/* The parent kills the child after this long (a safety net: the
	 * walk's own budgets end it first). */
	unsigned long long timeout_ms;
};

/* Runs job in a child; 0 with out->pull, manifest, config and how set
 * (out->ref is left empty), or -1 with err set. */
int resolver_run(const struct resolver_job *job, struct registry_result *out,
    struct errbuf *err);

/* 0 if r names want as its match kind says (config, manifest or index
 * digest) and pulls the index it matched or else its manifest, else -1
 * with err set. */
int resolver_check_named(const struct registry_result *r, const struct digest *want,
    struct errbuf *err);

/* Writes the record for ok (r) or !ok (msg) into out; returns its length. */
size_t resolver_record_format(int ok, const struct registry_result *r,
    const char *msg, char out[RESOLVER_RECORD_MAX]);

/* Pure: 0 with *r set for a 'y' record; -1 with err set to the child's
 * message for an 'n' record, or to "malformed ..." for anything else. */
int resolver_record_parse(const char *rec, size_t n, struct registry_result *r,
    struct errbuf *err);

#endif
