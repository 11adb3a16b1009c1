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
	uintptr_t p, aligned;
	size_t pad;

	if (align == 0 || (align & (align - 1)) != 0 || align > 16)
		return NULL;
	p = (uintptr_t)(a->base + a->used);
	aligned = (p + (align - 1)) & ~(uintptr_t)(align - 1);
	pad = (size_t)(aligned - p);
	if (pad > a->cap - a->used || size > a->cap - a->used - pad)
		return NULL;
	a->used += pad;
	p = (uintptr_t)(a->base + a->used);
	a->used += size;
	memset((void *)p, 0, size);
	return (void *)p;
}

void *
arena_array(struct arena *a, size_t n, size_t size, size_t align)
{
	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	return arena_alloc(a, n * size, align);
}
