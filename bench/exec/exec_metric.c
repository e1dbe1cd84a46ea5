/* exec_metric.c — --metric REGEX: the number a program prints about itself (exec.h).
 *
 * The rule, as --help and docs/EXEC.md state it: POSIX extended syntax; the output is matched
 * line by line (so `^` and `$` are a line's ends and a match never spans lines); the value is
 * the first capture group of the LAST match, which for a program that prints progress lines is
 * its final figure. The group must hold a number strtod reads whole (spaces around it allowed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec/exec.h"

int exec_metric_compile(regex_t *re, const char *regex, char *err, size_t errlen)
{
	int rc = regcomp(re, regex, REG_EXTENDED | REG_NEWLINE);
	if (rc) {
		char why[160];
		regerror(rc, re, why, sizeof why);
		snprintf(err, errlen, "'%s' is not a POSIX extended regular expression: %s", regex,
			 why);
		return -EINVAL;
	}
	if (re->re_nsub < 1) {
		regfree(re);
		snprintf(err, errlen, "'%s' has no capture group: put the number in parentheses, "
			 "e.g. 'time: ([0-9.]+)'", regex);
		return -EINVAL;
	}
	return 0;
}

/* The last match's group in one NUL-terminated line: 1 with [*so, *eo), or 0. */
static int last_in_line(const regex_t *re, const char *line, regoff_t *so, regoff_t *eo)
{
	int found = 0;
	size_t pos = 0, len = strlen(line);
	while (pos <= len) {
		regmatch_t m[2];
		if (regexec(re, line + pos, 2, m, pos ? REG_NOTBOL : 0) != 0)
			break;
		if (m[1].rm_so >= 0) {
			*so = (regoff_t)pos + m[1].rm_so;
			*eo = (regoff_t)pos + m[1].rm_eo;
			found = 1;
		}
		/* An empty match would match again at the same place: step past it. */
		pos += m[0].rm_eo > 0 ? (size_t)m[0].rm_eo : 1;
	}
	return found;
}

int exec_metric_read(const regex_t *re, int fd, double *value, char *note, size_t notelen)
{
	struct stat st;
	if (fstat(fd, &st) != 0) {
		snprintf(note, notelen, "metric: reading the output: %s", strerror(errno));
		return -errno;
	}
	off_t start = st.st_size > (off_t)EXEC_METRIC_TAIL ? st.st_size - EXEC_METRIC_TAIL : 0;
	size_t len = (size_t)(st.st_size - start);
	char *text = malloc(len + 1);
	if (!text) {
		snprintf(note, notelen, "metric: out of memory");
		return -ENOMEM;
	}
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, text + got, len - got, start + (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	text[got] = '\0';
	/* A tail that starts mid-line starts at the next whole one. */
	char *p = text;
	if (start > 0) {
		char *nl = memchr(text, '\n', got);
		p = nl ? nl + 1 : text + got;
	}
	char *best = NULL;
	regoff_t so = 0, eo = 0;
	for (char *end = text + got; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl)
			*nl = '\0';
		regoff_t s, e;
		/* A NUL inside a line ends it for regexec: the rest of that line is not searched. */
		if (last_in_line(re, p, &s, &e)) {
			best = p;
			so = s;
			eo = e;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	int rc = 0;
	if (!best) {
		snprintf(note, notelen, "metric: no line of the output matches --metric");
		rc = -ENOENT;
	} else {
		char num[64];
		snprintf(num, sizeof num, "%.*s", (int)(eo - so), best + so);
		char *tail;
		errno = 0;
		double v = strtod(num, &tail);
		tail += strspn(tail, " \t\r");
		if (tail == num || *tail || errno || !isfinite(v) || eo - so >= (regoff_t)sizeof num) {
			snprintf(note, notelen, "metric: the last match's group '%.40s' is not a number",
				 num);
			rc = -EINVAL;
		} else {
			*value = v;
		}
	}
	free(text);
	return rc;
}
