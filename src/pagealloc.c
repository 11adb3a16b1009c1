/*
 * pagealloc — malloc, calloc, realloc and free for the static musl build,
 * each block its own anonymous mapping.
 *
 * Why: the launcher allocates a few dozen blocks in a run (the large parse
 * buffers, a handful of strdup()s, one calloc() per getaddrinfo()), so a
 * general-purpose heap buys nothing, and musl's mallocng costs 7.5 KB of
 * the 300 KiB binary budget.  A mapping per block is also the strictest
 * layout there is: a freed block is unmapped (a use after free faults
 * instead of reading a reused chunk), no block shares a page with another
 * block's data, and there is no in-band free list to corrupt.  Mappings
 * are never executable (the resolver child's seccomp filter insists).
 *
 * Only the launcher build defines TL_PAGEALLOC (Makefile): the test builds
 * link glibc with ASan, whose allocator must stay in charge.
 */
#ifdef TL_PAGEALLOC
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* The mapping's length, kept in front of the block; 16 keeps the block
 * aligned for any type (max_align_t). */
#define PAGEALLOC_HEAD 16

/* The allocator's two operations; the four entry points below call only
 * these (never each other), so none of them is seen as allocating twice. */
static void *
block_map(size_t n)
{
	size_t len = n + PAGEALLOC_HEAD;
	unsigned char *p;

	if (n > SIZE_MAX / 2) {
		errno = ENOMEM;
		return NULL;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	*(size_t *)(void *)p = len;  /* page-aligned */
	return p + PAGEALLOC_HEAD;
}

static size_t
block_len(const unsigned char *b)
{
	return *(const size_t *)(const void *)(b - PAGEALLOC_HEAD);
}

static void
block_unmap(unsigned char *b)
{
	if (b != NULL)
		(void)munmap(b - PAGEALLOC_HEAD, block_len(b));
}

void *
malloc(size_t n) /* NOLINT(readability-inconsistent-declaration-parameter-name): libc names */
{
	return block_map(n);
}

void
free(void *b) /* NOLINT(readability-inconsistent-declaration-parameter-name) */
{
	block_unmap(b);
}

/* Fresh anonymous mappings read as zero: nothing to clear. */
void *
calloc(size_t n, size_t size) /* NOLINT(readability-inconsistent-declaration-parameter-name) */
{
	if (size != 0 && n > SIZE_MAX / 2 / size) {
		errno = ENOMEM;
		return NULL;
	}
	return block_map(n * size);
}

void *
realloc(void *b, size_t n) /* NOLINT(readability-inconsistent-declaration-parameter-name) */
{
	unsigned char *q = block_map(n);
	size_t old;

	if (q == NULL || b == NULL)
		return q;
	old = block_len(b) - PAGEALLOC_HEAD;
	memcpy(q, b, old < n ? old : n);
	block_unmap(b);
	return q;
}
#else
/* ISO C forbids an empty translation unit. */
typedef int pagealloc_unused;
#endif
