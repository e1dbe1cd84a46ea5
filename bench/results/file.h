/* file.h — the one way a finished result file is put in place.
 *
 * The text is written whole to a temporary beside the file, `.NAME.tmp` in the same folder (so
 * the rename cannot cross file systems), flushed to the disk, and renamed over NAME: a reader
 * sees the old file or the new one, never half of one, and a failed write leaves the old file
 * and no temporary. Every writer of a whole file (summary.csv, meta.json, sweep.args, the
 * report, compare's files, c2c.csv, handoff.csv) goes through here, and c2c --out streams to
 * the same temporary name; tests/reliability/fault_write.c recognises it as "a file or its
 * temporary". gnuplot's plots are the one exception: the scripts choose the terminal by the
 * output's extension, so report_run_gnuplot renames `.partial-NAME.png` into place.
 */
#ifndef LB_RESULTS_FILE_H
#define LB_RESULTS_FILE_H

#include <stddef.h>

/* write(2) until all of buf is written (EINTR retried). 0 or a negative errno. */
int file_write_all(int fd, const char *buf, size_t len);
/* The temporary for `path`: DIR/.NAME.tmp. -ENAMETOOLONG when it does not fit. */
int file_temp_path(char *buf, size_t size, const char *path);
/* Put `text` in place as `path` (see above). 0 or a negative errno; nothing is left behind. */
int file_replace(const char *path, const char *text, size_t len);
/* The same for DIR/NAME. */
int file_write_atomic(const char *dir, const char *name, const char *text, size_t len);
/* Read DIR/NAME whole into a NUL-terminated malloc'd *text of *len bytes (the caller frees it).
 * Only a regular file of at most `max` bytes with no NUL byte inside: a FIFO or a device would
 * make the read wait or never end, and a NUL would cut the text short unseen. 0, or a negative
 * errno (-EINVAL for a file that is not such a text, an empty one included). */
int file_read_text(const char *dir, const char *name, size_t max, char **text, size_t *len);

#endif
