#include <stdio.h>

#include "harness.h"
#include "http.h"

static struct http_url u, v;

static void
parses_scheme_host_port_and_target(struct th *t)
{
	struct errbuf e;

	REQUIRE_INT(t, http_url_parse("HTTPS://Registry-1.Docker.IO/v2/a/b/manifests/latest?x=1#frag",
	    &u, &e), 0);
	CHECK(t, u.https);
	CHECK_STR(t, u.host, "registry-1.docker.io");
	CHECK_INT(t, u.port, 443);
	CHECK_STR(t, u.target, "/v2/a/b/manifests/latest?x=1");
	CHECK_INT(t, u.path_len, strlen("/v2/a/b/manifests/latest"));
	REQUIRE_INT(t, http_url_parse("http://localhost:5000", &u, &e), 0);
	CHECK(t, !u.https);
	CHECK_INT(t, u.port, 5000);
	CHECK_STR(t, u.target, "/");
	REQUIRE_INT(t, http_url_parse("http://h?q", &u, &e), 0);
	CHECK_STR(t, u.target, "/?q");
	CHECK_INT(t, u.path_len, 1);
}

static void
ipv6_literals_are_bracketed_in_the_authority(struct th *t)
{
	char auth[64];
	struct errbuf e;

	REQUIRE_INT(t, http_url_parse("http://[::1]:8080/x", &u, &e), 0);
	CHECK_STR(t, u.host, "::1");
	CHECK(t, u.ipv6_literal);
	http_url_authority(&u, auth, sizeof(auth));
	CHECK_STR(t, auth, "[::1]:8080");
	REQUIRE_INT(t, http_url_parse("https://[fe80::a]/", &u, &e), 0);
	http_url_authority(&u, auth, sizeof(auth));
	CHECK_STR(t, auth, "[fe80::a]");
}

static void
unsafe_target_bytes_are_percent_encoded(struct th *t)
{
	struct errbuf e;

	REQUIRE_INT(t, http_url_parse("http://h/a b/\"x\"/{y}?q=a b|c\x01", &u, &e), 0);
	CHECK_STR(t, u.target, "/a%20b/%22x%22/%7By%7D?q=a%20b%7Cc%01");
	REQUIRE_INT(t, http_url_parse("http://h/caf\xc3\xa9/%41", &u, &e), 0);
	CHECK_STR(t, u.target, "/caf%C3%A9/%41");
}

static void
bad_urls_are_refused_without_echoing_secrets(struct th *t)
{
	static const char *const bad[] = {
		"ftp://h/", "h/path", "http://", "http:///x", "http://h:0/",
		"http://h:65536/", "http://h:12a/", "http://[::1/", "http://[::1]x/",
		"http://h%41/", "http://h o/", "http://user:pw@h/",
	};
	struct errbuf e;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!CHECK_INT(t, http_url_parse(bad[i], &u, &e), -1))
			printf("     accepted: %s\n", bad[i]);
		CHECK(t, strstr(e.msg, "pw") == NULL);
	}
	CHECK(t, strstr(e.msg, "credentials") != NULL);
}

static void
safe_form_drops_the_query(struct th *t)
{
	char out[128];
	struct errbuf e;

	REQUIRE_INT(t, http_url_parse("https://auth.docker.io/token?scope=x&secret=y",
	    &u, &e), 0);
	CHECK_STR(t, http_url_safe(&u, out, sizeof(out)), "https://auth.docker.io/token");
	REQUIRE_INT(t, http_url_parse("http://localhost:81/a?b", &u, &e), 0);
	CHECK_STR(t, http_url_safe(&u, out, sizeof(out)), "http://localhost:81/a");
}

static void
locations_resolve_against_the_base(struct th *t)
{
	static const struct {
		const char *ref, *host;
		int https, port;
		const char *target;
	} cases[] = {
		{ "https://cdn.example/blob?sig=1", "cdn.example", 1, 443, "/blob?sig=1" },
		{ "http://Other/x", "other", 0, 80, "/x" },
		{ "//other:8443/p", "other", 1, 8443, "/p" },
		{ "/v2/", "reg", 1, 5000, "/v2/" },
		{ "?page=2", "reg", 1, 5000, "/v2/a/tags?page=2" },
		{ "list", "reg", 1, 5000, "/v2/a/list" },
		{ "../b", "reg", 1, 5000, "/v2/a/../b" },
	};
	struct errbuf e;
	size_t i;

	REQUIRE_INT(t, http_url_parse("https://reg:5000/v2/a/tags?n=1", &u, &e), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!CHECK_INT(t, http_url_resolve(&u, cases[i].ref,
		    strlen(cases[i].ref), &v, &e), 0))
			continue;
		CHECK_STR(t, v.host, cases[i].host);
		CHECK_INT(t, v.https, cases[i].https);
		CHECK_INT(t, v.port, cases[i].port);
		CHECK_STR(t, v.target, cases[i].target);
	}
	CHECK_INT(t, http_url_resolve(&u, "mailto:x@y", 10, &v, &e), -1);
	CHECK_INT(t, http_url_resolve(&u, "", 0, &v, &e), -1);
	/* The value is not NUL-terminated in the response buffer. */
	CHECK_INT(t, http_url_resolve(&u, "/abcdef", 3, &v, &e), 0);
	CHECK_STR(t, v.target, "/ab");
}

static void
origin_compares_scheme_host_and_port(struct th *t)
{
	struct errbuf e;

	http_url_parse("https://a/x", &u, &e);
	http_url_parse("https://A:443/y", &v, &e);
	CHECK(t, http_url_same_origin(&u, &v));
	http_url_parse("https://a:444/x", &v, &e);
	CHECK(t, !http_url_same_origin(&u, &v));
	http_url_parse("http://a:443/x", &v, &e);
	CHECK(t, !http_url_same_origin(&u, &v));
	http_url_parse("https://b/x", &v, &e);
	CHECK(t, !http_url_same_origin(&u, &v));
}

static void
proxy_urls_keep_credentials_apart(struct th *t)
{
	struct http_proxy_url p;
	struct errbuf e;

	REQUIRE_INT(t, http_proxy_parse("http://u:p%40ss@Proxy.corp:3128/", &p, &e), 0);
	CHECK_STR(t, p.host, "proxy.corp");
	CHECK_INT(t, p.port, 3128);
	CHECK_STR(t, p.userinfo, "u:p%40ss");
	REQUIRE_INT(t, http_proxy_parse("10.0.0.1:8080", &p, &e), 0);
	CHECK_STR(t, p.host, "10.0.0.1");
	CHECK_STR(t, p.userinfo, "");
	REQUIRE_INT(t, http_proxy_parse("http://proxy", &p, &e), 0);
	CHECK_INT(t, p.port, 80);
	CHECK_INT(t, http_proxy_parse("https://proxy:443", &p, &e), -1);
	CHECK_INT(t, http_proxy_parse("socks5://proxy:1080", &p, &e), -1);
	CHECK_INT(t, http_proxy_parse("http://proxy:3128/path", &p, &e), -1);
}

static void
no_proxy_matches_names_suffixes_ips_and_ports(struct th *t)
{
	const char *l = "localhost, .corp.example,*.svc, 10.1.2.3 ,[::1],reg:5000";

	CHECK(t, http_no_proxy_match(l, "localhost", 443));
	CHECK(t, http_no_proxy_match(l, "corp.example", 443));
	CHECK(t, http_no_proxy_match(l, "a.b.corp.example", 443));
	CHECK(t, !http_no_proxy_match(l, "xcorp.example", 443));
	CHECK(t, http_no_proxy_match(l, "k.svc", 443));
	CHECK(t, http_no_proxy_match(l, "10.1.2.3", 443));
	CHECK(t, !http_no_proxy_match(l, "10.1.2.33", 443));
	CHECK(t, http_no_proxy_match(l, "::1", 443));
	CHECK(t, http_no_proxy_match(l, "reg", 5000));
	CHECK(t, !http_no_proxy_match(l, "reg", 443));
	CHECK(t, !http_no_proxy_match(l, "registry-1.docker.io", 443));
	CHECK(t, http_no_proxy_match("*", "anything", 1));
	CHECK(t, http_no_proxy_match("LOCALHOST", "localhost", 1));
	CHECK(t, http_no_proxy_match("::1", "::1", 1));
	CHECK(t, !http_no_proxy_match("", "localhost", 1));
	CHECK(t, !http_no_proxy_match(NULL, "localhost", 1));
}

static void
error_classes_have_stable_names_and_retry_rules(struct th *t)
{
	CHECK_STR(t, http_err_name(HTTP_ERR_TIMEOUT), "timeout");
	CHECK_STR(t, http_err_name(HTTP_ERR_TOO_LARGE), "too-large");
	CHECK(t, http_err_retryable(HTTP_OK, 503));
	CHECK(t, !http_err_retryable(HTTP_OK, 404));
	CHECK(t, !http_err_retryable(HTTP_OK, 429));
	CHECK(t, http_err_retryable(HTTP_ERR_TIMEOUT, 0));
	CHECK(t, http_err_retryable(HTTP_ERR_CONNECT, 0));
	CHECK(t, http_err_retryable(HTTP_ERR_IO, 200));
	CHECK(t, !http_err_retryable(HTTP_ERR_TLS, 0));
	CHECK(t, !http_err_retryable(HTTP_ERR_PROTOCOL, 0));
	CHECK(t, !http_err_retryable(HTTP_ERR_TOO_LARGE, 200));
}

void
suite_http_url(struct th *t)
{
	th_run(t, "http_url: parses scheme, host, port and target",
	    parses_scheme_host_port_and_target);
	th_run(t, "http_url: IPv6 literals are bracketed in the authority",
	    ipv6_literals_are_bracketed_in_the_authority);
	th_run(t, "http_url: unsafe target bytes are percent-encoded",
	    unsafe_target_bytes_are_percent_encoded);
	th_run(t, "http_url: bad URLs are refused without echoing secrets",
	    bad_urls_are_refused_without_echoing_secrets);
	th_run(t, "http_url: the safe form drops the query",
	    safe_form_drops_the_query);
	th_run(t, "http_url: Locations resolve against the base",
	    locations_resolve_against_the_base);
	th_run(t, "http_url: origin compares scheme, host and port",
	    origin_compares_scheme_host_and_port);
	th_run(t, "http_url: proxy URLs keep credentials apart",
	    proxy_urls_keep_credentials_apart);
	th_run(t, "http_url: NO_PROXY matches names, suffixes, IPs and ports",
	    no_proxy_matches_names_suffixes_ips_and_ports);
	th_run(t, "http: error classes have stable names and retry rules",
	    error_classes_have_stable_names_and_retry_rules);
}
