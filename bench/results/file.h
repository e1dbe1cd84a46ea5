/* file.h — writing result files: every byte or an error, and final files through a temporary
 * name and a rename, so that a reader never sees half of one. */
#ifndef LB_FILE_H
#define LB_FILE_H

#include <stddef.h>

/* Write all of buf to fd, retrying short writes and EINTR. 0, or the -errno of the write(2)
 * that failed. */
int write_all(int fd, const char *buf, size_t len);
/* Write `text` to DIR/NAME through DIR/.NAME.tmp and a rename. 0 or -errno. */
int write_file_atomic(const char *dir, const char *name, const char *text, size_t len);

#endif
