/* selfid: the launcher's own container id from its mountinfo. */
#include <string.h>

#include "harness.h"
#include "selfid.h"

#define ID "0e3f6c1a2b4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7"

static void
the_id_comes_from_the_engines_hostname_bind(struct th *t)
{
	static const char mi[] =
	    "612 590 0:52 / / rw,relatime - overlay overlay rw,lowerdir=/x\n"
	    "650 612 8:1 /var/lib/docker/containers/" ID "/hostname /etc/hostname "
	    "rw,relatime - ext4 /dev/sda1 rw\n";
	char out[SELFID_HEX + 1];

	CHECK_INT(t, selfid_parse(mi, sizeof(mi) - 1, out), 1);
	CHECK_STR(t, out, ID);
}

static void
no_container_or_a_malformed_id_is_none(struct th *t)
{
	static const char *const bad[] = {
		"22 1 8:1 / / rw - ext4 /dev/sda1 rw\n",
		/* 63 digits, upper case, no trailing slash, cut at the end */
		"/containers/0e3f6c1a2b4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e/x",
		"/containers/0E3F6C1A2B4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7/x",
		"/containers/" ID " /x",
		("/containers/" ID), /* nothing after the id */
		"",
	};
	char out[SELFID_HEX + 1];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(t, selfid_parse(bad[i], strlen(bad[i]), out), 0);
}

void
suite_selfid(struct th *t)
{
	th_run(t, "selfid: the id comes from the engine's hostname bind",
	    the_id_comes_from_the_engines_hostname_bind);
	th_run(t, "selfid: no container, or a malformed id, is none",
	    no_container_or_a_malformed_id_is_none);
}
