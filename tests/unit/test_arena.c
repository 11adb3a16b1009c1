#include <stdint.h>

#include "arena.h"
#include "harness.h"

static void
allocations_are_aligned_and_zeroed(struct th *t)
{
	_Alignas(16) unsigned char buf[64];
	struct arena a;
	unsigned char *p, *q;

	memset(buf, 0xaa, sizeof(buf));
	arena_init(&a, buf, sizeof(buf));
	p = arena_alloc(&a, 3, 1);
	q = arena_alloc(&a, 8, 8);
	REQUIRE(t, p != NULL && q != NULL);
	CHECK(t, ((uintptr_t)q & 7) == 0);
	CHECK(t, p[0] == 0 && p[2] == 0 && q[7] == 0);
}

static void
exhaustion_returns_null_without_moving(struct th *t)
{
	unsigned char buf[32];
	struct arena a;

	arena_init(&a, buf, sizeof(buf));
	CHECK(t, arena_alloc(&a, 33, 1) == NULL);
	CHECK(t, arena_alloc(&a, 32, 1) != NULL);
	CHECK(t, arena_alloc(&a, 1, 1) == NULL);
	CHECK_INT(t, a.used, 32);
}

static void
array_size_overflow_is_refused(struct th *t)
{
	unsigned char buf[32];
	struct arena a;

	arena_init(&a, buf, sizeof(buf));
	CHECK(t, arena_array(&a, SIZE_MAX / 2, 4, 4) == NULL);
	CHECK(t, arena_alloc(&a, SIZE_MAX, 1) == NULL);
	CHECK(t, arena_alloc(&a, 1, 3) == NULL);
}

void
suite_arena(struct th *t)
{
	th_run(t, "arena: allocations are aligned and zeroed", allocations_are_aligned_and_zeroed);
	th_run(t, "arena: exhaustion returns NULL without moving", exhaustion_returns_null_without_moving);
	th_run(t, "arena: array size overflow is refused", array_size_overflow_is_refused);
}
