#include <string.h>

#include "dstack.h"
#include "fmt.h"
#include "hex.h"
#include "json.h"

int
dstack_emit_event_body(const struct digest *payload, char *out,
    size_t cap, size_t *len, struct errbuf *err)
{
	char h[DIGEST_HEX_LEN + 1];
	int n;

	digest_hex(payload, h);
	n = fmt_snprintf(out, cap, "{\"event\":\"%s\",\"payload\":\"%s\"}", RTMR_EVENT_NAME, h);
	if (n < 0 || (size_t)n >= cap) {
		errbuf_set(err, "EmitEvent: body does not fit in %zu bytes", cap);
		return DSTACK_ERR;
	}
	*len = (size_t)n;
	return DSTACK_OK;
}

const char *
dstack_get_quote_body(void)
{
	return "{\"report_data\":\"\"}";
}

const char *
dstack_info_body(void)
{
	return "{}";
}

static int
path_ok(const char *p)
{
	size_t n = strlen(p);

	if (n < 2 || n > DSTACK_PATH_MAX || p[0] != '/')
		return 0;
	return strspn(p, "/ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

int
dstack_request_format(const char *path, const char *body, size_t body_len,
    char *out, size_t cap, size_t *len, struct errbuf *err)
{
	int n;

	if (!path_ok(path)) {
		errbuf_set(err, "dstack: invalid method path");
		return DSTACK_ERR;
	}
	n = fmt_snprintf(out, cap, "POST %s HTTP/1.1\r\nHost: %s\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n", path, DSTACK_HOST, body_len);
	if (n < 0 || (size_t)n >= cap || body_len >= cap - (size_t)n) {
		errbuf_set(err, "dstack %s: request does not fit in %zu bytes", path, cap);
		return DSTACK_ERR;
	}
	memcpy(out + n, body, body_len);
	*len = (size_t)n + body_len;
	out[*len] = '\0';
	return DSTACK_OK;
}

static int
note_event(const struct json_value *ev, size_t idx, struct rtmr_once *o,
    struct errbuf *err)
{
	struct digest payload;
	const struct json_value *pv;
	const char *name;
	long n;

	name = json_get_string(ev, "event");
	if (ev->type != JSON_OBJECT || name == NULL) {
		errbuf_set(err, "event_log[%zu]: expected an object with a string \"event\"", idx);
		return DSTACK_ERR;
	}
	if (strcmp(name, RTMR_EVENT_NAME) != 0)
		return DSTACK_OK;
	pv = json_object_get(ev, "event_payload");
	n = (pv != NULL && pv->type == JSON_STRING) ?
	    hex_decode(pv->u.str.ptr, pv->u.str.len, payload.b, sizeof(payload.b)) : -1;
	/* A payload that is not 32 bytes of hex is not ours: it still counts. */
	rtmr_once_note(o, name, payload.b, n < 0 ? 0 : (size_t)n);
	return DSTACK_OK;
}

static int
scan_array(const struct json_value *arr, struct rtmr_once *o, struct errbuf *err)
{
	size_t i;

	if (arr == NULL || arr->type != JSON_ARRAY) {
		errbuf_set(err, "event_log is not an array");
		return DSTACK_ERR;
	}
	if (arr->u.arr.n > DSTACK_EVENTS_MAX) {
		errbuf_set(err, "event_log holds more than %d events", DSTACK_EVENTS_MAX);
		return DSTACK_ERR;
	}
	for (i = 0; i < arr->u.arr.n; i++)
		if (note_event(&arr->u.arr.items[i], i, o, err) != DSTACK_OK)
			return DSTACK_ERR;
	return DSTACK_OK;
}

static int
parse(const char *what, const char *text, size_t len, struct arena *a,
    struct json_value *v, struct errbuf *err)
{
	if (len > DSTACK_RESPONSE_MAX) {
		errbuf_set(err, "%s: larger than %d bytes", what, DSTACK_RESPONSE_MAX);
		return DSTACK_ERR;
	}
	if (json_parse(text, len, a, v, err) != 0) {
		errbuf_wrap(err, "%s", what);
		return DSTACK_ERR;
	}
	return DSTACK_OK;
}

int
dstack_event_log_scan(const char *json, size_t len, struct arena *a,
    struct rtmr_once *o, struct errbuf *err)
{
	struct json_value v;

	if (parse("event_log", json, len, a, &v, err) != DSTACK_OK)
		return DSTACK_ERR;
	return scan_array(&v, o, err);
}

/* body[key] must be a string holding JSON; returns it parsed. */
static int
nested(const char *method, const char *body, size_t len, const char *key,
    struct arena *a, struct json_value *inner, struct errbuf *err)
{
	struct json_value outer;
	const struct json_value *s;
	char what[96];

	fmt_snprintf(what, sizeof(what), "dstack %s answer", method);
	if (parse(what, body, len, a, &outer, err) != DSTACK_OK)
		return DSTACK_ERR;
	s = json_object_get(&outer, key);
	if (outer.type != JSON_OBJECT || s == NULL || s->type != JSON_STRING) {
		errbuf_set(err, "%s: no string field \"%s\"", what, key);
		return DSTACK_ERR;
	}
	fmt_snprintf(what, sizeof(what), "dstack %s answer: %s", method, key);
	return parse(what, s->u.str.ptr, s->u.str.len, a, inner, err);
}

int
dstack_quote_response_scan(const char *body, size_t len, struct arena *a,
    struct rtmr_once *o, struct errbuf *err)
{
	struct json_value log;

	if (nested("GetQuote", body, len, "event_log", a, &log, err) != DSTACK_OK)
		return DSTACK_ERR;
	if (scan_array(&log, o, err) != DSTACK_OK) {
		errbuf_wrap(err, "dstack GetQuote answer");
		return DSTACK_ERR;
	}
	return DSTACK_OK;
}

int
dstack_info_response_scan(const char *body, size_t len, struct arena *a,
    struct rtmr_once *o, struct errbuf *err)
{
	struct json_value tcb;

	if (nested("Info", body, len, "tcb_info", a, &tcb, err) != DSTACK_OK)
		return DSTACK_ERR;
	if (scan_array(json_get_array(&tcb, "event_log"), o, err) != DSTACK_OK) {
		errbuf_wrap(err, "dstack Info answer: tcb_info");
		return DSTACK_ERR;
	}
	return DSTACK_OK;
}
