/*
 * tee-launcher — boots the MPC node inside a dstack TDX CVM.
 * main.c only parses arguments and wires the modules together.
 */
#include <stdio.h>
#include <string.h>

#include "ca_anchors.h"
#include "version.h"

#define EXIT_USAGE 2

static const char usage_text[] =
    "usage: tee-launcher [--help] [--version]\n";

static int
print_version(void)
{
	size_t n;

	ca_anchors_get(&n);
	printf("tee-launcher %s\nsource %s\ntrust-anchors %zu\n",
	    TL_VERSION, TL_SOURCE_ID, n);
	return 0;
}

int
main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			fputs(usage_text, stdout);
			return 0;
		}
		if (strcmp(argv[i], "--version") == 0)
			return print_version();
		fprintf(stderr, "tee-launcher: unknown argument: %s\n", argv[i]);
		return EXIT_USAGE;
	}
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}
