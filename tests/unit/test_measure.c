/* measure: how auto is decided, and what must exist before measuring. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness.h"
#include "measure.h"

struct box {
	char dir[64], sock[96], version[96], rtmr3[96];
	struct measure_cfg m;
	int lfd;
};

static int
put(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return 0;
	fputs(s, f);
	return fclose(f) == 0;
}

/* An agent socket (bound, nobody answering: plan only looks at it). */
static int
box_make(struct box *b, int with_socket)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	memset(b, 0, sizeof(*b));
	b->lfd = -1;
	snprintf(b->dir, sizeof(b->dir), "/tmp/measure-test-XXXXXX");
	if (mkdtemp(b->dir) == NULL)
		return 0;
	snprintf(b->sock, sizeof(b->sock), "%s/dstack.sock", b->dir);
	snprintf(b->version, sizeof(b->version), "%s/runtime_event_version", b->dir);
	snprintf(b->rtmr3, sizeof(b->rtmr3), "%s/rtmr3", b->dir);
	if (with_socket) {
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", b->sock);
		b->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (b->lfd < 0 || bind(b->lfd, (struct sockaddr *)&sun, sizeof(sun)) != 0)
			return 0;
	}
	b->m.method = MEASURE_AUTO;
	b->m.dstack_socket = b->sock;
	rtmr_native_cfg_default(&b->m.native);
	b->m.native.version_path = b->version;
	b->m.native.rtmr3_path = b->rtmr3;
	return 1;
}

static void
box_remove(struct box *b)
{
	if (b->lfd >= 0)
		close(b->lfd);
	unlink(b->sock);
	unlink(b->version);
	chmod(b->rtmr3, 0600);
	unlink(b->rtmr3);
	rmdir(b->dir);
}

static void
auto_is_native_only_with_a_version_file_and_a_writable_rtmr3(struct th *t)
{
	struct box b;
	struct errbuf e;

	REQUIRE(t, box_make(&b, 1));
	/* neither: dstack 0.5, the agent */
	CHECK_INT(t, measure_plan(&b.m, &e), 0);
	CHECK_INT(t, b.m.method, MEASURE_DSTACK_API);
	CHECK_INT(t, b.m.version_present, 0);
	CHECK_INT(t, b.m.rtmr3_writable, 0);
	/* RTMR3 writable, no version file: still the agent */
	REQUIRE(t, put(b.rtmr3, ""));
	b.m.method = MEASURE_AUTO;
	CHECK_INT(t, measure_plan(&b.m, &e), 0);
	CHECK_INT(t, b.m.method, MEASURE_DSTACK_API);
	/* both: native */
	REQUIRE(t, put(b.version, "2\n"));
	b.m.method = MEASURE_AUTO;
	CHECK_INT(t, measure_plan(&b.m, &e), 0);
	CHECK_INT(t, b.m.method, MEASURE_NATIVE);
	/* the evidence is kept for `tee-launcher plan` */
	CHECK_INT(t, b.m.version_present, 1);
	CHECK_INT(t, b.m.rtmr3_writable, 1);
	/* a version file but RTMR3 missing: the agent (a kernel before 6.16) */
	unlink(b.rtmr3);
	b.m.method = MEASURE_AUTO;
	CHECK_INT(t, measure_plan(&b.m, &e), 0);
	CHECK_INT(t, b.m.method, MEASURE_DSTACK_API);
	box_remove(&b);
}

static void
no_agent_socket_fails_before_measuring(struct th *t)
{
	struct box b;
	struct errbuf e;

	REQUIRE(t, box_make(&b, 0));
	CHECK_INT(t, measure_plan(&b.m, &e), -1);
	CHECK(t, strstr(e.msg, "no dstack agent socket at ") == e.msg);
	/* a directory there (what an engine bind of a missing path makes) */
	REQUIRE(t, mkdir(b.sock, 0700) == 0);
	b.m.method = MEASURE_NATIVE;
	CHECK_INT(t, measure_plan(&b.m, &e), -1);
	CHECK(t, strstr(e.msg, "no dstack agent socket at ") == e.msg);
	rmdir(b.sock);
	box_remove(&b);
}

static void
native_without_a_version_file_is_refused(struct th *t)
{
	struct box b;
	struct errbuf e;

	REQUIRE(t, box_make(&b, 1));
	REQUIRE(t, put(b.rtmr3, ""));
	b.m.method = MEASURE_NATIVE;
	CHECK_INT(t, measure_plan(&b.m, &e), -1);
	CHECK(t, strstr(e.msg, "runtime_event_version: missing") != NULL);
	box_remove(&b);
}

static void
an_undecided_method_measures_nothing(struct th *t)
{
	struct measure_cfg m;
	struct digest d;
	enum measure_outcome out;
	struct errbuf e;

	memset(&m, 0, sizeof(m));
	memset(&d, 0, sizeof(d));
	m.method = MEASURE_AUTO;
	CHECK_INT(t, measure_image(&m, NULL, &d, &out, &e), -1);
	CHECK(t, strstr(e.msg, "not decided") != NULL);
}

void
suite_measure(struct th *t)
{
	th_run(t, "measure: auto is native only with a version file and a writable RTMR3",
	    auto_is_native_only_with_a_version_file_and_a_writable_rtmr3);
	th_run(t, "measure: no agent socket fails before measuring",
	    no_agent_socket_fails_before_measuring);
	th_run(t, "measure: native without a version file is refused",
	    native_without_a_version_file_is_refused);
	th_run(t, "measure: an undecided method measures nothing",
	    an_undecided_method_measures_nothing);
}
