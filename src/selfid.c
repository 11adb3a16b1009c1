#include <stdlib.h>
#include <string.h>

#include "readfile.h"
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
	struct errbuf ignored;
	size_t len;
	int found;

	if (buf == NULL)
		return 0;
	found = readfile_regular(SELFID_MOUNTINFO, buf, SELFID_MOUNTINFO_MAX, &len,
	    &ignored) == READFILE_OK && selfid_parse(buf, len, out);
	free(buf);
	return found;
}
