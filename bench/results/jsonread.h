/* jsonread.h — a minimal JSON reader for a result set's meta.json.
 *
 * The document is flattened into key/value pairs in document order: nested objects give dotted
 * keys ("machine.cpu_model"), an array of scalars becomes one value joined by ", ", an array
 * holding objects or arrays gives indexed keys ("runs[0].host"). Values keep their JSON text
 * form for numbers, true/false/null, and are unescaped UTF-8 for strings. Any syntax error
 * comes back as one line `PATH:LINE:COL: why`; nesting deeper than 32 levels is refused, so no
 * input can exhaust the stack. Nothing here prints or aborts.
 */
#ifndef LB_JSONREAD_H
#define LB_JSONREAD_H

#include <stddef.h>

enum json_type { JSON_STRING, JSON_NUMBER, JSON_BOOL, JSON_NULL, JSON_ARRAY };

struct json_kv {
	char *key;
	char *value;
	enum json_type type;
};

struct json_flat {
	struct json_kv *kv;
	size_t n, cap;
};

/* 0, or -errno when the file cannot be read, -EINVAL when it is not one JSON object. */
int json_read_flat(const char *path, struct json_flat *out, char *err, size_t errlen);
int json_parse_flat(const char *text, size_t len, const char *name, struct json_flat *out,
		    char *err, size_t errlen);
void json_free(struct json_flat *j);

/* The value of `key` (the first when repeated), or NULL; json_find gives the pair and its type. */
const char *json_get(const struct json_flat *j, const char *key);
const struct json_kv *json_find(const struct json_flat *j, const char *key);

#endif
