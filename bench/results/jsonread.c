/* jsonread.c — a minimal JSON reader that flattens meta.json into key/value pairs; see
 * jsonread.h. Recursive descent over RFC 8259's grammar, with a depth limit so that garbage
 * cannot exhaust the stack, and every error reported with its line and column.
 */
#include "results/jsonread.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define JSON_MAX_DEPTH 32
#define JSON_MAX_BYTES (16u << 20)

struct parser {
	const char *text;
	size_t len, pos;
	const char *name;
	char *err;
	size_t errlen;
	struct json_flat *out;
};

/* A growable string. */
struct buf {
	char *s;
	size_t n, cap;
	bool oom;
};

static void buf_add(struct buf *b, const char *s, size_t len)
{
	if (b->oom)
		return;
	if (b->n + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 32;
		while (cap < b->n + len + 1)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, len);
	b->n += len;
	b->s[b->n] = '\0';
}

static int perr(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(struct parser *p, const char *fmt, ...)
{
	unsigned line = 1, col = 1;
	for (size_t i = 0; i < p->pos && i < p->len; i++) {
		if (p->text[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	if (p->err && p->errlen) {
		char why[256];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, sizeof why, fmt, ap);
		va_end(ap);
		/* A quoted member name may hold an escaped newline: the message stays one line. */
		for (char *c = why; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
		snprintf(p->err, p->errlen, "%s:%u:%u: %s", p->name, line, col, why);
	}
	return -EINVAL;
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len && (p->text[p->pos] == ' ' || p->text[p->pos] == '\t' ||
				   p->text[p->pos] == '\n' || p->text[p->pos] == '\r'))
		p->pos++;
}

static int add_kv(struct parser *p, const char *key, const char *value, enum json_type type)
{
	struct json_flat *j = p->out;
	if (j->n == j->cap) {
		size_t cap = j->cap ? 2 * j->cap : 32;
		struct json_kv *kv = realloc(j->kv, cap * sizeof *kv);
		if (!kv)
			return perr(p, "out of memory");
		j->kv = kv;
		j->cap = cap;
	}
	char *k = strdup(key ? key : "");
	char *v = strdup(value ? value : "");
	if (!k || !v) {
		free(k);
		free(v);
		return perr(p, "out of memory");
	}
	j->kv[j->n++] = (struct json_kv){ .key = k, .value = v, .type = type };
	return 0;
}

static int hex4(struct parser *p, unsigned *out)
{
	unsigned v = 0;
	if (p->pos + 4 > p->len)
		return perr(p, "a \\u escape needs four hex digits");
	for (int i = 0; i < 4; i++) {
		char c = p->text[p->pos++];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return perr(p, "a \\u escape needs four hex digits");
	}
	*out = v;
	return 0;
}

static void put_utf8(struct buf *b, unsigned cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	buf_add(b, u, n);
}

/* A string at p->pos (which is '"'), unescaped into *b. */
static int parse_string(struct parser *p, struct buf *b)
{
	buf_add(b, "", 0);
	p->pos++;
	for (;;) {
		if (p->pos >= p->len)
			return perr(p, "a string is never closed (truncated?)");
		unsigned char c = (unsigned char)p->text[p->pos];
		if (c == '"') {
			p->pos++;
			return b->oom ? perr(p, "out of memory") : 0;
		}
		if (c < 0x20)
			return perr(p, "a control character inside a string");
		if (c != '\\') {
			buf_add(b, (const char *)&p->text[p->pos++], 1);
			continue;
		}
		if (++p->pos >= p->len)
			return perr(p, "a string is never closed (truncated?)");
		char e = p->text[p->pos++];
		const char *rep = NULL;
		switch (e) {
		case '"': rep = "\""; break;
		case '\\': rep = "\\"; break;
		case '/': rep = "/"; break;
		case 'b': rep = "\b"; break;
		case 'f': rep = "\f"; break;
		case 'n': rep = "\n"; break;
		case 'r': rep = "\r"; break;
		case 't': rep = "\t"; break;
		case 'u': {
			unsigned cp, lo;
			if (hex4(p, &cp))
				return -EINVAL;
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (p->pos + 2 > p->len || p->text[p->pos] != '\\' ||
				    p->text[p->pos + 1] != 'u')
					return perr(p, "a lone UTF-16 surrogate in a \\u escape");
				p->pos += 2;
				if (hex4(p, &lo))
					return -EINVAL;
				if (lo < 0xdc00 || lo >= 0xe000)
					return perr(p, "a lone UTF-16 surrogate in a \\u escape");
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				return perr(p, "a lone UTF-16 surrogate in a \\u escape");
			}
			put_utf8(b, cp);
			continue;
		}
		default:
			p->pos--;
			return perr(p, "'\\%c' is not a JSON escape", e >= 0x20 && e < 0x7f ? e : '?');
		}
		buf_add(b, rep, 1);
	}
}

static int parse_number(struct parser *p, struct buf *b)
{
	size_t s = p->pos, i = p->pos;
	const char *t = p->text;
	if (i < p->len && t[i] == '-')
		i++;
	if (i < p->len && t[i] == '0') {
		i++;
	} else if (i < p->len && t[i] >= '1' && t[i] <= '9') {
		while (i < p->len && t[i] >= '0' && t[i] <= '9')
			i++;
	} else {
		return perr(p, "not a JSON value");
	}
	if (i < p->len && t[i] == '.') {
		if (++i >= p->len || t[i] < '0' || t[i] > '9') {
			p->pos = i;
			return perr(p, "a digit must follow the decimal point");
		}
		while (i < p->len && t[i] >= '0' && t[i] <= '9')
			i++;
	}
	if (i < p->len && (t[i] == 'e' || t[i] == 'E')) {
		i++;
		if (i < p->len && (t[i] == '+' || t[i] == '-'))
			i++;
		if (i >= p->len || t[i] < '0' || t[i] > '9') {
			p->pos = i;
			return perr(p, "a digit must follow the exponent");
		}
		while (i < p->len && t[i] >= '0' && t[i] <= '9')
			i++;
	}
	buf_add(b, t + s, i - s);
	p->pos = i;
	return b->oom ? perr(p, "out of memory") : 0;
}

/* A scalar (string, number, true, false, null) into *b; its type into *type. */
static int parse_scalar(struct parser *p, struct buf *b, enum json_type *type)
{
	static const struct {
		const char *word;
		enum json_type type;
	} lits[] = { { "true", JSON_BOOL }, { "false", JSON_BOOL }, { "null", JSON_NULL } };
	if (p->pos >= p->len)
		return perr(p, "the document ends where a value was expected (truncated?)");
	if (p->text[p->pos] == '"') {
		*type = JSON_STRING;
		return parse_string(p, b);
	}
	for (size_t i = 0; i < sizeof lits / sizeof lits[0]; i++) {
		size_t n = strlen(lits[i].word);
		if (p->len - p->pos >= n && memcmp(p->text + p->pos, lits[i].word, n) == 0) {
			buf_add(b, lits[i].word, n);
			p->pos += n;
			*type = lits[i].type;
			return b->oom ? perr(p, "out of memory") : 0;
		}
	}
	*type = JSON_NUMBER;
	return parse_number(p, b);
}

static int parse_value(struct parser *p, const char *key, int depth);

static int parse_object(struct parser *p, const char *prefix, int depth)
{
	p->pos++; /* '{' */
	skip_ws(p);
	if (p->pos < p->len && p->text[p->pos] == '}') {
		p->pos++;
		return 0;
	}
	for (;;) {
		skip_ws(p);
		if (p->pos >= p->len)
			return perr(p, "the document ends inside an object (truncated?)");
		if (p->text[p->pos] != '"')
			return perr(p, "expected a quoted member name");
		struct buf name = { 0 }, key = { 0 };
		int rc = parse_string(p, &name);
		if (!rc) {
			if (prefix) {
				buf_add(&key, prefix, strlen(prefix));
				buf_add(&key, ".", 1);
			}
			buf_add(&key, name.s, name.n);
			rc = key.oom ? perr(p, "out of memory") : 0;
		}
		if (!rc) {
			skip_ws(p);
			if (p->pos >= p->len || p->text[p->pos] != ':')
				rc = perr(p, "expected ':' after member name \"%.40s\"", name.s);
			else
				p->pos++;
		}
		if (!rc)
			rc = parse_value(p, key.s, depth + 1);
		free(name.s);
		free(key.s);
		if (rc)
			return rc;
		skip_ws(p);
		if (p->pos >= p->len)
			return perr(p, "the document ends inside an object (truncated?)");
		if (p->text[p->pos] == '}') {
			p->pos++;
			return 0;
		}
		if (p->text[p->pos] != ',')
			return perr(p, "expected ',' or '}' in an object");
		p->pos++;
	}
}

static int parse_array(struct parser *p, const char *prefix, int depth)
{
	struct buf joined = { 0 };
	size_t index = 0, scalars = 0;
	int rc = 0;
	p->pos++; /* '[' */
	skip_ws(p);
	if (p->pos < p->len && p->text[p->pos] == ']') {
		p->pos++;
		return add_kv(p, prefix, "", JSON_ARRAY);
	}
	for (;;) {
		skip_ws(p);
		if (p->pos >= p->len) {
			rc = perr(p, "the document ends inside an array (truncated?)");
			break;
		}
		char c = p->text[p->pos];
		if (c == '{' || c == '[') {
			char key[512];
			snprintf(key, sizeof key, "%s[%zu]", prefix ? prefix : "", index);
			rc = parse_value(p, key, depth + 1);
		} else {
			struct buf v = { 0 };
			enum json_type type;
			rc = parse_scalar(p, &v, &type);
			if (!rc) {
				if (scalars++)
					buf_add(&joined, ", ", 2);
				buf_add(&joined, v.s, v.n);
			}
			free(v.s);
		}
		if (rc)
			break;
		index++;
		skip_ws(p);
		if (p->pos >= p->len) {
			rc = perr(p, "the document ends inside an array (truncated?)");
			break;
		}
		if (p->text[p->pos] == ']') {
			p->pos++;
			if (scalars)
				rc = joined.oom ? perr(p, "out of memory")
						: add_kv(p, prefix, joined.s, JSON_ARRAY);
			break;
		}
		if (p->text[p->pos] != ',') {
			rc = perr(p, "expected ',' or ']' in an array");
			break;
		}
		p->pos++;
	}
	free(joined.s);
	return rc;
}

static int parse_value(struct parser *p, const char *key, int depth)
{
	if (depth > JSON_MAX_DEPTH)
		return perr(p, "nested deeper than %d levels", JSON_MAX_DEPTH);
	skip_ws(p);
	if (p->pos >= p->len)
		return perr(p, "the document ends where a value was expected (truncated?)");
	if (p->text[p->pos] == '{')
		return parse_object(p, key, depth);
	if (p->text[p->pos] == '[')
		return parse_array(p, key, depth);
	struct buf v = { 0 };
	enum json_type type;
	int rc = parse_scalar(p, &v, &type);
	if (!rc)
		rc = add_kv(p, key, v.s, type);
	free(v.s);
	return rc;
}

int json_parse_flat(const char *text, size_t len, const char *name, struct json_flat *out,
		    char *err, size_t errlen)
{
	struct parser p = { .text = text, .len = len, .name = name, .err = err, .errlen = errlen,
			    .out = out };
	memset(out, 0, sizeof *out);
	if (memchr(text, '\0', len)) {
		p.pos = (size_t)((const char *)memchr(text, '\0', len) - text);
		return perr(&p, "a NUL byte: not a text file");
	}
	skip_ws(&p);
	int rc;
	if (p.pos >= len)
		rc = perr(&p, "empty file, expected a JSON object");
	else if (text[p.pos] != '{')
		rc = perr(&p, "expected a JSON object ('{')");
	else
		rc = parse_object(&p, NULL, 1);
	if (!rc) {
		skip_ws(&p);
		if (p.pos < len)
			rc = perr(&p, "text after the end of the JSON object");
	}
	if (rc)
		json_free(out);
	return rc;
}

int json_read_flat(const char *path, struct json_flat *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; a device must not be read to the
	 * size limit. Only a regular file is read. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, errlen, "%s: not a regular file", path);
		return -EINVAL;
	}
	FILE *f = fdopen(fd, "r");
	if (!f) {
		int e = errno;
		close(fd);
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	char *text = malloc(JSON_MAX_BYTES + 1);
	if (!text) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	size_t n = fread(text, 1, JSON_MAX_BYTES + 1, f);
	int bad = ferror(f);
	fclose(f);
	int rc;
	if (bad) {
		snprintf(err, errlen, "%s: read error", path);
		rc = -EIO;
	} else if (n > JSON_MAX_BYTES) {
		snprintf(err, errlen, "%s: larger than %u bytes", path, JSON_MAX_BYTES);
		rc = -EFBIG;
	} else {
		rc = json_parse_flat(text, n, path, out, err, errlen);
	}
	free(text);
	return rc;
}

void json_free(struct json_flat *j)
{
	for (size_t i = 0; i < j->n; i++) {
		free(j->kv[i].key);
		free(j->kv[i].value);
	}
	free(j->kv);
	memset(j, 0, sizeof *j);
}

const struct json_kv *json_find(const struct json_flat *j, const char *key)
{
	for (size_t i = 0; i < j->n; i++)
		if (strcmp(j->kv[i].key, key) == 0)
			return &j->kv[i];
	return NULL;
}

const char *json_get(const struct json_flat *j, const char *key)
{
	const struct json_kv *kv = json_find(j, key);
	return kv ? kv->value : NULL;
}
