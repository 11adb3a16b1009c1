#include <stdint.h>
#include <string.h>

#include "arena.h"

void
arena_init(struct arena *a, void *buf, size_t cap)
{
	a->base = buf;
	a->cap = cap;
	a->used = 0;
}

void *
arena_alloc(struct arena *a, size_t size, size_t align)
{
	uintptr_t p;
	size_t pad;
	void *out;

	if (align == 0 || (align & (align - 1)) != 0 || align > 16)
		return NULL;
	/* Only the padding is computed on the address; the result is
	 * derived from base, so no integer becomes a pointer. */
	p = (uintptr_t)(a->base + a->used);
	pad = (size_t)(((p + (align - 1)) & ~(uintptr_t)(align - 1)) - p);
	if (pad > a->cap - a->used || size > a->cap - a->used - pad)
		return NULL;
	a->used += pad;
	out = a->base + a->used;
	a->used += size;
	memset(out, 0, size);
	return out;
}

void *
arena_array(struct arena *a, size_t n, size_t size, size_t align)
{
	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	return arena_alloc(a, n * size, align);
}
