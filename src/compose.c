#include <string.h>

#include "compose.h"
#include "fmt.h"
#include "utf8.h"
#include "compose_templates.inc"

#define SPEC_ONLY "{{?SPEC}}"

/* An output cursor; the first failure sticks and later writes are no-ops. */
struct w {
	char *buf;
	size_t cap, len;
	int overflow, bad_utf8;
};

static void
w_raw(struct w *w, const char *s, size_t n)
{
	if (w->overflow || w->bad_utf8)
		return;
	if (w->cap == 0 || n > w->cap - 1 - w->len) {
		w->overflow = 1;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

/* Code points that must not appear raw in a YAML 1.1/1.2 scalar. */
static int
needs_u_escape(unsigned long cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
	    cp == 0xfeff || cp == 0xfffe || cp == 0xffff;
}

static void
w_escaped(struct w *w, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	char esc[8];
	size_t i = 0, k;
	uint32_t cp;

	while (i < n) {
		if (p[i] == '"' || p[i] == '\\') {
			esc[0] = '\\';
			esc[1] = (char)p[i];
			w_raw(w, esc, 2);
			i++;
		} else if (p[i] == '$') {
			w_raw(w, "$$", 2); /* compose interpolation: $$ is a literal $ */
			i++;
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			fmt_snprintf(esc, sizeof(esc), "\\x%02X", p[i]);
			w_raw(w, esc, 4);
			i++;
		} else if ((k = utf8_decode(p + i, n - i, &cp)) == 0) {
			w->bad_utf8 = 1;
			return;
		} else if (needs_u_escape(cp)) {
			/* needs_u_escape() holds only for cp <= U+FFFF. */
			fmt_snprintf(esc, sizeof(esc), "\\u%04X", (unsigned)(cp & 0xffffu));
			w_raw(w, esc, 6);
			i += k;
		} else {
			w_raw(w, s + i, k);
			i += k;
		}
	}
}

/* A scalar built from several pieces (NULL-terminated list). */
static void
w_scalar(struct w *w, const char *const *pieces)
{
	w_raw(w, "\"", 1);
	for (; *pieces != NULL; pieces++)
		w_escaped(w, *pieces, strlen(*pieces));
	w_raw(w, "\"", 1);
}

size_t
compose_scalar_write(char *out, size_t cap, const char *s, size_t n, /* NOLINT(readability-non-const-parameter): written through w */
    struct errbuf *err)
{
	struct w w = { out, cap, 0, 0, 0 };

	w_raw(&w, "\"", 1);
	w_escaped(&w, s, n);
	w_raw(&w, "\"", 1);
	if (w.bad_utf8) {
		errbuf_set(err, "value is not valid UTF-8");
		return 0;
	}
	if (w.overflow) {
		errbuf_set(err, "value does not fit in %zu bytes", cap);
		return 0;
	}
	return w.len;
}

/* ---- placeholders */

static void
put_image(struct w *w, const struct launch_plan *p)
{
	char ref[LAUNCH_IMAGE_REF_SIZE];
	const char *pieces[2] = { ref, NULL };

	if (launch_plan_image_ref(p, ref) != LAUNCH_OK)
		w->overflow = 1; /* not reached: the plan was checked */
	w_scalar(w, pieces);
}

static void
put_ports(struct w *w, const struct launch_plan *p)
{
	char one[16];
	const char *pieces[2] = { one, NULL };
	size_t i;

	w_raw(w, "[", 1);
	for (i = 0; i < p->nports; i++) {
		fmt_snprintf(one, sizeof(one), "%u:%u", (unsigned)p->ports[i].host,
		    (unsigned)p->ports[i].container);
		if (i > 0)
			w_raw(w, ", ", 2);
		w_scalar(w, pieces);
	}
	w_raw(w, "]", 1);
}

static int
put_placeholder(struct w *w, const char *name, size_t n,
    const struct launch_plan *p)
{
	const char *sock = p->dstack_socket;
	const char *env[] = { "DSTACK_ENDPOINT=", sock, NULL };
	const char *vol[] = { sock, ":", sock, NULL };
	const char *one[] = { NULL, NULL };
	const char *label[] = { LAUNCH_LABEL_SPEC "=", p->spec_id != NULL ? p->spec_id : "",
		NULL };

#define IS(lit) (n == sizeof(lit) - 1 && memcmp(name, lit, n) == 0)
	if (IS("IMAGE")) {
		put_image(w, p);
	} else if (IS("PORTS")) {
		put_ports(w, p);
	} else if (IS("PROJECT_NAME") || IS("CONTAINER_NAME") || IS("CONFIG_PATH")) {
		one[0] = IS("PROJECT_NAME") ? COMPOSE_PROJECT_NAME :
		    IS("CONTAINER_NAME") ? COMPOSE_CONTAINER_NAME : p->config_path;
		w_scalar(w, one);
	} else if (IS("SPEC_LABEL")) {
		w_scalar(w, label);
	} else if ((IS("DSTACK_ENDPOINT_ENV") || IS("DSTACK_SOCKET_VOLUME")) && sock != NULL) {
		w_scalar(w, IS("DSTACK_ENDPOINT_ENV") ? env : vol);
	} else {
		return -1;
	}
#undef IS
	return 0;
}

/* ---- rendering */

static int
expand(struct w *w, const char *tmpl, const char *tname,
    const struct launch_plan *p, enum compose_flavour flavour, struct errbuf *err)
{
	const char *s = tmpl, *open, *close, *nl;
	int bol = 1;

	while (*s != '\0') {
		if (bol && strncmp(s, SPEC_ONLY, sizeof(SPEC_ONLY) - 1) == 0) {
			s += sizeof(SPEC_ONLY) - 1;
			if (flavour != COMPOSE_SPEC)
				s += strcspn(s, "\n") + (strchr(s, '\n') != NULL);
			continue;
		}
		open = strstr(s, "{{");
		nl = strchr(s, '\n');
		if (open == NULL || (nl != NULL && nl < open)) {
			size_t n = strcspn(s, "\n");
			w_raw(w, s, n + (s[n] == '\n'));
			s += n + (s[n] == '\n');
			bol = 1;
			continue;
		}
		w_raw(w, s, (size_t)(open - s));
		close = strstr(open + 2, "}}");
		if (close == NULL || put_placeholder(w, open + 2, (size_t)(close - open - 2), p) != 0) {
			errbuf_set(err, "compose: template %s: bad placeholder at offset %zu",
			    tname, (size_t)(open - tmpl));
			return COMPOSE_ERR;
		}
		s = close + 2;
		bol = 0;
	}
	return COMPOSE_OK;
}

int
compose_render(const struct launch_plan *p, enum compose_flavour flavour,
    char *out, size_t cap, size_t *len, struct errbuf *err)
{
	struct w w = { out, cap, 0, 0, 0 };
	const char *tmpl = p->platform == LAUNCH_TEE ? compose_tmpl_tee : compose_tmpl_nontee;
	const char *tname = p->platform == LAUNCH_TEE ? "tee" : "nontee";

	*len = 0;
	if (cap > 0)
		out[0] = '\0';
	if (launch_plan_check(p, err) != LAUNCH_OK ||
	    expand(&w, tmpl, tname, p, flavour, err) != COMPOSE_OK)
		return COMPOSE_ERR;
	if (w.bad_utf8) {
		errbuf_set(err, "compose: image name or path is not valid UTF-8");
		return COMPOSE_ERR;
	}
	if (w.overflow) {
		errbuf_set(err, "compose: rendered file does not fit in %zu bytes", cap);
		return COMPOSE_ERR;
	}
	*len = w.len;
	return COMPOSE_OK;
}
