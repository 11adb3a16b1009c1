/*
 * env — lookups in an environment array ("NAME=value" strings, NULL at the
 * end), one copy for the launcher's settings (cli.c, from main's envp) and
 * for the HTTP client's configuration (http_config_from_env, from environ),
 * which the test drivers use: both must pick the same proxy from the same
 * environment.
 *
 * No getenv(): the caller says which environment is meant.  Pointers
 * returned point into it.  Nothing allocated; no errors (absent is NULL).
 */
#ifndef TL_ENV_H
#define TL_ENV_H

/* The value of name in envp, or NULL; an empty value counts as set.  The
 * first entry wins, as with getenv(). */
const char *env_get(char *const envp[], const char *name);

/*
 * The proxy variables: https_proxy, else HTTPS_PROXY; no_proxy, else
 * NO_PROXY.  The lower-case name wins whenever it is set, even empty (as in
 * curl): https_proxy= turns off a proxy that HTTPS_PROXY names, and an
 * empty value means no proxy to the HTTP client.
 */
void env_proxy(char *const envp[], const char **https_proxy,
    const char **no_proxy);

#endif
