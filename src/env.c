#include <stddef.h>
#include <string.h>

#include "env.h"

const char *
env_get(char *const envp[], const char *name)
{
	size_t n = strlen(name);

	for (; envp != NULL && *envp != NULL; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

void
env_proxy(char *const envp[], const char **https_proxy, const char **no_proxy)
{
	*https_proxy = env_get(envp, "https_proxy");
	if (*https_proxy == NULL)
		*https_proxy = env_get(envp, "HTTPS_PROXY");
	*no_proxy = env_get(envp, "no_proxy");
	if (*no_proxy == NULL)
		*no_proxy = env_get(envp, "NO_PROXY");
}
