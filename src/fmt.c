#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "fmt.h"

/* Longest integer text: 64 bits in octal would be 22, in decimal 20. */
#define FMT_NUM_MAX 24

struct fmt_out {
	char *buf;
	size_t cap, len;
};

struct fmt_spec {
	int left, zero, has_prec;
	size_t width, prec;
	int len_mod; /* 0, 'H' (hh), 'h', 'l', 'L' (ll), 'z', 'j', 't' */
};

static void
out_put(struct fmt_out *o, const char *s, size_t n)
{
	size_t room = o->cap > o->len ? o->cap - o->len - 1 : 0;

	if (o->cap > 0 && room > 0)
		memcpy(o->buf + o->len, s, n < room ? n : room);
	o->len = n > SIZE_MAX - o->len ? SIZE_MAX : o->len + n;
}

static void
out_fill(struct fmt_out *o, char c, size_t n)
{
	char chunk[16];

	memset(chunk, c, sizeof(chunk));
	for (; n > sizeof(chunk); n -= sizeof(chunk))
		out_put(o, chunk, sizeof(chunk));
	out_put(o, chunk, n);
}

/* Width padding around a body of n bytes that out_put() will write. */
static void
pad_before(struct fmt_out *o, const struct fmt_spec *sp, size_t n)
{
	if (!sp->left && sp->width > n)
		out_fill(o, ' ', sp->width - n);
}

static void
pad_after(struct fmt_out *o, const struct fmt_spec *sp, size_t n)
{
	if (sp->left && sp->width > n)
		out_fill(o, ' ', sp->width - n);
}

static void
put_text(struct fmt_out *o, const struct fmt_spec *sp, const char *s)
{
	size_t n;

	if (s == NULL)
		s = "(null)";
	n = sp->has_prec ? strnlen(s, sp->prec) : strlen(s);
	pad_before(o, sp, n);
	out_put(o, s, n);
	pad_after(o, sp, n);
}

/* radix: 'd' decimal, 'x' or 'X' hexadecimal in that case. */
static void
put_int(struct fmt_out *o, const struct fmt_spec *sp, uintmax_t v, int neg,
    char radix)
{
	const char *digits = radix == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	unsigned base = radix == 'd' ? 10 : 16;
	char num[FMT_NUM_MAX];
	size_t nd = 0, zeros = 0, body;

	for (; v != 0; v /= base) /* base is 10 or 16 */
		num[sizeof(num) - ++nd] = digits[v % base];
	if (sp->has_prec) {
		zeros = sp->prec > nd ? sp->prec - nd : 0;
	} else if (nd == 0) {
		zeros = 1; /* "0": only an explicit precision of 0 prints nothing */
	}
	body = (size_t)neg + zeros + nd;
	if (sp->zero && !sp->left && !sp->has_prec && sp->width > body) {
		zeros += sp->width - body;
		body = sp->width;
	}
	pad_before(o, sp, body);
	if (neg)
		out_put(o, "-", 1);
	out_fill(o, '0', zeros);
	out_put(o, num + sizeof(num) - nd, nd);
	pad_after(o, sp, body);
}

static size_t
read_count(const char **f, va_list *ap, int *negative)
{
	size_t n = 0;

	*negative = 0;
	if (**f == '*') {
		int v = va_arg(*ap, int);

		(*f)++;
		*negative = v < 0;
		return v < 0 ? (size_t)-(intmax_t)v : (size_t)v;
	}
	while (**f >= '0' && **f <= '9') {
		/* A format is program text: saturate rather than wrap. */
		n = n > (SIZE_MAX - 9) / 10 ? SIZE_MAX : n * 10 + (size_t)(**f - '0');
		(*f)++;
	}
	return n;
}

static void
read_spec(const char **f, va_list *ap, struct fmt_spec *sp)
{
	int neg;

	memset(sp, 0, sizeof(*sp));
	for (;; (*f)++) {
		if (**f == '-')
			sp->left = 1;
		else if (**f == '0')
			sp->zero = 1;
		else
			break;
	}
	sp->width = read_count(f, ap, &neg);
	if (neg) /* a negative '*' width means left-justified */
		sp->left = 1;
	if (**f == '.') {
		(*f)++;
		sp->prec = read_count(f, ap, &neg);
		sp->has_prec = !neg; /* a negative '*' precision is "none" */
	}
	if (**f != '\0' && strchr("hlzjt", (unsigned char)**f) != NULL) {
		sp->len_mod = (unsigned char)*(*f)++;
		if (sp->len_mod == 'h' && **f == 'h')
			sp->len_mod = 'H', (*f)++;
		else if (sp->len_mod == 'l' && **f == 'l')
			sp->len_mod = 'L', (*f)++;
	}
}

/* Several of these types have one width on x86-64, not on every ABI. */
static intmax_t
arg_signed(va_list *ap, int len_mod)
{
	/* NOLINTBEGIN(bugprone-branch-clone): same width here, not everywhere */
	switch (len_mod) {
	case 'H': return (signed char)va_arg(*ap, int);
	case 'h': return (short)va_arg(*ap, int);
	case 'l': return va_arg(*ap, long);
	case 'L': return va_arg(*ap, long long);
	case 'z': return va_arg(*ap, ptrdiff_t); /* signed size_t has its width */
	case 'j': return va_arg(*ap, intmax_t);
	case 't': return va_arg(*ap, ptrdiff_t);
	default: return va_arg(*ap, int);
	}
	/* NOLINTEND(bugprone-branch-clone) */
}

static uintmax_t
arg_unsigned(va_list *ap, int len_mod)
{
	/* NOLINTBEGIN(bugprone-branch-clone): same width here, not everywhere */
	switch (len_mod) {
	case 'H': return (unsigned char)va_arg(*ap, unsigned);
	case 'h': return (unsigned short)va_arg(*ap, unsigned);
	case 'l': return va_arg(*ap, unsigned long);
	case 'L': return va_arg(*ap, unsigned long long);
	case 'z': return va_arg(*ap, size_t);
	case 'j': return va_arg(*ap, uintmax_t);
	case 't': return (uintmax_t)va_arg(*ap, ptrdiff_t);
	default: return va_arg(*ap, unsigned);
	}
	/* NOLINTEND(bugprone-branch-clone) */
}

static void
put_conv(struct fmt_out *o, const struct fmt_spec *sp, char conv, va_list *ap)
{
	intmax_t s;
	char c;

	switch (conv) {
	case 'd':
	case 'i':
		s = arg_signed(ap, sp->len_mod);
		put_int(o, sp, s < 0 ? 0 - (uintmax_t)s : (uintmax_t)s, s < 0, 'd');
		break;
	case 'u':
		put_int(o, sp, arg_unsigned(ap, sp->len_mod), 0, 'd');
		break;
	case 'x':
	case 'X':
		put_int(o, sp, arg_unsigned(ap, sp->len_mod), 0, conv);
		break;
	case 'p':
		out_put(o, "0x", 2);
		put_int(o, sp, (uintptr_t)va_arg(*ap, void *), 0, 'x');
		break;
	case 'c':
		c = (char)va_arg(*ap, int);
		pad_before(o, sp, 1);
		out_put(o, &c, 1);
		pad_after(o, sp, 1);
		break;
	case 's':
		put_text(o, sp, va_arg(*ap, const char *));
		break;
	case '%':
		out_put(o, "%", 1);
		break;
	default:
		out_put(o, "%?", 2);
		break;
	}
}

int
fmt_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
	struct fmt_out o = { buf, cap, 0 };
	struct fmt_spec sp;
	const char *pct;
	va_list aq;

	va_copy(aq, ap);
	while (*fmt != '\0') {
		pct = strchr(fmt, '%');
		if (pct == NULL)
			pct = fmt + strlen(fmt);
		out_put(&o, fmt, (size_t)(pct - fmt));
		if (*pct == '\0')
			break;
		fmt = pct + 1;
		read_spec(&fmt, &aq, &sp);
		if (*fmt == '\0') {
			out_put(&o, "%?", 2);
			break;
		}
		put_conv(&o, &sp, *fmt++, &aq);
	}
	va_end(aq);
	if (cap > 0)
		buf[o.len < cap ? o.len : cap - 1] = '\0';
	return o.len > INT_MAX ? INT_MAX : (int)o.len;
}

int
fmt_snprintf(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	return n;
}
