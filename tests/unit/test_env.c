#include <stddef.h>
#include <stdlib.h>

#include "env.h"
#include "harness.h"
#include "http.h"

static void
names_match_whole(struct th *t)
{
	char *envp[] = { "PATHX=1", "PAT=2", "PATH=/bin", "PATH=/second", "EMPTY=",
	    "NOEQUALS", NULL };

	CHECK_STR(t, env_get(envp, "PATH"), "/bin"); /* first wins, no prefix match */
	CHECK_STR(t, env_get(envp, "PAT"), "2");
	CHECK_STR(t, env_get(envp, "EMPTY"), "");
	CHECK(t, env_get(envp, "NOEQUALS") == NULL);
	CHECK(t, env_get(envp, "path") == NULL);
	CHECK(t, env_get(NULL, "PATH") == NULL);
}

static void
lower_case_proxy_wins_even_empty(struct th *t)
{
	char *both[] = { "HTTPS_PROXY=http://upper:1", "https_proxy=http://lower:2",
	    "NO_PROXY=upper.example", "no_proxy=lower.example", NULL };
	char *empty_lower[] = { "HTTPS_PROXY=http://upper:1", "https_proxy=",
	    "NO_PROXY=upper.example", "no_proxy=", NULL };
	char *upper_only[] = { "HTTPS_PROXY=http://upper:1", "NO_PROXY=upper.example",
	    NULL };
	char *none[] = { "HTTP_PROXY=http://plain:3", "http_proxy=http://plain:3", NULL };
	const char *p, *n;

	env_proxy(both, &p, &n);
	CHECK_STR(t, p, "http://lower:2");
	CHECK_STR(t, n, "lower.example");
	/* https_proxy= switches the proxy off: HTTPS_PROXY is not consulted. */
	env_proxy(empty_lower, &p, &n);
	CHECK_STR(t, p, "");
	CHECK_STR(t, n, "");
	env_proxy(upper_only, &p, &n);
	CHECK_STR(t, p, "http://upper:1");
	CHECK_STR(t, n, "upper.example");
	/* HTTP_PROXY is for plain http, which the launcher never proxies. */
	env_proxy(none, &p, &n);
	CHECK(t, p == NULL && n == NULL);
}

/* The drivers configure their HTTP client with http_config_from_env(); it
 * used to fall back to HTTPS_PROXY when https_proxy was empty, unlike the
 * launcher.  Now both go through env_proxy(). */
static void
http_client_config_reads_the_proxy_as_the_launcher_does(struct th *t)
{
	struct http_client_config cfg = { 0 };
	const char *saved[4];
	static const char *const names[4] = { "https_proxy", "HTTPS_PROXY",
	    "no_proxy", "NO_PROXY" };
	size_t i;

	for (i = 0; i < 4; i++)
		saved[i] = getenv(names[i]);
	setenv("HTTPS_PROXY", "http://upper:1", 1);
	setenv("https_proxy", "", 1);
	unsetenv("no_proxy");
	setenv("NO_PROXY", "upper.example", 1);
	http_config_from_env(&cfg);
	CHECK_STR(t, cfg.https_proxy, "");
	CHECK_STR(t, cfg.no_proxy, "upper.example");
	for (i = 0; i < 4; i++) {
		if (saved[i] != NULL)
			setenv(names[i], saved[i], 1);
		else
			unsetenv(names[i]);
	}
}

void suite_env(struct th *t);

void
suite_env(struct th *t)
{
	th_run(t, "env: a name matches only whole, the first entry wins, empty is set",
	    names_match_whole);
	th_run(t, "env: https_proxy/no_proxy win over the upper-case names even when empty",
	    lower_case_proxy_wins_even_empty);
	th_run(t, "env: the HTTP client's configuration takes the proxy as the launcher does",
	    http_client_config_reads_the_proxy_as_the_launcher_does);
}
