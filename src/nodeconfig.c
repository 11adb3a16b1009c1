#include <stdlib.h>
#include <string.h>

#include "atomicfile.h"
#include "nodeconfig.h"

static struct toml_value *
put_string(struct toml_value *t, const char *key, const char *s,
    struct arena *a, struct errbuf *err)
{
	struct toml_value v;

	if (toml_string_init(&v, s, strlen(s), a, err) != 0)
		return NULL;
	return toml_table_append(t, key, strlen(key), &v, a, err);
}

static struct toml_value *
put_table(struct toml_value *t, const char *key, struct arena *a,
    struct errbuf *err)
{
	struct toml_value v;

	toml_table_init(&v);
	return toml_table_append(t, key, strlen(key), &v, a, err);
}

int
nodeconfig_add_tee(struct launcher_config *c, int tee_platform,
    const struct digest *image_hash, struct errbuf *err)
{
	struct arena *a = &c->arena;
	struct toml_value *tee, *auth;
	char hash[DIGEST_STR_SIZE];

	digest_format(image_hash, hash);
	/* toml_table_append refuses an existing "tee": the user cannot smuggle
	 * one past config_load either. */
	if ((tee = put_table(c->node_config, "tee", a, err)) == NULL ||
	    put_string(tee, "image_hash", hash, a, err) == NULL ||
	    put_string(tee, "latest_allowed_hash_file_path", NODECONFIG_APPROVED_PATH,
	    a, err) == NULL ||
	    (auth = put_table(tee, "authority", a, err)) == NULL)
		goto fail;
	if (tee_platform) {
		/* The node generation that reads a current-schema config (#2944)
		 * has no quote_upload_url; the seed's node requires it. */
		if (put_string(auth, "type", "dstack", a, err) == NULL ||
		    put_string(auth, "dstack_endpoint", NODECONFIG_DSTACK_ENDPOINT, a, err) == NULL ||
		    (c->gen == CONFIG_GEN_SEED && put_string(auth, "quote_upload_url",
		    NODECONFIG_QUOTE_UPLOAD_URL, a, err) == NULL))
			goto fail;
	} else if (put_string(auth, "type", "local", a, err) == NULL) {
		goto fail;
	}
	return 0;
fail:
	errbuf_wrap(err, "node config [tee]");
	return -1;
}

int
nodeconfig_render(const struct launcher_config *c, char *buf, size_t cap,
    size_t *len, struct errbuf *err)
{
	if (toml_write(c->node_config, buf, cap, len, err) != 0) {
		errbuf_wrap(err, "node config");
		return -1;
	}
	return 0;
}

int
nodeconfig_render_alloc(const struct launcher_config *c, struct nodeconfig_text *t,
    struct errbuf *err)
{
	static const size_t caps[] = { NODECONFIG_FIRST_TRY, NODECONFIG_MAX };
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		t->buf = malloc(caps[i]);
		if (t->buf == NULL) {
			errbuf_set(err, "node config: out of memory");
			return -1;
		}
		t->cap = caps[i];
		if (nodeconfig_render(c, t->buf, t->cap, &t->len, err) == 0)
			return 0;
		nodeconfig_text_free(t);
	}
	errbuf_wrap(err, "node config larger than %u bytes once rendered", NODECONFIG_MAX);
	return -1;
}

void
nodeconfig_text_free(struct nodeconfig_text *t)
{
	if (t->buf != NULL) {
		explicit_bzero(t->buf, t->cap); /* it held secrets */
		free(t->buf);
	}
	memset(t, 0, sizeof(*t));
}

int
nodeconfig_write_text(const struct nodeconfig_text *t, const char *path,
    struct errbuf *err)
{
	char dir[ATOMICFILE_PATH_MAX];
	const char *name;

	if (atomicfile_split(path, dir, sizeof(dir), &name) != ATOMICFILE_OK) {
		errbuf_set(err, "node config path %s: not <dir>/<file>", path);
		return -1;
	}
	return atomicfile_write(dir, name, t->buf, t->len, NULL, err) == ATOMICFILE_OK ? 0 : -1;
}

int
nodeconfig_write(const struct launcher_config *c, const char *path,
    struct errbuf *err)
{
	struct nodeconfig_text t;
	int rc;

	if (nodeconfig_render_alloc(c, &t, err) != 0)
		return -1;
	rc = nodeconfig_write_text(&t, path, err);
	nodeconfig_text_free(&t);
	return rc;
}
