/* The pull's progress stream (engine_api) on arbitrary bytes: fed whole, and
 * split at an input-chosen offset and then byte by byte, the verdict and the
 * engine's words are the same; no crash, memory bounded by the line buffer. */
#include <stdlib.h>
#include <string.h>

#include "engine_api.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static unsigned char mem[ENGINE_API_ARENA];
static struct engine_api_progress p;

static int
run(const unsigned char *d, size_t n, size_t split, size_t step, char *words)
{
	struct errbuf e;
	struct arena a;
	size_t i;
	int rc;

	arena_init(&a, mem, sizeof(mem));
	engine_api_progress_init(&p, &a);
	if (engine_api_progress_feed(&p, d, split) == 0)
		for (i = split; i < n; i += step)
			if (engine_api_progress_feed(&p, d + i, n - i < step ? n - i : step) != 0)
				break;
	rc = engine_api_progress_finish(&p, &e);
	strcpy(words, rc == ENGINE_OK ? "" : e.msg);
	return rc;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char w1[ERRBUF_SIZE], w2[ERRBUF_SIZE];
	size_t split = size > 0 ? data[0] % (size + 1) : 0;
	int a, b;

	a = run(data, size, size, 1, w1);
	b = run(data, size, split, 1, w2);
	if (a != b || strcmp(w1, w2) != 0)
		abort();
	return 0;
}
