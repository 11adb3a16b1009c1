#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "selfid.h"

#define MARK "/containers/"

int
selfid_parse(const char *text, size_t len, char out[SELFID_HEX + 1])
{
	const size_t mark = sizeof(MARK) - 1;
	size_t i;

	for (i = 0; len >= mark + SELFID_HEX + 1 && i <= len - mark - SELFID_HEX - 1; i++) {
		const char *id = text + i + mark;
		size_t k;

		if (memcmp(text + i, MARK, mark) != 0)
			continue;
		for (k = 0; k < SELFID_HEX; k++)
			if (!((id[k] >= '0' && id[k] <= '9') || (id[k] >= 'a' && id[k] <= 'f')))
				break;
		if (k == SELFID_HEX && id[SELFID_HEX] == '/') {
			memcpy(out, id, SELFID_HEX);
			out[SELFID_HEX] = '\0';
			return 1;
		}
	}
	return 0;
}

int
selfid_read(char out[SELFID_HEX + 1])
{
	char *buf = malloc(SELFID_MOUNTINFO_MAX);
	size_t len = 0;
	ssize_t n = 1;
	int fd, found = 0;

	if (buf == NULL)
		return 0;
	fd = open(SELFID_MOUNTINFO, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	while (fd >= 0 && n > 0 && len < SELFID_MOUNTINFO_MAX) {
		n = read(fd, buf + len, SELFID_MOUNTINFO_MAX - len);
		if (n > 0)
			len += (size_t)n;
	}
	if (fd >= 0) {
		close(fd);
		found = n == 0 && selfid_parse(buf, len, out);
	}
	free(buf);
	return found;
}
