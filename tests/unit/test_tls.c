#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ca_anchors.h"
#include "harness.h"
#include "tls.h"

/* The anchors struct is ~50 KiB: keep it off the test's stack. */
static struct tls_anchors anchors;

static const char *
roots_path(char *buf, size_t cap)
{
	const char *top = getenv("TOP");

	snprintf(buf, cap, "%s/assets/ca/mozilla-roots.pem", top ? top : ".");
	return buf;
}

/*
 * Writes the first n certificates of the Mozilla bundle (plus `extra`
 * text) to a temporary file; returns its path in out.
 */
static int
write_roots_subset(unsigned n, const char *extra, char *out, size_t cap)
{
	char src[512], line[256];
	unsigned seen = 0;
	FILE *in, *o;
	int fd;

	snprintf(out, cap, "/tmp/tl-tls-XXXXXX");
	fd = mkstemp(out);
	if (fd < 0)
		return -1;
	o = fdopen(fd, "w");
	in = fopen(roots_path(src, sizeof(src)), "r");
	if (o == NULL || in == NULL)
		return -1;
	while (seen < n && fgets(line, sizeof(line), in) != NULL) {
		fputs(line, o);
		if (strncmp(line, "-----END CERTIFICATE", 20) == 0)
			seen++;
	}
	fputs(extra, o);
	fclose(in);
	fclose(o);
	return 0;
}

static void
compiled_in_anchors_are_always_present(struct th *t)
{
	struct errbuf e;
	size_t n = ca_anchors_count();

	REQUIRE_INT(t, tls_anchors_init(&anchors, NULL, &e), 0);
	CHECK_INT(t, anchors.num, n);
	CHECK_INT(t, anchors.num_extra, 0);
	CHECK(t, n > 100 && n <= TLS_COMPILED_ANCHORS_MAX);
}

static void
env_variable_adds_the_certificates_of_a_pem_file(struct th *t)
{
	char path[64];
	struct errbuf e;
	size_t n = ca_anchors_count();

	REQUIRE(t, write_roots_subset(3, "", path, sizeof(path)) == 0);
	setenv(TLS_EXTRA_CA_ENV, path, 1);
	CHECK_INT(t, tls_anchors_from_env(&anchors, &e), 0);
	unsetenv(TLS_EXTRA_CA_ENV);
	CHECK_INT(t, anchors.num_extra, 3);
	CHECK_INT(t, anchors.num, n + 3);
	/* Mozilla roots are CAs and their DNs match the compiled-in copy. */
	CHECK(t, anchors.list[n].flags & BR_X509_TA_CA);
	CHECK_MEM(t, anchors.list[n].dn.data, anchors.list[n].dn.len,
	    anchors.list[0].dn.data, anchors.list[0].dn.len);
	unlink(path);
}

static void
empty_env_variable_means_compiled_in_only(struct th *t)
{
	struct errbuf e;

	setenv(TLS_EXTRA_CA_ENV, "", 1);
	CHECK_INT(t, tls_anchors_from_env(&anchors, &e), 0);
	unsetenv(TLS_EXTRA_CA_ENV);
	CHECK_INT(t, anchors.num_extra, 0);
}

static void
non_certificate_objects_are_skipped(struct th *t)
{
	char path[64];
	struct errbuf e;

	REQUIRE(t, write_roots_subset(1, "-----BEGIN PUBLIC KEY-----\n"
	    "AAAA\n-----END PUBLIC KEY-----\n", path, sizeof(path)) == 0);
	CHECK_INT(t, tls_anchors_init(&anchors, path, &e), 0);
	CHECK_INT(t, anchors.num_extra, 1);
	unlink(path);
}

static void
missing_file_is_an_error_naming_the_variable(struct th *t)
{
	struct errbuf e;

	CHECK_INT(t, tls_anchors_init(&anchors, "/nonexistent/ca.pem", &e), -1);
	CHECK(t, strstr(e.msg, TLS_EXTRA_CA_ENV) != NULL);
	CHECK(t, strstr(e.msg, "/nonexistent/ca.pem: cannot open: No such file") != NULL);
}

static void
a_fifo_is_refused_instead_of_blocking(struct th *t)
{
	struct errbuf e;
	char dir[] = "/tmp/tl-tls-XXXXXX", fifo[64];

	REQUIRE(t, mkdtemp(dir) != NULL);
	snprintf(fifo, sizeof(fifo), "%s/ca.pem", dir);
	REQUIRE(t, mkfifo(fifo, 0600) == 0);
	alarm(10);
	CHECK_INT(t, tls_anchors_init(&anchors, fifo, &e), -1);
	alarm(0);
	CHECK(t, strstr(e.msg, "not a regular file (a FIFO)") != NULL);
	unlink(fifo);
	rmdir(dir);
}

static void
file_without_certificates_is_an_error(struct th *t)
{
	char path[64];
	struct errbuf e;

	REQUIRE(t, write_roots_subset(0, "just text\n", path, sizeof(path)) == 0);
	CHECK_INT(t, tls_anchors_init(&anchors, path, &e), -1);
	CHECK(t, strstr(e.msg, "no certificate found") != NULL);
	unlink(path);
}

static void
corrupt_certificate_is_an_error_naming_its_index(struct th *t)
{
	char path[64];
	struct errbuf e;

	REQUIRE(t, write_roots_subset(1, "-----BEGIN CERTIFICATE-----\n"
	    "MIIBAAAA\n-----END CERTIFICATE-----\n", path, sizeof(path)) == 0);
	CHECK_INT(t, tls_anchors_init(&anchors, path, &e), -1);
	CHECK(t, strstr(e.msg, "certificate 2:") != NULL);
	unlink(path);
}

static void
truncated_pem_is_an_error(struct th *t)
{
	char path[64];
	struct errbuf e;

	REQUIRE(t, write_roots_subset(0, "-----BEGIN CERTIFICATE-----\nMIIB\n",
	    path, sizeof(path)) == 0);
	CHECK_INT(t, tls_anchors_init(&anchors, path, &e), -1);
	unlink(path);
}

static void
more_certificates_than_the_cap_are_refused(struct th *t)
{
	char path[64];
	struct errbuf e;

	REQUIRE(t, write_roots_subset(TLS_EXTRA_ANCHORS_MAX + 1, "", path,
	    sizeof(path)) == 0);
	CHECK_INT(t, tls_anchors_init(&anchors, path, &e), -1);
	CHECK(t, strstr(e.msg, "TLS_EXTRA_ANCHORS_MAX") != NULL);
	unlink(path);
	REQUIRE(t, write_roots_subset(TLS_EXTRA_ANCHORS_MAX, "", path,
	    sizeof(path)) == 0);
	CHECK_INT(t, tls_anchors_init(&anchors, path, &e), 0);
	CHECK_INT(t, anchors.num_extra, TLS_EXTRA_ANCHORS_MAX);
	unlink(path);
}

static void
unix_time_converts_to_bearssl_days_and_seconds(struct th *t)
{
	uint32_t d, s;

	tls_time_to_x509(0, &d, &s);
	CHECK_INT(t, d, 719528);
	CHECK_INT(t, s, 0);
	/* 2024-02-29T12:00:01Z */
	tls_time_to_x509(1709208001, &d, &s);
	CHECK_INT(t, d, 719528 + 19782);
	CHECK_INT(t, s, 43201);
	tls_time_to_x509(-1, &d, &s);
	CHECK_INT(t, d, 719527);
	CHECK_INT(t, s, 86399);
}

static void
bearssl_errors_have_names(struct th *t)
{
	CHECK(t, strstr(tls_error_name(BR_ERR_X509_BAD_SERVER_NAME),
	    "bad server name") != NULL);
	CHECK(t, strstr(tls_error_name(BR_ERR_X509_EXPIRED), "expired") != NULL);
	CHECK(t, strstr(tls_error_name(BR_ERR_X509_NOT_TRUSTED), "unknown CA")
	    != NULL);
	CHECK_STR(t, tls_error_name(BR_ERR_RECV_FATAL_ALERT + 48), "unknown_ca");
	CHECK_STR(t, tls_error_name(BR_ERR_SEND_FATAL_ALERT + 40),
	    "handshake_failure");
	CHECK_STR(t, tls_error_name(9999), "sent fatal alert");
	CHECK_STR(t, tls_error_name(30), "unknown TLS error");
	/* First and last of each packed name list, and one past the codes. */
	CHECK_STR(t, tls_error_name(BR_ERR_BAD_PARAM), "bad parameter");
	CHECK_STR(t, tls_error_name(BR_ERR_X509_NOT_TRUSTED),
	    "unknown CA (chain not trusted)");
	CHECK_STR(t, tls_error_name(BR_ERR_RECV_FATAL_ALERT), "close_notify");
	CHECK_STR(t, tls_error_name(BR_ERR_RECV_FATAL_ALERT + 120),
	    "no_application_protocol");
	CHECK_STR(t, tls_error_name(BR_ERR_RECV_FATAL_ALERT + 121),
	    "received fatal alert");
}

void
suite_tls(struct th *t)
{
	th_run(t, "tls: the compiled-in anchors are always present",
	    compiled_in_anchors_are_always_present);
	th_run(t, "tls: TEE_LAUNCHER_EXTRA_CA_FILE adds the certificates of a PEM file",
	    env_variable_adds_the_certificates_of_a_pem_file);
	th_run(t, "tls: an empty variable means compiled-in anchors only",
	    empty_env_variable_means_compiled_in_only);
	th_run(t, "tls: non-certificate PEM objects are skipped",
	    non_certificate_objects_are_skipped);
	th_run(t, "tls: a missing extra CA file is an error naming the variable",
	    missing_file_is_an_error_naming_the_variable);
	th_run(t, "tls: an extra CA file that is a FIFO is refused instead of blocking",
	    a_fifo_is_refused_instead_of_blocking);
	th_run(t, "tls: an extra CA file without certificates is an error",
	    file_without_certificates_is_an_error);
	th_run(t, "tls: a corrupt certificate is an error naming its index",
	    corrupt_certificate_is_an_error_naming_its_index);
	th_run(t, "tls: a truncated PEM object is an error",
	    truncated_pem_is_an_error);
	th_run(t, "tls: more extra certificates than TLS_EXTRA_ANCHORS_MAX are refused",
	    more_certificates_than_the_cap_are_refused);
	th_run(t, "tls: Unix time converts to BearSSL days and seconds",
	    unix_time_converts_to_bearssl_days_and_seconds);
	th_run(t, "tls: BearSSL errors and alerts have names",
	    bearssl_errors_have_names);
}
