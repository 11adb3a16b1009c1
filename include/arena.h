/*
 * arena — a bump allocator over one caller-owned buffer with a hard cap.
 *
 * Parsers allocate their trees here instead of calling malloc: memory use is
 * bounded by the buffer the caller chose, exhaustion is an ordinary error,
 * and freeing everything is forgetting the arena.  No global state.
 */
#ifndef TL_ARENA_H
#define TL_ARENA_H

#include <stddef.h>

struct arena {
	unsigned char *base; /* caller-owned, not freed by the arena */
	size_t cap;
	size_t used;
};

void arena_init(struct arena *a, void *buf, size_t cap);

/* Returns size bytes aligned to align (a power of two, ≤ 16), or NULL when
 * the arena is full or size overflows.  Memory is zeroed. */
void *arena_alloc(struct arena *a, size_t size, size_t align);

/* Same, for n elements of size each; NULL on n*size overflow. */
void *arena_array(struct arena *a, size_t n, size_t size, size_t align);

#endif
