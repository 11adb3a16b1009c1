/*
 * engine_api: the pure pieces (socket path, version choice, progress stream,
 * create body) directly, and the operations against a scripted fake engine
 * (a forked child serving HTTP/1.1 on a unix socket in a temp dir, logging
 * every request).  The real engine is exercised by tests/e2e.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine_api.h"
#include "harness.h"
#include "json.h"
#include "takeover.h"

static struct engine_api api; /* large: static storage, as the header asks */

#define HEX64 "f2472280c437efc00fa25a030a24990ae16c4fbec0d74914e178473ce4d57372"
#define REF "localhost:5000/tl/mpc-node@sha256:" HEX64
#define VERSION_OK "{\"ApiVersion\":\"1.41\",\"MinAPIVersion\":\"1.12\"}"

/* ------------------------------------------------------------ pure pieces */

static void
the_socket_comes_from_docker_host_or_the_default(struct th *t)
{
	char p[NET_UNIX_PATH_MAX + 1], big[300];
	struct errbuf err;

	CHECK_INT(t, engine_api_socket_path(NULL, p, sizeof(p), &err), ENGINE_OK);
	CHECK_STR(t, p, "/var/run/docker.sock");
	CHECK_INT(t, engine_api_socket_path("", p, sizeof(p), &err), ENGINE_OK);
	CHECK_STR(t, p, "/var/run/docker.sock");
	CHECK_INT(t, engine_api_socket_path("unix:///run/d/x.sock", p, sizeof(p), &err), ENGINE_OK);
	CHECK_STR(t, p, "/run/d/x.sock");
	CHECK_INT(t, engine_api_socket_path("tcp://127.0.0.1:2375", p, sizeof(p), &err), ENGINE_ERR);
	CHECK(t, strstr(err.msg, "only unix://") != NULL);
	CHECK_INT(t, engine_api_socket_path("unix://relative.sock", p, sizeof(p), &err), ENGINE_ERR);
	memset(big, 'a', sizeof(big));
	memcpy(big, "unix:///", 8);
	big[sizeof(big) - 1] = '\0';
	CHECK_INT(t, engine_api_socket_path(big, p, sizeof(p), &err), ENGINE_ERR);
	CHECK(t, strstr(err.msg, "at most 107 bytes") != NULL);
}

static void
the_version_is_1_41_or_the_engines_minimum_within_our_range(struct th *t)
{
	struct errbuf err;
	int m = 0;

	CHECK_INT(t, engine_api_version_pick("1.41", "1.12", &m, &err), ENGINE_OK);
	CHECK_INT(t, m, 41);
	CHECK_INT(t, engine_api_version_pick("1.49", "1.24", &m, &err), ENGINE_OK);
	CHECK_INT(t, m, 41);
	CHECK_INT(t, engine_api_version_pick("1.52", "1.44", &m, &err), ENGINE_OK);
	CHECK_INT(t, m, 44);
	CHECK_INT(t, engine_api_version_pick("1.41", NULL, &m, &err), ENGINE_OK);
	CHECK_INT(t, m, 41);
	CHECK_INT(t, engine_api_version_pick("1.40", "1.12", &m, &err), ENGINE_ERR);
	CHECK_STR(t, err.msg, "engine API: the engine speaks 1.12 to 1.40, the launcher 1.41 to 1.52");
	CHECK_INT(t, engine_api_version_pick("1.60", "1.53", &m, &err), ENGINE_ERR);
	CHECK_INT(t, engine_api_version_pick(NULL, "1.12", &m, &err), ENGINE_ERR);
	CHECK_INT(t, engine_api_version_pick("2.0", "1.12", &m, &err), ENGINE_ERR);
	CHECK_INT(t, engine_api_version_pick("1.", "1.12", &m, &err), ENGINE_ERR);
	CHECK_INT(t, engine_api_version_pick("1.41x", "1.12", &m, &err), ENGINE_ERR);
	CHECK_INT(t, engine_api_version_pick("1.41", "1.1234", &m, &err), ENGINE_ERR);
}

static unsigned char scratch_mem[ENGINE_API_ARENA];

static int
progress_run(const char *s, size_t len, size_t split, struct errbuf *err)
{
	static struct engine_api_progress p;
	struct arena a;
	size_t i;

	arena_init(&a, scratch_mem, sizeof(scratch_mem));
	engine_api_progress_init(&p, &a);
	for (i = 0; i < len; i += split)
		if (engine_api_progress_feed(&p, s + i, len - i < split ? len - i : split) != 0)
			break;
	return engine_api_progress_finish(&p, err);
}

static const char stream_ok[] =
    "{\"status\":\"Pulling from tl/mpc-node\",\"id\":\"sha256:f247\"}\r\n"
    "{\"status\":\"Pulling fs layer\",\"progressDetail\":{},\"id\":\"4f4fb700ef54\"}\r\n"
    "\r\n"
    "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":512,\"total\":1024},"
    "\"progress\":\"[=====>     ]\",\"id\":\"4f4fb700ef54\"}\r\n"
    "{\"status\":\"Status: Downloaded newer image for localhost:5000/tl/mpc-node@sha256:f247\"}\r\n";

static const char stream_err[] =
    "{\"status\":\"Pulling from tl/mpc-node\",\"id\":\"sha256:f247\"}\r\n"
    "{\"errorDetail\":{\"message\":\"manifest unknown\\n  detail\"},"
    "\"error\":\"manifest unknown\\n  detail\"}\r\n"
    "{\"status\":\"never read\"}\r\n";

static void
a_progress_stream_passes_or_fails_the_same_at_every_split(struct th *t)
{
	struct errbuf err;
	size_t split;
	int bad = 0;

	for (split = 1; split <= sizeof(stream_ok); split++) {
		if (progress_run(stream_ok, sizeof(stream_ok) - 1, split, &err) != ENGINE_OK)
			bad++;
		if (progress_run(stream_err, sizeof(stream_err) - 1, split, &err) != ENGINE_ERR ||
		    strcmp(err.msg, "engine reported: manifest unknown detail") != 0)
			bad++;
	}
	CHECK_INT(t, bad, 0);
}

static void
progress_errors_are_error_or_error_detail_objects_and_bad_lines(struct th *t)
{
	static char big[ENGINE_API_LINE_MAX + 64];
	struct errbuf err;

	CHECK_INT(t, progress_run("{\"errorDetail\":{\"message\":\"denied\"}}", 36, 36, &err),
	    ENGINE_ERR);
	CHECK_STR(t, err.msg, "engine reported: denied");
	CHECK_INT(t, progress_run("{\"error\":1}\n", 12, 12, &err), ENGINE_ERR);
	CHECK_STR(t, err.msg, "engine reported: an error object without a message");
	CHECK_INT(t, progress_run("{\"status\":\"x\"}\nnot json\n", 24, 5, &err), ENGINE_ERR);
	CHECK_STR(t, err.msg, "engine reported: a progress line is not a JSON object");
	CHECK_INT(t, progress_run("[1]\n", 4, 4, &err), ENGINE_ERR);
	/* The last line needs no newline; an error there still counts. */
	CHECK_INT(t, progress_run("{\"status\":\"x\"}\n{\"error\":\"late\"}", 31, 3, &err), ENGINE_ERR);
	CHECK_STR(t, err.msg, "engine reported: late");
	memset(big, ' ', sizeof(big));
	big[0] = '{';
	memcpy(big + sizeof(big) - 3, "}\n", 2);
	CHECK_INT(t, progress_run(big, sizeof(big) - 1, 1000, &err), ENGINE_ERR);
	CHECK(t, strstr(err.msg, "longer than") != NULL);
	CHECK_INT(t, progress_run("", 0, 1, &err), ENGINE_OK);
}

static const struct launch_port two_ports[] = { { 11780, 11780 }, { 2200, 2201 } };

static void
launch_init(struct launch_plan *l, enum launch_platform p)
{
	size_t i;

	memset(l, 0, sizeof(*l));
	l->platform = p;
	l->image_name = "localhost:5000/tl/mpc-node";
	for (i = 0; i < sizeof(l->manifest.b); i++)
		l->manifest.b[i] = (uint8_t)(0x10 + i);
	l->ports = two_ports;
	l->nports = 2;
	l->dstack_socket = "/var/run/dstack.sock";
	l->config_path = "/mnt/shared/mpc-config.toml";
}

#define DIGEST_HEX "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
#define BODY_HEAD \
	"{\"Image\":\"localhost:5000/tl/mpc-node@sha256:" DIGEST_HEX "\"," \
	"\"Cmd\":[\"/app/mpc-node\",\"start-with-config-file\",\"/mnt/shared/mpc-config.toml\"],"
#define BODY_REST(env_bind) \
	"\"ExposedPorts\":{\"11780/tcp\":{},\"2201/tcp\":{}}," \
	"\"Labels\":{\"com.docker.compose.container-number\":\"1\"," \
	"\"com.docker.compose.oneoff\":\"False\",\"com.docker.compose.project\":\"mpc-node\"," \
	"\"com.docker.compose.service\":\"mpc-node\"}," \
	"\"HostConfig\":{\"Binds\":[\"/tapp:/tapp:ro\",\"shared-volume:/mnt/shared:rw\"," \
	"\"mpc-data:/data:rw\"" env_bind "]," \
	"\"PortBindings\":{\"11780/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"11780\"}]," \
	"\"2201/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"2200\"}]}," \
	"\"RestartPolicy\":{\"Name\":\"on-failure\",\"MaximumRetryCount\":0}," \
	"\"SecurityOpt\":[\"no-new-privileges:true\"],\"NetworkMode\":\"mpc-node_default\"}," \
	"\"NetworkingConfig\":{\"EndpointsConfig\":{\"mpc-node_default\":{\"Aliases\":[\"mpc-node\"]}}}}"

static void
the_create_body_holds_exactly_the_compose_settings(struct th *t)
{
	static char out[ENGINE_API_REQUEST_MAX];
	struct launch_plan l;
	struct errbuf err;
	size_t len;

	launch_init(&l, LAUNCH_NONTEE);
	REQUIRE_INT(t, engine_api_create_body(&l, out, sizeof(out), &len, &err), ENGINE_OK);
	CHECK_STR(t, out, BODY_HEAD BODY_REST(""));
	CHECK_INT(t, len, strlen(out));
	launch_init(&l, LAUNCH_TEE);
	REQUIRE_INT(t, engine_api_create_body(&l, out, sizeof(out), &len, &err), ENGINE_OK);
	CHECK_STR(t, out, BODY_HEAD "\"Env\":[\"DSTACK_ENDPOINT=/var/run/dstack.sock\"],"
	    BODY_REST(",\"/var/run/dstack.sock:/var/run/dstack.sock:rw\""));
}

static void
host_ports_of_one_container_port_share_one_key(struct th *t)
{
	static const struct launch_port ports[] = { { 80, 8080 }, { 81, 9090 }, { 82, 8080 } };
	static char out[ENGINE_API_REQUEST_MAX];
	struct launch_plan l;
	struct errbuf err;
	size_t len;

	launch_init(&l, LAUNCH_NONTEE);
	l.ports = ports;
	l.nports = 3;
	REQUIRE_INT(t, engine_api_create_body(&l, out, sizeof(out), &len, &err), ENGINE_OK);
	CHECK(t, strstr(out, "\"ExposedPorts\":{\"8080/tcp\":{},\"9090/tcp\":{}}") != NULL);
	CHECK(t, strstr(out, "\"PortBindings\":{\"8080/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"80\"},"
	    "{\"HostIp\":\"\",\"HostPort\":\"82\"}],\"9090/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"81\"}]}")
	    != NULL);
	l.nports = 0;
	REQUIRE_INT(t, engine_api_create_body(&l, out, sizeof(out), &len, &err), ENGINE_OK);
	CHECK(t, strstr(out, "\"ExposedPorts\":{}") != NULL && strstr(out, "\"PortBindings\":{}") != NULL);
}

static void
hostile_values_stay_inside_their_json_strings(struct th *t)
{
	static char out[ENGINE_API_REQUEST_MAX];
	static unsigned char mem[1 << 20];
	struct launch_plan l;
	struct errbuf err;
	struct json_value v;
	struct arena a;
	const struct json_value *hc;
	size_t len;

	launch_init(&l, LAUNCH_TEE);
	l.image_name = "x\",\"Privileged\":true,\"y\":\"\n";
	l.dstack_socket = "/run/\"],\"Privileged\"=true,\"x\"=[\"\n"; /* ':' is refused */
	REQUIRE_INT(t, engine_api_create_body(&l, out, sizeof(out), &len, &err), ENGINE_OK);
	arena_init(&a, mem, sizeof(mem));
	REQUIRE_INT(t, json_parse(out, len, &a, &v, &err), 0);
	hc = json_get_object(&v, "HostConfig");
	CHECK(t, json_object_get(&v, "Privileged") == NULL);
	CHECK(t, hc != NULL && json_object_get(hc, "Privileged") == NULL);
	CHECK(t, strncmp(json_get_string(&v, "Image"), l.image_name, strlen(l.image_name)) == 0);
	CHECK_INT(t, v.u.obj.n, 7);
	l.image_name = "bad\xff";
	CHECK_INT(t, engine_api_create_body(&l, out, sizeof(out), &len, &err), ENGINE_ERR);
	CHECK(t, strstr(err.msg, "UTF-8") != NULL);
}

static void
bad_launch_parameters_are_refused(struct th *t)
{
	static const struct launch_port zero[] = { { 0, 80 } };
	static char out[ENGINE_API_REQUEST_MAX];
	char longname[LAUNCH_IMAGE_NAME_MAX + 2];
	struct launch_plan l;
	struct errbuf err;
	size_t len;

	launch_init(&l, LAUNCH_TEE);
	l.dstack_socket = "/var/run/a:b";
	CHECK_INT(t, engine_api_create_body(&l, out, sizeof(out), &len, &err), ENGINE_ERR);
	CHECK_STR(t, err.msg, "launch: dstack socket path must not contain ':' (bind syntax)");
	l.dstack_socket = "relative.sock";
	CHECK_INT(t, engine_api_create_body(&l, out, sizeof(out), &len, &err), ENGINE_ERR);
	launch_init(&l, LAUNCH_NONTEE);
	l.dstack_socket = NULL; /* not needed without TEE */
	CHECK_INT(t, engine_api_create_body(&l, out, sizeof(out), &len, &err), ENGINE_OK);
	l.config_path = "mpc-config.toml";
	CHECK_INT(t, engine_api_create_body(&l, out, sizeof(out), &len, &err), ENGINE_ERR);
	launch_init(&l, LAUNCH_NONTEE);
	l.ports = zero;
	l.nports = 1;
	CHECK_INT(t, engine_api_create_body(&l, out, sizeof(out), &len, &err), ENGINE_ERR);
	l.nports = LAUNCH_MAX_PORTS + 1;
	CHECK_INT(t, engine_api_create_body(&l, out, sizeof(out), &len, &err), ENGINE_ERR);
	launch_init(&l, LAUNCH_NONTEE);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	l.image_name = longname;
	CHECK_INT(t, engine_api_create_body(&l, out, sizeof(out), &len, &err), ENGINE_ERR);
	l.image_name = "";
	CHECK_INT(t, engine_api_create_body(&l, out, sizeof(out), &len, &err), ENGINE_ERR);
	CHECK_INT(t, engine_api_create_body(&l, out, 64, &len, &err), ENGINE_ERR);
}

/* ------------------------------------------------------------ fake engine */

/* One scripted answer: the first rule whose "METHOD target" prefix matches
 * and that has answered fewer than max times (0: no limit). */
struct rule {
	const char *match;
	int status;
	const char *body;
	int max;
};

struct fake {
	char dir[64];
	char sock[96];
	char log[96];
	pid_t pid;
};

static void
serve_one(int c, int logfd, const struct rule *rules)
{
	static char buf[256 * 1024];
	static int used[64]; /* per rule, for the life of the fake's process */
	char head[512], *end, *cl;
	size_t have = 0, need;
	ssize_t n;
	const struct rule *r;
	int hn;

	for (;;) {
		buf[have] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end != NULL) {
			cl = strstr(buf, "Content-Length: ");
			need = (size_t)(end + 4 - buf) +
			    (cl != NULL && cl < end ? strtoul(cl + 16, NULL, 10) : 0);
			if (have >= need) {
				char *sp = strchr(buf, ' '), *sp2 = sp ? strchr(sp + 1, ' ') : NULL;

				if (sp2 == NULL)
					return;
				(void)!write(logfd, buf, (size_t)(sp2 - buf));
				if (need > (size_t)(end + 4 - buf)) {
					(void)!write(logfd, " ", 1);
					(void)!write(logfd, end + 4, need - (size_t)(end + 4 - buf));
				}
				(void)!write(logfd, "\n", 1);
				for (r = rules; r->match != NULL; r++)
					if (strncmp(buf, r->match, strlen(r->match)) == 0 &&
					    (r->max == 0 || used[r - rules] < r->max))
						break;
				if (r->match != NULL)
					used[r - rules]++;
				hn = snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\nContent-Type: "
				    "application/json\r\nContent-Length: %zu\r\n\r\n",
				    r->match ? r->status : 599, r->match ? strlen(r->body) : 0);
				(void)!write(c, head, (size_t)hn);
				if (r->match != NULL)
					(void)!write(c, r->body, strlen(r->body));
				memmove(buf, buf + need, have - need);
				have -= need;
				continue;
			}
		}
		n = read(c, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			return;
		have += (size_t)n;
	}
}

/* The fake's directory, made before it starts (tests that name its socket). */
static int
fake_dir(struct fake *f)
{
	snprintf(f->dir, sizeof(f->dir), "/tmp/engine-api-test-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return 0;
	snprintf(f->sock, sizeof(f->sock), "%s/d.sock", f->dir);
	return 1;
}

static int
fake_start_in(struct fake *f, const struct rule *rules)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int l, c, logfd;

	snprintf(f->sock, sizeof(f->sock), "%s/d.sock", f->dir);
	snprintf(f->log, sizeof(f->log), "%s/log", f->dir);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->sock);
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sun, sizeof(sun)) != 0 || listen(l, 8) != 0)
		return 0;
	f->pid = fork();
	if (f->pid < 0)
		return 0;
	if (f->pid == 0) {
		logfd = open(f->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		for (;;) {
			c = accept(l, NULL, NULL);
			if (c < 0)
				_exit(0);
			serve_one(c, logfd, rules);
			close(c);
		}
	}
	close(l);
	return 1;
}

static void
fake_log(const struct fake *f, char *buf, size_t cap)
{
	int fd = open(f->log, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, cap - 1) : 0;

	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

static void
fake_stop(struct fake *f)
{
	kill(f->pid, SIGKILL);
	waitpid(f->pid, NULL, 0);
	unlink(f->sock);
	unlink(f->log);
	rmdir(f->dir);
}

static int
setup_in(struct fake *f, const struct rule *rules, struct engine *e, struct errbuf *err)
{
	char host[128];

	if (!fake_start_in(f, rules))
		return 0;
	snprintf(host, sizeof(host), "unix://%s", f->sock);
	if (engine_api_init(&api, host, err) != ENGINE_OK)
		return 0;
	api.timeouts.pull_ms = api.timeouts.request_ms = api.timeouts.stop_ms = 5000;
	engine_api_bind(&api, e);
	return 1;
}

static int
setup(struct fake *f, const struct rule *rules, struct engine *e, struct errbuf *err)
{
	return fake_dir(f) && setup_in(f, rules, e, err);
}

static void
teardown(struct fake *f)
{
	engine_api_close(&api);
	fake_stop(f);
}

static void
pull_sends_the_encoded_name_and_digest_and_reads_the_stream(struct th *t)
{
	static const struct rule rules[] = {
		{ "GET /version", 200, VERSION_OK, 0 },
		{ "POST /v1.41/images/create", 200, stream_ok, 0 },
		{ NULL, 0, NULL, 0 }
	};
	struct fake f;
	struct engine e;
	struct errbuf err;
	char log[2048];

	REQUIRE(t, setup(&f, rules, &e, &err));
	CHECK_INT(t, e.pull(e.ctx, REF, &err), ENGINE_OK);
	CHECK_INT(t, e.pull(e.ctx, REF, &err), ENGINE_OK);
	fake_log(&f, log, sizeof(log));
	/* The version is negotiated once; the query is percent-encoded. */
	CHECK_STR(t, log, "GET /version\n"
	    "POST /v1.41/images/create?fromImage=localhost%3A5000%2Ftl%2Fmpc-node"
	    "&tag=sha256%3A" HEX64 "\n"
	    "POST /v1.41/images/create?fromImage=localhost%3A5000%2Ftl%2Fmpc-node"
	    "&tag=sha256%3A" HEX64 "\n");
	CHECK(t, api.progress.lines == 4);
	teardown(&f);
}

static void
a_pull_fails_on_an_error_in_the_stream_or_a_refusal(struct th *t)
{
	static const struct rule rules[] = {
		{ "GET /version", 200, VERSION_OK, 0 },
		{ "POST /v1.41/images/create?fromImage=localhost%3A5000%2Ftl%2Fmpc-node", 200, stream_err, 0 },
		{ "POST /v1.41/images/create", 404,
		  "{\"message\":\"pull access denied for other, repository does not exist\"}", 0 },
		{ NULL, 0, NULL, 0 }
	};
	struct fake f;
	struct engine e;
	struct errbuf err;

	REQUIRE(t, setup(&f, rules, &e, &err));
	CHECK_INT(t, e.pull(e.ctx, REF, &err), ENGINE_ERR);
	CHECK_STR(t, err.msg, "engine API POST /images/create " REF
	    ": engine reported: manifest unknown detail");
	CHECK_INT(t, e.pull(e.ctx, "other@sha256:" HEX64, &err), ENGINE_ERR);
	CHECK_STR(t, err.msg, "engine API POST /images/create: HTTP 404: "
	    "pull access denied for other, repository does not exist");
	teardown(&f);
}

static void
an_engine_too_old_is_refused_before_any_other_request(struct th *t)
{
	static const struct rule rules[] = {
		{ "GET /version", 200, "{\"ApiVersion\":\"1.40\",\"MinAPIVersion\":\"1.12\"}", 0 },
		{ NULL, 0, NULL, 0 }
	};
	struct fake f;
	struct engine e;
	struct errbuf err;
	char log[512];

	REQUIRE(t, setup(&f, rules, &e, &err));
	CHECK_INT(t, e.pull(e.ctx, REF, &err), ENGINE_ERR);
	CHECK_STR(t, err.msg, "engine API: the engine speaks 1.12 to 1.40, the launcher 1.41 to 1.52");
	fake_log(&f, log, sizeof(log));
	CHECK_STR(t, log, "GET /version\n");
	teardown(&f);
}

static void
an_engine_that_dropped_1_41_is_spoken_to_at_its_minimum(struct th *t)
{
	static const struct rule rules[] = {
		{ "GET /version", 200, "{\"ApiVersion\":\"1.52\",\"MinAPIVersion\":\"1.44\"}", 0 },
		{ "GET /v1.44/images/", 200, "{\"Id\":\"sha256:" HEX64 "\",\"RepoTags\":[]}", 0 },
		{ NULL, 0, NULL, 0 }
	};
	struct fake f;
	struct engine e;
	struct errbuf err;
	char id[ENGINE_ID_MAX], log[512];

	REQUIRE(t, setup(&f, rules, &e, &err));
	CHECK_INT(t, e.inspect_id(e.ctx, REF, id, sizeof(id), &err), ENGINE_OK);
	CHECK_STR(t, id, "sha256:" HEX64);
	fake_log(&f, log, sizeof(log));
	CHECK_STR(t, log, "GET /version\nGET /v1.44/images/" REF "/json\n");
	teardown(&f);
}

static void
inspect_names_a_missing_image_and_refuses_odd_ids(struct th *t)
{
	static const struct rule rules[] = {
		{ "GET /version", 200, VERSION_OK, 0 },
		{ "GET /v1.41/images/other", 200, "{\"Id\":\"sha256:x y\"}", 0 },
		{ "GET /v1.41/images/", 404, "{\"message\":\"No such image: " REF "\"}", 0 },
		{ NULL, 0, NULL, 0 }
	};
	struct fake f;
	struct engine e;
	struct errbuf err;
	char id[ENGINE_ID_MAX];

	REQUIRE(t, setup(&f, rules, &e, &err));
	CHECK_INT(t, e.inspect_id(e.ctx, REF, id, sizeof(id), &err), ENGINE_ERR);
	CHECK_STR(t, err.msg, "engine API GET /images/" REF "/json: HTTP 404: No such image: " REF);
	CHECK_INT(t, e.inspect_id(e.ctx, "other@sha256:" HEX64, id, sizeof(id), &err), ENGINE_ERR);
	CHECK(t, strstr(err.msg, "expected a string \"Id\"") != NULL);
	CHECK_STR(t, id, "");
	teardown(&f);
}

static void
a_present_image_is_found_with_its_repo_digest_and_an_absent_one_is_not(struct th *t)
{
	static const struct rule rules[] = {
		{ "GET /version", 200, VERSION_OK, 0 },
		{ "GET /v1.41/images/sha256:" HEX64 "/json", 200, "{\"Id\":\"sha256:" HEX64
		    "\",\"RepoDigests\":[\"other/x@sha256:" HEX64 "\",\"reg.test/tl/x@sha256:"
		    "12\",\"reg.test/tl/xy@sha256:" HEX64 "\",\"reg.test/tl/x@sha256:"
		    "abababababababababababababababababababababababababababababababab\"]}", 0 },
		{ "GET /v1.41/images/", 404, "{\"message\":\"No such image\"}", 0 },
		{ NULL, 0, NULL, 0 }
	};
	struct fake f;
	struct engine e;
	struct errbuf err;
	char id[ENGINE_ID_MAX], rd[ENGINE_DIGEST_SIZE], log[512];
	int found = -1;

	REQUIRE(t, setup(&f, rules, &e, &err));
	CHECK_INT(t, engine_api_image_find(&api, REF, "reg.test/tl/x", &found, id, rd, &err),
	    ENGINE_OK);
	CHECK_INT(t, found, 0);
	/* by image ID: only a well-formed entry of exactly this repository */
	CHECK_INT(t, engine_api_image_find(&api, "sha256:" HEX64, "reg.test/tl/x", &found, id,
	    rd, &err), ENGINE_OK);
	CHECK_INT(t, found, 1);
	CHECK_STR(t, id, "sha256:" HEX64);
	CHECK_STR(t, rd, "sha256:abababababababababababababababababababababababababababababababab");
	/* nothing else reaches the URL */
	CHECK_INT(t, engine_api_image_find(&api, "sha256:../../x", "reg.test/tl/x", &found,
	    id, rd, &err), ENGINE_ERR);
	fake_log(&f, log, sizeof(log));
	CHECK_STR(t, log, "GET /version\nGET /v1.41/images/" REF "/json\n"
	    "GET /v1.41/images/sha256:" HEX64 "/json\n");
	teardown(&f);
}

static void
odd_image_and_info_answers_are_read_strictly(struct th *t)
{
	static const struct rule rules[] = {
		{ "GET /version", 200, VERSION_OK, 0 },
		/* no RepoDigests at all: found, but no digest of the repository */
		{ "GET /v1.41/images/reg.test/tl/x@sha256:" HEX64 "/json", 200,
		    "{\"Id\":\"sha256:" HEX64 "\"}", 0 },
		/* entries that are no strings, and a digest of the wrong length */
		{ "GET /v1.41/images/sha256:" HEX64 "/json", 200, "{\"Id\":\"sha256:" HEX64
		    "\",\"RepoDigests\":[7,null,\"reg.test/tl/x@sha256:" HEX64 "0\"]}", 0 },
		{ "GET /v1.41/info", 200, "{\"DriverStatus\":[7,[1,2],[\"driver-type\",2],"
		    "[\"driver-type\",\"overlay2\"],\"driver-type\"]}", 0 },
		{ NULL, 0, NULL, 0 }
	};
	static const struct rule garbage[] = {
		{ "GET /version", 200, VERSION_OK, 0 },
		{ "GET /v1.41/images/reg.test/tl/x@sha256:" HEX64 "/json", 200, "{\"Id\":", 0 },
		{ "GET /v1.41/info", 200, "not json", 0 },
		{ NULL, 0, NULL, 0 }
	};
	struct fake f;
	struct engine e;
	struct errbuf err;
	char id[ENGINE_ID_MAX], rd[ENGINE_DIGEST_SIZE];
	int found = -1, yes = -1;

	REQUIRE(t, setup(&f, rules, &e, &err));
	CHECK_INT(t, engine_api_image_find(&api, "reg.test/tl/x@sha256:" HEX64, "reg.test/tl/x",
	    &found, id, rd, &err), ENGINE_OK);
	CHECK_INT(t, found, 1);
	CHECK_STR(t, id, "sha256:" HEX64);
	CHECK_STR(t, rd, "");
	CHECK_INT(t, engine_api_image_find(&api, "sha256:" HEX64, "reg.test/tl/x", &found, id,
	    rd, &err), ENGINE_OK);
	CHECK_INT(t, found, 1);
	CHECK_STR(t, rd, "");
	CHECK_INT(t, engine_api_store_is_containerd(&api, &yes, &err), ENGINE_OK);
	CHECK_INT(t, yes, 0);
	teardown(&f);
	REQUIRE(t, setup(&f, garbage, &e, &err));
	CHECK_INT(t, engine_api_image_find(&api, "reg.test/tl/x@sha256:" HEX64, "reg.test/tl/x",
	    &found, id, rd, &err), ENGINE_ERR);
	CHECK(t, strncmp(err.msg, "engine API GET /images/reg.test/tl/x@sha256:", 44) == 0);
	CHECK_INT(t, engine_api_store_is_containerd(&api, &yes, &err), ENGINE_ERR);
	CHECK(t, strncmp(err.msg, "engine API GET /info: ", 22) == 0);
	CHECK_INT(t, yes, 0);
	teardown(&f);
}

static void
the_image_store_is_containerd_only_when_info_says_so(struct th *t)
{
	static const struct rule classic[] = {
		{ "GET /version", 200, VERSION_OK, 0 },
		{ "GET /v1.41/info", 200, "{\"Driver\":\"overlay2\",\"DriverStatus\":[[\"Backing "
		    "Filesystem\",\"extfs\"],[\"driver-type\"],[\"x\",\"io.containerd."
		    "snapshotter.v1\"]]}", 0 },
		{ NULL, 0, NULL, 0 }
	};
	static const struct rule containerd[] = {
		{ "GET /version", 200, VERSION_OK, 0 },
		{ "GET /v1.41/info", 200, "{\"Driver\":\"overlayfs\",\"DriverStatus\":[[\"driver-"
		    "type\",\"io.containerd.snapshotter.v1\"]]}", 0 },
		{ NULL, 0, NULL, 0 }
	};
	static const struct rule broken[] = {
		{ "GET /version", 200, VERSION_OK, 0 },
		{ "GET /v1.41/info", 500, "{\"message\":\"boom\"}", 0 },
		{ NULL, 0, NULL, 0 }
	};
	struct fake f;
	struct engine e;
	struct errbuf err;
	int yes = -1;

	REQUIRE(t, setup(&f, classic, &e, &err));
	CHECK_INT(t, engine_api_store_is_containerd(&api, &yes, &err), ENGINE_OK);
	CHECK_INT(t, yes, 0);
	teardown(&f);
	REQUIRE(t, setup(&f, containerd, &e, &err));
	CHECK_INT(t, engine_api_store_is_containerd(&api, &yes, &err), ENGINE_OK);
	CHECK_INT(t, yes, 1);
	teardown(&f);
	REQUIRE(t, setup(&f, broken, &e, &err));
	CHECK_INT(t, engine_api_store_is_containerd(&api, &yes, &err), ENGINE_ERR);
	CHECK_STR(t, err.msg, "engine API GET /info: HTTP 500: boom");
	teardown(&f);
}

static void
references_and_names_outside_the_grammar_never_reach_the_engine(struct th *t)
{
	static const struct rule rules[] = { { NULL, 0, NULL, 0 } };
	static const char *const bad[] = {
		"x@sha256:" HEX64 "/../../containers/create", "-x@sha256:" HEX64,
		"x?a=b@sha256:" HEX64, "x@sha256:" "F2472280c437efc00fa25a030a24990ae16c4fbec0d74914e178473ce4d57372",
		"x:tag", "x@sha512:" HEX64, "", "x y@sha256:" HEX64, NULL
	};
	struct fake f;
	struct engine e;
	struct errbuf err;
	char id[ENGINE_ID_MAX], log[64];
	size_t i;

	REQUIRE(t, setup(&f, rules, &e, &err));
	for (i = 0; bad[i] != NULL; i++) {
		CHECK_INT(t, e.pull(e.ctx, bad[i], &err), ENGINE_ERR);
		CHECK_INT(t, e.inspect_id(e.ctx, bad[i], id, sizeof(id), &err), ENGINE_ERR);
	}
	CHECK_INT(t, e.pull(e.ctx, NULL, &err), ENGINE_ERR);
	CHECK_INT(t, e.remove(e.ctx, "../images/x", &err), ENGINE_ERR);
	CHECK_INT(t, e.remove(e.ctx, "-f", &err), ENGINE_ERR);
	CHECK_INT(t, e.remove(e.ctx, "a?b", &err), ENGINE_ERR);
	fake_log(&f, log, sizeof(log));
	CHECK_STR(t, log, "");
	teardown(&f);
}

static void
remove_stops_then_deletes_and_a_missing_container_is_fine(struct th *t)
{
	static const struct rule rules[] = {
		{ "GET /version", 200, VERSION_OK, 0 },
		{ "POST /v1.41/containers/gone/stop", 404, "{\"message\":\"No such container: gone\"}", 0 },
		{ "POST /v1.41/containers/stuck/stop", 500, "{\"message\":\"cannot stop\"}", 0 },
		{ "POST /v1.41/containers/", 304, "", 0 },
		{ "DELETE /v1.41/containers/stuck", 409, "{\"message\":\"removal in progress\"}", 0 },
		{ "DELETE /v1.41/containers/", 204, "", 0 },
		{ NULL, 0, NULL, 0 }
	};
	struct fake f;
	struct engine e;
	struct errbuf err;
	char log[1024];

	REQUIRE(t, setup(&f, rules, &e, &err));
	CHECK_INT(t, e.remove(e.ctx, "mpc-node", &err), ENGINE_OK);
	CHECK_INT(t, e.remove(e.ctx, "gone", &err), ENGINE_OK);
	CHECK_INT(t, e.remove(e.ctx, "stuck", &err), ENGINE_ERR);
	CHECK_STR(t, err.msg, "engine API DELETE /containers/stuck: HTTP 409: removal in progress");
	fake_log(&f, log, sizeof(log));
	CHECK_STR(t, log, "GET /version\n"
	    "POST /v1.41/containers/mpc-node/stop\n"
	    "DELETE /v1.41/containers/mpc-node?force=1\n"
	    "POST /v1.41/containers/gone/stop\n"
	    "POST /v1.41/containers/stuck/stop\n"
	    "DELETE /v1.41/containers/stuck?force=1\n");
	teardown(&f);
}

static void
launch_replaces_the_container_after_creating_what_is_missing(struct th *t)
{
	static const struct rule rules[] = {
		{ "GET /version", 200, VERSION_OK, 0 },
		{ "POST /v1.41/containers/mpc-node/stop", 404, "{\"message\":\"No such container\"}", 0 },
		{ "GET /v1.41/networks/", 404, "{\"message\":\"network not found\"}", 0 },
		{ "POST /v1.41/networks/create", 201, "{\"Id\":\"n1\",\"Warning\":\"\"}", 0 },
		{ "GET /v1.41/volumes/shared-volume", 200, "{\"Name\":\"shared-volume\"}", 0 },
		{ "GET /v1.41/volumes/", 404, "{\"message\":\"get mpc-data: no such volume\"}", 0 },
		{ "POST /v1.41/volumes/create", 201, "{\"Name\":\"mpc-data\"}", 0 },
		{ "POST /v1.41/containers/create", 201, "{\"Id\":\"c0ffee\",\"Warnings\":[]}", 0 },
		{ "POST /v1.41/containers/mpc-node/start", 204, "", 0 },
		{ NULL, 0, NULL, 0 }
	};
	static char log[16384], body[ENGINE_API_REQUEST_MAX], want[ENGINE_API_REQUEST_MAX + 4096];
	struct launch_plan l;
	struct fake f;
	struct engine e;
	struct errbuf err;
	size_t len;

	REQUIRE(t, setup(&f, rules, &e, &err));
	launch_init(&l, LAUNCH_TEE);
	CHECK_INT(t, e.launch(e.ctx, &l, &err), ENGINE_OK);
	REQUIRE_INT(t, engine_api_create_body(&l, body, sizeof(body), &len, &err), ENGINE_OK);
	snprintf(want, sizeof(want), "GET /version\n"
	    "POST /v1.41/containers/mpc-node/stop\n"
	    "GET /v1.41/networks/mpc-node_default\n"
	    "POST /v1.41/networks/create {\"Name\":\"mpc-node_default\",\"CheckDuplicate\":true,"
	    "\"Driver\":\"bridge\",\"Attachable\":true,\"Labels\":{\"com.docker.compose.network\":"
	    "\"default\",\"com.docker.compose.project\":\"mpc-node\"}}\n"
	    "GET /v1.41/volumes/shared-volume\n"
	    "GET /v1.41/volumes/mpc-data\n"
	    "POST /v1.41/volumes/create {\"Name\":\"mpc-data\",\"Labels\":{\"com.docker.compose.volume\":"
	    "\"mpc-data\",\"com.docker.compose.project\":\"mpc-node\"}}\n"
	    "POST /v1.41/containers/create?name=mpc-node %s\n"
	    "POST /v1.41/containers/mpc-node/start\n", body);
	fake_log(&f, log, sizeof(log));
	CHECK_STR(t, log, want);
	teardown(&f);
}

static int
count_lines(const char *log, const char *prefix)
{
	int n = 0;

	for (; (log = strstr(log, prefix)) != NULL; log++)
		n++;
	return n;
}

/* One non-TEE launch against a fake engine answering by rules; its
 * request log into log.  Returns launch's result, or -100 on setup failure. */
static int
launch_logged(const struct rule *rules, char *log, size_t cap)
{
	struct launch_plan l;
	struct fake f;
	struct engine e;
	struct errbuf err;
	int rc;

	if (!setup(&f, rules, &e, &err))
		return -100;
	launch_init(&l, LAUNCH_NONTEE);
	rc = e.launch(e.ctx, &l, &err);
	fake_log(&f, log, cap);
	teardown(&f);
	return rc;
}

/* A killed launcher's create can complete after the takeover removed the
 * name: that container is removed once and ours created. */
static void
a_container_that_appears_after_the_takeover_is_removed_once(struct th *t)
{
	static const struct rule rules[] = {
		{ "GET /version", 200, VERSION_OK, 0 },
		{ "POST /v1.41/containers/mpc-node/stop", 204, "", 0 },
		{ "DELETE /v1.41/containers/mpc-node", 204, "", 0 },
		{ "GET /v1.41/", 200, "{}", 0 },
		{ "POST /v1.41/containers/create", 409,
		  "{\"message\":\"Conflict. The container name is already in use\"}", 1 },
		{ "POST /v1.41/containers/create", 201, "{\"Id\":\"c0ffee\"}", 0 },
		{ "POST /v1.41/containers/mpc-node/start", 204, "", 0 },
		{ NULL, 0, NULL, 0 }
	};
	char log[8192];
	const char *first, *del;

	CHECK_INT(t, launch_logged(rules, log, sizeof(log)), ENGINE_OK);
	CHECK_INT(t, count_lines(log, "POST /v1.41/containers/create"), 2);
	first = strstr(log, "POST /v1.41/containers/create");
	del = first != NULL ? strstr(first, "DELETE /v1.41/containers/mpc-node") : NULL;
	CHECK(t, del != NULL && strstr(del, "POST /v1.41/containers/create") != NULL);
	CHECK(t, strstr(log, "POST /v1.41/containers/mpc-node/start") != NULL);
}

/* The name reserved by a create the engine is still finishing (a dead
 * launcher's): nothing to remove yet, so wait and try again. */
static void
a_create_still_in_flight_is_waited_for(struct th *t)
{
	static const struct rule rules[] = {
		{ "GET /version", 200, VERSION_OK, 0 },
		{ "POST /v1.41/containers/mpc-node/stop", 404, "{}", 0 },
		{ "GET /v1.41/", 200, "{}", 0 },
		{ "POST /v1.41/containers/create", 409,
		  "{\"message\":\"Conflict. The container name is already in use\"}", 2 },
		{ "POST /v1.41/containers/create", 201, "{\"Id\":\"c0ffee\"}", 0 },
		{ "POST /v1.41/containers/mpc-node/start", 204, "", 0 },
		{ NULL, 0, NULL, 0 }
	};
	char log[8192];

	CHECK_INT(t, launch_logged(rules, log, sizeof(log)), ENGINE_OK);
	CHECK_INT(t, count_lines(log, "POST /v1.41/containers/create"), 3);
	CHECK(t, strstr(log, "DELETE") == NULL);
	CHECK(t, strstr(log, "POST /v1.41/containers/mpc-node/start") != NULL);
}

static void
a_refused_create_names_the_engines_reason_and_starts_nothing(struct th *t)
{
	static const struct rule rules[] = {
		{ "GET /version", 200, VERSION_OK, 0 },
		{ "POST /v1.41/containers/mpc-node/stop", 404, "{}", 1 },
		{ "POST /v1.41/containers/mpc-node/stop", 204, "", 0 },
		{ "DELETE /v1.41/containers/mpc-node", 204, "", 0 },
		{ "GET /v1.41/", 200, "{}", 0 },
		{ "POST /v1.41/containers/create", 409,
		  "{\"message\":\"Conflict. The container name \\\"/mpc-node\\\" is already in use\"}", 0 },
		{ "POST /v1.41/containers/mpc-node/start", 204, "", 0 },
		{ NULL, 0, NULL, 0 }
	};
	struct launch_plan l;
	struct fake f;
	struct engine e;
	struct errbuf err;
	char log[16384];

	REQUIRE(t, setup(&f, rules, &e, &err));
	launch_init(&l, LAUNCH_NONTEE);
	CHECK_INT(t, e.launch(e.ctx, &l, &err), ENGINE_ERR);
	CHECK_STR(t, err.msg, "engine API POST /containers/create: HTTP 409: "
	    "Conflict. The container name \"/mpc-node\" is already in use");
	fake_log(&f, log, sizeof(log));
	CHECK(t, strstr(log, "/start") == NULL);
	/* the name still taken after each removal: given up after a bound */
	CHECK(t, strstr(log, "create?name=mpc-node") != NULL &&
	    strstr(strstr(log, "create?name=mpc-node") + 1, "DELETE /v1.41/containers/mpc-node") != NULL);
	CHECK_INT(t, count_lines(log, "POST /v1.41/containers/create"), ENGINE_API_CREATE_ATTEMPTS);
	/* Bad parameters: nothing is sent at all. */
	l.config_path = "relative";
	CHECK_INT(t, e.launch(e.ctx, &l, &err), ENGINE_ERR);
	teardown(&f);
}

static void
an_absent_socket_is_a_connect_error_naming_it(struct th *t)
{
	struct engine e;
	struct errbuf err;

	REQUIRE_INT(t, engine_api_init(&api, "unix:///nonexistent/docker.sock", &err), ENGINE_OK);
	engine_api_bind(&api, &e);
	CHECK_INT(t, e.pull(e.ctx, REF, &err), ENGINE_ERR);
	CHECK(t, strstr(err.msg, "engine API (/nonexistent/docker.sock): ") == err.msg);
	engine_api_close(&api);
}

/* ------------------------------------------------------------ takeover */

#define ID_NODE "1111111111111111111111111111111111111111111111111111111111111111"
#define ID_EVIL "2222222222222222222222222222222222222222222222222222222222222222"
#define ID_LAUNCHER "3333333333333333333333333333333333333333333333333333333333333333"
#define SPEC_OLD "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SPEC_NEW "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define LIST "GET /v1.41/containers/json?all=1&filters="
#define NODE_RUNNING "{\"Id\":\"" ID_NODE "\",\"Names\":[\"/mpc-node\"],\"State\":\"running\"," \
	"\"Labels\":{\"org.tee-launcher.spec\":\"" SPEC_OLD "\"},\"Mounts\":[{\"Type\":\"volume\"," \
	"\"Name\":\"shared-volume\",\"Source\":\"/v/_data\",\"Destination\":\"/mnt/shared\"}]}"
#define EVIL(state) "{\"Id\":\"" ID_EVIL "\",\"Names\":[\"/evil\"],\"State\":\"" state "\"," \
	"\"Labels\":{},\"Mounts\":[{\"Type\":\"volume\",\"Name\":\"shared-volume\"," \
	"\"Source\":\"/v/_data\",\"Destination\":\"/x\"}]}"
/* Binds the engine socket at the path the launcher uses: a launcher. */
#define LAUNCHER(sock) "{\"Id\":\"" ID_LAUNCHER "\",\"Names\":[\"/launcher\"]," \
	"\"State\":\"running\",\"Labels\":{},\"Mounts\":[{\"Type\":\"bind\"," \
	"\"Source\":\"" sock "\",\"Destination\":\"/var/run/docker.sock\"}]}"

static void
takeover_stops_the_node_and_volume_writers_and_spares_launchers(struct th *t)
{
	/* The first listing shows them running, the confirming one stopped. */
	static char volume_first[2048];
	static struct rule rules[] = {
		{ "GET /version", 200, VERSION_OK, 0 },
		{ LIST "%7B%22name", 200, "[" NODE_RUNNING "]", 1 },
		{ LIST "%7B%22label", 200, "[" NODE_RUNNING "]", 1 },
		{ LIST "%7B%22volume", 200, volume_first, 1 },
		{ LIST "%7B%22name", 200, "[]", 0 },
		{ LIST "%7B%22label", 200, "[]", 0 },
		{ LIST "%7B%22volume", 200, "[" EVIL("exited") "]", 0 },
		{ "POST /v1.41/containers/" ID_EVIL "/update", 200, "{\"Warnings\":[]}", 0 },
		{ "POST /v1.41/containers/" ID_NODE "/update", 200, "{\"Warnings\":[]}", 0 },
		{ "POST /v1.41/containers/" ID_EVIL "/wait", 200, "{\"StatusCode\":0}", 0 },
		{ "POST /v1.41/containers/" ID_NODE "/wait", 200, "{\"StatusCode\":0}", 0 },
		{ "POST /v1.41/containers/mpc-node-previous/stop", 404, "{\"message\":\"no\"}", 0 },
		{ "POST /v1.41/containers/", 204, "", 0 },
		{ NULL, 0, NULL, 0 }
	};
	static struct takeover tk;
	static char log[8192], want[8192];
	struct fake f;
	struct engine e;
	struct errbuf err;

	/* The launcher entry binds the fake's own socket: name it first. */
	REQUIRE(t, fake_dir(&f));
	snprintf(volume_first, sizeof(volume_first),
	    "[" NODE_RUNNING "," EVIL("running") "," LAUNCHER("%s") "]", f.sock);
	REQUIRE(t, setup_in(&f, rules, &e, &err));
	tk.keep_previous = 1; /* the api backend */
	CHECK_INT(t, takeover_stop_old(&tk, &api, SPEC_NEW, &err), 0);
	CHECK_STR(t, tk.restart_id, "");
	fake_log(&f, log, sizeof(log));
	snprintf(want, sizeof(want), "GET /version\n"
	    LIST "%%7B%%22name%%22%%3A%%5B%%22%%5E%%2F%%3Fmpc-node%%24%%22%%5D%%7D\n"
	    LIST "%%7B%%22label%%22%%3A%%5B%%22com.docker.compose.project%%3Dmpc-node%%22%%5D%%7D\n"
	    LIST "%%7B%%22volume%%22%%3A%%5B%%22shared-volume%%22%%5D%%7D\n"
	    /* other writers first: lose their restart policy, then stop */
	    "POST /v1.41/containers/" ID_EVIL "/update {\"RestartPolicy\":{\"Name\":\"no\"}}\n"
	    "POST /v1.41/containers/" ID_EVIL "/stop\n"
	    "POST /v1.41/containers/" ID_EVIL "/wait?condition=not-running\n"
	    /* the node: stopped, then kept aside for its logs (spec differs) */
	    "POST /v1.41/containers/" ID_NODE "/stop\n"
	    "POST /v1.41/containers/" ID_NODE "/wait?condition=not-running\n"
	    "POST /v1.41/containers/mpc-node-previous/stop\n"
	    "POST /v1.41/containers/" ID_NODE "/rename?name=mpc-node-previous\n"
	    "POST /v1.41/containers/" ID_NODE "/update {\"RestartPolicy\":{\"Name\":\"no\"}}\n"
	    /* and nothing runs any more */
	    LIST "%%7B%%22name%%22%%3A%%5B%%22%%5E%%2F%%3Fmpc-node%%24%%22%%5D%%7D\n"
	    LIST "%%7B%%22label%%22%%3A%%5B%%22com.docker.compose.project%%3Dmpc-node%%22%%5D%%7D\n"
	    LIST "%%7B%%22volume%%22%%3A%%5B%%22shared-volume%%22%%5D%%7D\n");
	CHECK_STR(t, log, want);
	CHECK(t, strstr(log, ID_LAUNCHER) == NULL);
	teardown(&f);
}

static void
takeover_restarts_an_old_node_with_the_same_spec(struct th *t)
{
	static const struct rule rules[] = {
		{ "GET /version", 200, VERSION_OK, 0 },
		{ LIST "%7B%22name", 200, "[" NODE_RUNNING "]", 1 },
		{ LIST, 200, "[]", 0 },
		{ "POST /v1.41/containers/" ID_NODE "/wait", 200, "{\"StatusCode\":0}", 0 },
		{ "POST /v1.41/containers/", 204, "", 0 },
		{ NULL, 0, NULL, 0 }
	};
	static struct takeover tk;
	static char log[8192];
	struct launch_plan l;
	struct fake f;
	struct engine e;
	struct errbuf err;

	REQUIRE(t, setup(&f, rules, &e, &err));
	tk.keep_previous = 1;
	CHECK_INT(t, takeover_stop_old(&tk, &api, SPEC_OLD, &err), 0);
	CHECK_STR(t, tk.restart_id, ID_NODE);
	launch_init(&l, LAUNCH_TEE);
	CHECK_INT(t, takeover_start(&tk, &api, &e, &l, &err), 0);
	fake_log(&f, log, sizeof(log));
	/* stopped and started again: no rename, no create */
	CHECK(t, strstr(log, "/" ID_NODE "/stop\n") != NULL);
	CHECK(t, strstr(log, "/" ID_NODE "/start\n") != NULL);
	CHECK(t, strstr(log, "rename") == NULL && strstr(log, "/containers/create") == NULL);
	teardown(&f);
}

static void
takeover_fails_when_a_writer_runs_again(struct th *t)
{
	static const struct rule rules[] = {
		{ "GET /version", 200, VERSION_OK, 0 },
		{ LIST "%7B%22volume", 200, "[" EVIL("running") "]", 0 },
		{ LIST, 200, "[]", 0 },
		{ "POST /v1.41/containers/" ID_EVIL "/update", 200, "{}", 0 },
		{ "POST /v1.41/containers/" ID_EVIL "/wait", 200, "{\"StatusCode\":0}", 0 },
		{ "POST /v1.41/containers/", 204, "", 0 },
		{ NULL, 0, NULL, 0 }
	};
	static struct takeover tk;
	struct fake f;
	struct engine e;
	struct errbuf err;

	REQUIRE(t, setup(&f, rules, &e, &err));
	tk.keep_previous = 1;
	CHECK_INT(t, takeover_stop_old(&tk, &api, SPEC_NEW, &err), -1);
	CHECK(t, strstr(err.msg, "container evil (" ID_EVIL ") is running again") == err.msg);
	teardown(&f);
}

static void
a_stop_the_engine_refuses_fails_the_takeover(struct th *t)
{
	static const struct rule rules[] = {
		{ "GET /version", 200, VERSION_OK, 0 },
		{ LIST "%7B%22volume", 200, "[" EVIL("running") "]", 0 },
		{ LIST, 200, "[]", 0 },
		{ "POST /v1.41/containers/" ID_EVIL "/update", 200, "{}", 0 },
		{ "POST /v1.41/containers/" ID_EVIL "/stop", 500, "{\"message\":\"cannot stop\"}", 0 },
		{ NULL, 0, NULL, 0 }
	};
	static struct takeover tk;
	struct fake f;
	struct engine e;
	struct errbuf err;

	REQUIRE(t, setup(&f, rules, &e, &err));
	tk.keep_previous = 1;
	CHECK_INT(t, takeover_stop_old(&tk, &api, SPEC_NEW, &err), -1);
	CHECK(t, strstr(err.msg, "stopping evil: ") == err.msg);
	CHECK(t, strstr(err.msg, "HTTP 500: cannot stop") != NULL);
	teardown(&f);
}

static void
the_spec_id_changes_with_anything_the_container_gets(struct th *t)
{
	struct launch_plan l;
	struct errbuf err;
	char a[LAUNCH_SPEC_HEX + 1], b[LAUNCH_SPEC_HEX + 1];

	launch_init(&l, LAUNCH_TEE);
	REQUIRE_INT(t, engine_api_spec_id(&l, a, &err), ENGINE_OK);
	CHECK_INT(t, (int)strlen(a), LAUNCH_SPEC_HEX);
	l.spec_id = SPEC_OLD; /* the label itself is not part of the id */
	REQUIRE_INT(t, engine_api_spec_id(&l, b, &err), ENGINE_OK);
	CHECK_STR(t, a, b);
	l.manifest.b[31] ^= 1;
	REQUIRE_INT(t, engine_api_spec_id(&l, b, &err), ENGINE_OK);
	CHECK(t, strcmp(a, b) != 0);
	launch_init(&l, LAUNCH_TEE);
	l.nports = 1;
	REQUIRE_INT(t, engine_api_spec_id(&l, b, &err), ENGINE_OK);
	CHECK(t, strcmp(a, b) != 0);
}

/* ------------------------------------------------------------ more edges */

static void
a_version_answer_that_fails_or_is_no_json_stops_everything(struct th *t)
{
	static const struct rule rules[] = {
		{ "GET /version", 500, "{\"message\":\"daemon starting\"}", 1 },
		{ "GET /version", 200, "not json", 1 },
		{ "GET /version", 200, "{\"ApiVersion\":\"1.41\",\"MinAPIVersion\":\"1.45\"}", 1 },
		{ NULL, 0, NULL, 0 }
	};
	struct fake f;
	struct engine e;
	struct errbuf err;
	char log[256];

	REQUIRE(t, setup(&f, rules, &e, &err));
	CHECK_INT(t, e.pull(e.ctx, REF, &err), ENGINE_ERR);
	CHECK_STR(t, err.msg, "engine API GET /version: HTTP 500: daemon starting");
	CHECK_INT(t, e.pull(e.ctx, REF, &err), ENGINE_ERR);
	CHECK(t, strstr(err.msg, "engine API GET /version: ") == err.msg);
	/* a minimum above the maximum */
	CHECK_INT(t, e.pull(e.ctx, REF, &err), ENGINE_ERR);
	CHECK_STR(t, err.msg, "engine API: the engine speaks 1.45 to 1.41, the launcher 1.41 to 1.52");
	fake_log(&f, log, sizeof(log));
	CHECK_STR(t, log, "GET /version\nGET /version\nGET /version\n");
	teardown(&f);
}

static void
versions_and_socket_paths_outside_the_grammar_are_refused(struct th *t)
{
	char p[17];
	struct errbuf err;
	int m = 0;

	CHECK_INT(t, engine_api_version_pick("1.41", "1.1234", &m, &err), ENGINE_ERR);
	CHECK_INT(t, engine_api_version_pick("1.41", "1.12345", &m, &err), ENGINE_ERR);
	CHECK_INT(t, engine_api_version_pick("1.041", "1.12", &m, &err), ENGINE_OK);
	CHECK_INT(t, m, 41);
	CHECK_INT(t, engine_api_socket_path("unix:///run/docker.sock", p, sizeof(p), &err),
	    ENGINE_OK);
	CHECK_STR(t, p, "/run/docker.sock");
	CHECK_INT(t, engine_api_socket_path("unix:///run/docker.sock2", p, sizeof(p), &err),
	    ENGINE_ERR); /* does not fit the caller's buffer */
	CHECK_INT(t, engine_api_init(&api, "tcp://127.0.0.1:2375", &err), ENGINE_ERR);
	CHECK(t, strstr(err.msg, "DOCKER_HOST: ") == err.msg);
}

static void
a_progress_stream_keeps_its_first_error_and_skips_blank_lines(struct th *t)
{
	struct errbuf err;

	CHECK_INT(t, progress_run("{\"error\":\"first\"}\n{\"error\":\"second\"}\n", 38, 38, &err),
	    ENGINE_ERR);
	CHECK_STR(t, err.msg, "engine reported: first");
	CHECK_INT(t, progress_run(" \t\r\n{\"status\":\"x\"}\n", 19, 2, &err), ENGINE_OK);
	/* an error after an overlong line: the overlong line is reported */
	{
		static char big[ENGINE_API_LINE_MAX + 64];
		size_t n = sizeof(big) - 1;

		memset(big, 'x', n);
		big[0] = '{';
		CHECK_INT(t, progress_run(big, n, n, &err), ENGINE_ERR);
		CHECK(t, strstr(err.msg, "longer than") != NULL);
	}
}

static void
pull_encodes_every_character_outside_the_unreserved_set(struct th *t)
{
	static const struct rule rules[] = {
		{ "GET /version", 200, VERSION_OK, 0 },
		{ "POST /v1.41/images/create", 200, stream_ok, 0 },
		{ NULL, 0, NULL, 0 }
	};
	struct fake f;
	struct engine e;
	struct errbuf err;
	char log[1024];

	REQUIRE(t, setup(&f, rules, &e, &err));
	CHECK_INT(t, e.pull(e.ctx, "Reg.test:5000/A_b/c-d@sha256:" HEX64, &err), ENGINE_OK);
	fake_log(&f, log, sizeof(log));
	CHECK_STR(t, log, "GET /version\n"
	    "POST /v1.41/images/create?fromImage=Reg.test%3A5000%2FA_b%2Fc-d"
	    "&tag=sha256%3A" HEX64 "\n");
	teardown(&f);
}

static void
inspect_refuses_answers_that_are_no_json_or_too_long(struct th *t)
{
	static const struct rule rules[] = {
		{ "GET /version", 200, VERSION_OK, 0 },
		{ "GET /v1.41/images/a@", 200, "[", 0 },
		{ "GET /v1.41/images/b@", 200, "{\"Id\":\"\"}", 0 },
		{ "GET /v1.41/images/c@", 502, "Bad Gateway from a proxy", 0 },
		{ "GET /v1.41/images/d@", 500, "", 0 },
		{ "GET /v1.41/images/", 200, "{\"Id\":\"sha256:" HEX64 "\"}", 0 },
		{ NULL, 0, NULL, 0 }
	};
	struct fake f;
	struct engine e;
	struct errbuf err;
	char id[ENGINE_ID_MAX], small[16];

	REQUIRE(t, setup(&f, rules, &e, &err));
	CHECK_INT(t, e.inspect_id(e.ctx, "a@sha256:" HEX64, id, sizeof(id), &err), ENGINE_ERR);
	CHECK(t, strstr(err.msg, "engine API GET /images/a@sha256:" HEX64 "/json: ") == err.msg);
	CHECK_INT(t, e.inspect_id(e.ctx, "b@sha256:" HEX64, id, sizeof(id), &err), ENGINE_ERR);
	CHECK(t, strstr(err.msg, "expected a string \"Id\"") != NULL);
	/* an error answer that is no JSON is quoted as text, an empty one not at all */
	CHECK_INT(t, e.inspect_id(e.ctx, "c@sha256:" HEX64, id, sizeof(id), &err), ENGINE_ERR);
	CHECK_STR(t, err.msg, "engine API GET /images/c@sha256:" HEX64 "/json: HTTP 502: "
	    "Bad Gateway from a proxy");
	CHECK_INT(t, e.inspect_id(e.ctx, "d@sha256:" HEX64, id, sizeof(id), &err), ENGINE_ERR);
	CHECK_STR(t, err.msg, "engine API GET /images/d@sha256:" HEX64 "/json: HTTP 500");
	CHECK_INT(t, e.inspect_id(e.ctx, REF, small, sizeof(small), &err), ENGINE_ERR);
	CHECK(t, strstr(err.msg, "expected a string \"Id\" of 1 to 15 printable bytes") != NULL);
	CHECK_STR(t, small, "");
	teardown(&f);
}

#define ENTRY(id, name, state, extra) "{\"Id\":\"" id "\",\"Names\":[" name "],\"State\":\"" \
	state "\"" extra "}"
#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define ID_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

static void
the_node_containers_are_listed_once_each_with_their_state(struct th *t)
{
	static char volume[2048];
	static struct rule rules[] = {
		{ "GET /version", 200, VERSION_OK, 0 },
		{ LIST "%7B%22name", 200, "[" ENTRY(ID_A, "", "created", ",\"Labels\":{\"org.tee-launcher.spec\":"
		    "\"" SPEC_OLD SPEC_OLD "\"}") "]", 0 },
		{ LIST "%7B%22label", 200, "[" ENTRY(ID_A, "", "created", "") "," ENTRY(ID_B, "\"plain\"",
		    "dead", "") "]", 0 },
		{ LIST "%7B%22volume", 200, volume, 0 },
		{ NULL, 0, NULL, 0 }
	};
	static struct engine_node_containers list;
	struct fake f;
	struct engine e;
	struct errbuf err;

	REQUIRE(t, fake_dir(&f));
	/* mounts the engine socket as its destination: a launcher */
	snprintf(volume, sizeof(volume), "[" ENTRY(ID_C, "\"/c\"", "restarting",
	    ",\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/elsewhere\",\"Destination\":\"%s\"},"
	    "{\"Type\":\"volume\"}]") "]", f.sock);
	REQUIRE(t, setup_in(&f, rules, &e, &err));
	REQUIRE_INT(t, engine_api_node_containers(&api, &list, &err), ENGINE_OK);
	REQUIRE_INT(t, (int)list.n, 3);
	CHECK_STR(t, list.c[0].id, ID_A);
	CHECK_STR(t, list.c[0].name, "");
	CHECK_STR(t, list.c[0].spec, ""); /* too long to be ours */
	CHECK_INT(t, list.c[0].running, 0);
	CHECK_STR(t, list.c[1].name, "plain");
	CHECK_INT(t, list.c[1].running, 0);
	CHECK_STR(t, list.c[2].name, "c");
	CHECK_INT(t, list.c[2].running, 1);
	CHECK_INT(t, list.c[2].launcher, 1);
	CHECK_INT(t, list.c[0].launcher, 0);
	teardown(&f);
}

static void
a_container_listing_that_is_malformed_or_too_long_fails(struct th *t)
{
	static char many[64 * 200];
	static struct rule rules[] = {
		{ "GET /version", 200, VERSION_OK, 0 },
		{ LIST, 500, "{\"message\":\"boom\"}", 1 },
		{ LIST, 200, "{}", 1 },
		{ LIST, 200, "[", 1 },
		{ LIST, 200, "[{\"Id\":\"" ID_A "\"}]", 1 },
		{ LIST, 200, "[{\"Id\":\"AAAA\",\"State\":\"running\"}]", 1 },
		{ LIST, 200, many, 1 },
		{ NULL, 0, NULL, 0 }
	};
	static struct engine_node_containers list;
	struct fake f;
	struct engine e;
	struct errbuf err;
	size_t o, i;

	o = (size_t)snprintf(many, sizeof(many), "[");
	for (i = 0; i <= ENGINE_NODE_CONTAINERS_MAX; i++)
		o += (size_t)snprintf(many + o, sizeof(many) - o, "%s{\"Id\":\"%064zx\","
		    "\"State\":\"running\"}", i ? "," : "", i + 1);
	snprintf(many + o, sizeof(many) - o, "]");
	REQUIRE(t, setup(&f, rules, &e, &err));
	CHECK_INT(t, engine_api_node_containers(&api, &list, &err), ENGINE_ERR);
	CHECK(t, strstr(err.msg, "engine API GET /containers/json: HTTP 500: boom") == err.msg);
	/* valid JSON but no array: the message is this answer's alone (it
	 * once wrapped whatever err held before) */
	CHECK_INT(t, engine_api_node_containers(&api, &list, &err), ENGINE_ERR);
	CHECK_STR(t, err.msg, "engine API GET /containers/json: not a JSON array");
	CHECK_INT(t, engine_api_node_containers(&api, &list, &err), ENGINE_ERR);
	CHECK(t, strstr(err.msg, "engine API GET /containers/json: not a JSON array: ") == err.msg);
	CHECK_INT(t, engine_api_node_containers(&api, &list, &err), ENGINE_ERR);
	CHECK(t, strstr(err.msg, "entry without an Id or State") != NULL);
	CHECK_INT(t, engine_api_node_containers(&api, &list, &err), ENGINE_ERR);
	CHECK(t, strstr(err.msg, "container id must be 64 lowercase hex digits") != NULL);
	CHECK_INT(t, engine_api_node_containers(&api, &list, &err), ENGINE_ERR);
	CHECK(t, strstr(err.msg, "engine: more than 32 containers are named mpc-node") == err.msg);
	teardown(&f);
}

static void
container_operations_send_only_well_formed_ids_and_names(struct th *t)
{
	static const struct rule rules[] = {
		{ "GET /version", 200, VERSION_OK, 0 },
		{ "POST /v1.41/containers/" ID_A "/start", 304, "", 0 },
		{ "POST /v1.41/containers/" ID_A "/rename", 204, "", 0 },
		{ "POST /v1.41/containers/" ID_A "/update", 404, "{\"message\":\"gone\"}", 0 },
		{ NULL, 0, NULL, 0 }
	};
	struct fake f;
	struct engine e;
	struct errbuf err;
	char log[1024];

	REQUIRE(t, setup(&f, rules, &e, &err));
	CHECK_INT(t, engine_api_container_start(&api, ID_A, &err), ENGINE_OK);
	CHECK_INT(t, engine_api_container_rename(&api, ID_A, "mpc-node-previous", &err), ENGINE_OK);
	CHECK_INT(t, engine_api_container_no_restart(&api, ID_A, &err), ENGINE_ERR);
	CHECK_STR(t, err.msg, "engine API POST /containers/" ID_A "/update: HTTP 404: gone");
	CHECK_INT(t, engine_api_container_start(&api, "ABC", &err), ENGINE_ERR);
	CHECK_STR(t, err.msg, "engine: container id must be 64 lowercase hex digits");
	CHECK_INT(t, engine_api_container_stop(&api, NULL, &err), ENGINE_ERR);
	CHECK_INT(t, engine_api_container_rename(&api, ID_A, ".hidden", &err), ENGINE_ERR);
	CHECK_INT(t, engine_api_container_rename(&api, ID_A, NULL, &err), ENGINE_ERR);
	CHECK_INT(t, engine_api_container_remove(&api, "a/b", &err), ENGINE_ERR);
	{
		char longname[130];

		memset(longname, 'n', 129);
		longname[129] = '\0';
		CHECK_INT(t, engine_api_container_remove(&api, longname, &err), ENGINE_ERR);
	}
	fake_log(&f, log, sizeof(log));
	CHECK_STR(t, log, "GET /version\n"
	    "POST /v1.41/containers/" ID_A "/start\n"
	    "POST /v1.41/containers/" ID_A "/rename?name=mpc-node-previous\n"
	    "POST /v1.41/containers/" ID_A "/update {\"RestartPolicy\":{\"Name\":\"no\"}}\n");
	teardown(&f);
}

static void
prepare_checks_the_launch_without_touching_the_engine(struct th *t)
{
	static const struct rule rules[] = { { NULL, 0, NULL, 0 } };
	struct launch_plan l;
	struct fake f;
	struct engine e;
	struct errbuf err;
	char log[64];

	REQUIRE(t, setup(&f, rules, &e, &err));
	launch_init(&l, LAUNCH_TEE);
	CHECK_INT(t, e.prepare(e.ctx, &l, &err), ENGINE_OK);
	l.spec_id = SPEC_NEW; /* the label the takeover compares */
	CHECK_INT(t, e.prepare(e.ctx, &l, &err), ENGINE_OK);
	CHECK(t, strstr(api.req, "\"org.tee-launcher.spec\":\"" SPEC_NEW "\"") != NULL);
	l.config_path = "relative";
	CHECK_INT(t, e.prepare(e.ctx, &l, &err), ENGINE_ERR);
	fake_log(&f, log, sizeof(log));
	CHECK_STR(t, log, "");
	teardown(&f);
}

static void
launch_stops_at_the_first_network_or_volume_the_engine_refuses(struct th *t)
{
	static const struct rule net_rules[] = {
		{ "GET /version", 200, VERSION_OK, 0 },
		{ "POST /v1.41/containers/mpc-node/stop", 500, "{\"message\":\"busy\"}", 0 },
		{ "DELETE /v1.41/containers/mpc-node", 500, "{\"message\":\"busy\"}", 0 },
		{ "GET /v1.41/networks/", 500, "{\"message\":\"no networks today\"}", 0 },
		{ NULL, 0, NULL, 0 }
	};
	static const struct rule vol_rules[] = {
		{ "GET /version", 200, VERSION_OK, 0 },
		{ "POST /v1.41/containers/mpc-node/stop", 404, "{}", 0 },
		{ "GET /v1.41/networks/", 200, "{}", 0 },
		{ "GET /v1.41/volumes/", 404, "{}", 0 },
		{ "POST /v1.41/volumes/create", 409, "{\"message\":\"volume exists\"}", 0 },
		{ NULL, 0, NULL, 0 }
	};
	static const struct rule noid_rules[] = {
		{ "GET /version", 200, VERSION_OK, 0 },
		{ "POST /v1.41/containers/mpc-node/stop", 404, "{}", 0 },
		{ "GET /v1.41/", 200, "{}", 0 },
		{ "POST /v1.41/containers/create", 201, "created", 0 },
		{ "POST /v1.41/containers/mpc-node/start", 204, "", 0 },
		{ NULL, 0, NULL, 0 }
	};
	static char log[4096];
	struct launch_plan l;
	struct fake f;
	struct engine e;
	struct errbuf err;

	launch_init(&l, LAUNCH_NONTEE);
	REQUIRE(t, setup(&f, net_rules, &e, &err));
	CHECK_INT(t, e.launch(e.ctx, &l, &err), ENGINE_ERR);
	CHECK_STR(t, err.msg, "engine API GET /networks/mpc-node_default: HTTP 500: no networks today");
	fake_log(&f, log, sizeof(log));
	CHECK(t, strstr(log, "/create") == NULL);
	teardown(&f);
	REQUIRE(t, setup(&f, vol_rules, &e, &err));
	CHECK_INT(t, e.launch(e.ctx, &l, &err), ENGINE_ERR);
	CHECK_STR(t, err.msg, "engine API POST /volumes/create: HTTP 409: volume exists");
	fake_log(&f, log, sizeof(log));
	CHECK(t, strstr(log, "containers/create") == NULL);
	teardown(&f);
	/* a create answer without an Id still starts the container it made */
	REQUIRE(t, setup(&f, noid_rules, &e, &err));
	CHECK_INT(t, e.launch(e.ctx, &l, &err), ENGINE_OK);
	fake_log(&f, log, sizeof(log));
	CHECK(t, strstr(log, "POST /v1.41/containers/mpc-node/start\n") != NULL);
	teardown(&f);
}

void
suite_engine_api(struct th *t)
{
	th_run(t, "engine_api: a present image is found with its own repo digest, an absent one is not",
	    a_present_image_is_found_with_its_repo_digest_and_an_absent_one_is_not);
	th_run(t, "engine_api: the image store is containerd's only when /info says so",
	    the_image_store_is_containerd_only_when_info_says_so);
	th_run(t, "engine_api: odd image and info answers are read strictly",
	    odd_image_and_info_answers_are_read_strictly);
	th_run(t, "takeover: stops the node and other volume writers, spares launchers",
	    takeover_stops_the_node_and_volume_writers_and_spares_launchers);
	th_run(t, "takeover: an old node with the same spec is started again",
	    takeover_restarts_an_old_node_with_the_same_spec);
	th_run(t, "takeover: a writer running again after the stop fails it",
	    takeover_fails_when_a_writer_runs_again);
	th_run(t, "takeover: a stop the engine refuses fails it",
	    a_stop_the_engine_refuses_fails_the_takeover);
	th_run(t, "engine_api: the spec id changes with anything the container gets",
	    the_spec_id_changes_with_anything_the_container_gets);
	th_run(t, "engine_api: the socket comes from DOCKER_HOST (unix:// only) or the default",
	    the_socket_comes_from_docker_host_or_the_default);
	th_run(t, "engine_api: the version is 1.41, or the engine's minimum within our range",
	    the_version_is_1_41_or_the_engines_minimum_within_our_range);
	th_run(t, "engine_api: a progress stream passes or fails the same at every split",
	    a_progress_stream_passes_or_fails_the_same_at_every_split);
	th_run(t, "engine_api: progress errors are error/errorDetail objects and bad lines",
	    progress_errors_are_error_or_error_detail_objects_and_bad_lines);
	th_run(t, "engine_api: the create body holds exactly the compose settings",
	    the_create_body_holds_exactly_the_compose_settings);
	th_run(t, "engine_api: host ports of one container port share one key",
	    host_ports_of_one_container_port_share_one_key);
	th_run(t, "engine_api: hostile values stay inside their JSON strings",
	    hostile_values_stay_inside_their_json_strings);
	th_run(t, "engine_api: bad launch parameters are refused", bad_launch_parameters_are_refused);
	th_run(t, "engine_api: pull sends the encoded name and digest and reads the stream",
	    pull_sends_the_encoded_name_and_digest_and_reads_the_stream);
	th_run(t, "engine_api: a pull fails on an error in the stream or a refusal",
	    a_pull_fails_on_an_error_in_the_stream_or_a_refusal);
	th_run(t, "engine_api: an engine too old is refused before any other request",
	    an_engine_too_old_is_refused_before_any_other_request);
	th_run(t, "engine_api: an engine that dropped 1.41 is spoken to at its minimum",
	    an_engine_that_dropped_1_41_is_spoken_to_at_its_minimum);
	th_run(t, "engine_api: inspect names a missing image and refuses odd IDs",
	    inspect_names_a_missing_image_and_refuses_odd_ids);
	th_run(t, "engine_api: references and names outside the grammar never reach the engine",
	    references_and_names_outside_the_grammar_never_reach_the_engine);
	th_run(t, "engine_api: remove stops, then deletes; a missing container is fine",
	    remove_stops_then_deletes_and_a_missing_container_is_fine);
	th_run(t, "engine_api: launch replaces the container after creating what is missing",
	    launch_replaces_the_container_after_creating_what_is_missing);
	th_run(t, "engine_api: a refused create names the engine's reason and starts nothing",
	    a_refused_create_names_the_engines_reason_and_starts_nothing);
	th_run(t, "engine_api: a create still in flight is waited for",
	    a_create_still_in_flight_is_waited_for);
	th_run(t, "engine_api: a container that appears after the takeover is removed once",
	    a_container_that_appears_after_the_takeover_is_removed_once);
	th_run(t, "engine_api: an absent socket is a connect error naming it",
	    an_absent_socket_is_a_connect_error_naming_it);
	th_run(t, "engine_api: a version answer that fails or is no JSON stops everything",
	    a_version_answer_that_fails_or_is_no_json_stops_everything);
	th_run(t, "engine_api: versions and socket paths outside the grammar are refused",
	    versions_and_socket_paths_outside_the_grammar_are_refused);
	th_run(t, "engine_api: a progress stream keeps its first error and skips blank lines",
	    a_progress_stream_keeps_its_first_error_and_skips_blank_lines);
	th_run(t, "engine_api: pull encodes every character outside the unreserved set",
	    pull_encodes_every_character_outside_the_unreserved_set);
	th_run(t, "engine_api: inspect refuses answers that are no JSON or too long",
	    inspect_refuses_answers_that_are_no_json_or_too_long);
	th_run(t, "engine_api: the node containers are listed once each, with their state",
	    the_node_containers_are_listed_once_each_with_their_state);
	th_run(t, "engine_api: a container listing that is malformed or too long fails",
	    a_container_listing_that_is_malformed_or_too_long_fails);
	th_run(t, "engine_api: container operations send only well-formed ids and names",
	    container_operations_send_only_well_formed_ids_and_names);
	th_run(t, "engine_api: prepare checks the launch without touching the engine",
	    prepare_checks_the_launch_without_touching_the_engine);
	th_run(t, "engine_api: launch stops at the first network or volume the engine refuses",
	    launch_stops_at_the_first_network_or_volume_the_engine_refuses);
}
