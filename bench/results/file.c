/* file.c — write to a temporary, then rename; see file.h. */
#include "results/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int file_write_all(int fd, const char *buf, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO; /* write(2) wrote nothing and gave no reason */
		off += (size_t)n;
	}
	return 0;
}

int file_temp_path(char *buf, size_t size, const char *path)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0;
	int n = snprintf(buf, size, "%.*s.%s.tmp", dirlen, path, slash ? slash + 1 : path);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int file_replace(const char *path, const char *text, size_t len)
{
	char tmp[4096];
	int rc = file_temp_path(tmp, sizeof tmp, path);
	if (rc)
		return rc;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	rc = file_write_all(fd, text, len);
	/* EINVAL: a file system that cannot sync (tmpfs on some kernels); the rename still holds. */
	if (rc == 0 && fsync(fd) != 0 && errno != EINVAL)
		rc = -errno;
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

int file_write_atomic(const char *dir, const char *name, const char *text, size_t len)
{
	char path[4096];
	int n = snprintf(path, sizeof path, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof path)
		return -ENAMETOOLONG;
	return file_replace(path, text, len);
}

int file_read_text(const char *dir, const char *name, size_t max, char **text, size_t *len)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
		return -ENAMETOOLONG;
	struct stat st;
	if (stat(path, &st) != 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || (uintmax_t)st.st_size > max)
		return -EINVAL;
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n = getdelim(&buf, &cap, '\0', f);
	bool more = n > 0 && fgetc(f) != EOF; /* a NUL stopped getdelim early */
	fclose(f);
	if (n <= 0 || more || memchr(buf, '\0', (size_t)n)) {
		free(buf);
		return -EINVAL;
	}
	*text = buf;
	*len = (size_t)n;
	return 0;
}
