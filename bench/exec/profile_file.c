/* profile_file.c — map one prof.PID.lbp and refuse anything we would misread.
 *
 * The file comes from a program we do not trust to have finished (killed mid-write) nor to be
 * ours (another build, another version, a stray file): every count, offset and size in the
 * header is checked against the file's real size before any array is touched, and each check
 * that fails names the file and the field. The map is read-only and private: nothing we do can
 * change the file, and the writer is dead (the command reads after the program has ended).
 */
#include "exec/profile_model.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(char *err, size_t errlen, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s: %s", path, why);
	return -1;
}

/* Whether [off, off + n * each) lies inside a file of `size` bytes, without overflow, and is
 * aligned for the 64-bit fields the structs hold. */
static bool array_fits(uint64_t off, uint64_t n, uint64_t each, uint64_t size)
{
	if (off % 8 != 0 || off > size)
		return false;
	if (each && n > (size - off) / each)
		return false;
	return true;
}

int profile_file_open(struct profile_file *f, const char *path, char *err, size_t errlen)
{
	memset(f, 0, sizeof *f);
	snprintf(f->path, sizeof f->path, "%s", path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, path, "cannot open: %s", strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return fail(err, errlen, path, "cannot stat: %s", strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return fail(err, errlen, path, "not a regular file");
	}
	if ((uint64_t)st.st_size < sizeof(struct lbp_header)) {
		close(fd);
		return fail(err, errlen, path,
			    "truncated: %lld bytes, shorter than the %zu-byte header",
			    (long long)st.st_size, sizeof(struct lbp_header));
	}
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	int e = errno;
	close(fd);
	if (map == MAP_FAILED)
		return fail(err, errlen, path, "cannot map: %s", strerror(e));
	f->map = map;
	f->size = (size_t)st.st_size;
	f->h = map;

	const struct lbp_header *h = f->h;
	if (h->magic != LBP_MAGIC)
		goto bad_magic;
	if (h->version != LBP_VERSION) {
		fail(err, errlen, path, "format version %u, this lockbench reads version %u",
		     h->version, LBP_VERSION);
		goto out;
	}
	if (h->header_bytes != sizeof *h || h->mutex_bytes != sizeof(struct lbp_mutex) ||
	    h->thread_bytes != sizeof(struct lbp_thread) ||
	    h->record_bytes != sizeof(struct lbp_record) || h->hist_buckets != LBP_HIST_BUCKETS) {
		fail(err, errlen, path,
		     "written by another build: header/mutex/thread/record bytes %u/%u/%u/%u and "
		     "%u histogram buckets, this lockbench has %zu/%zu/%zu/%zu and %u",
		     h->header_bytes, h->mutex_bytes, h->thread_bytes, h->record_bytes,
		     h->hist_buckets, sizeof *h, sizeof(struct lbp_mutex), sizeof(struct lbp_thread),
		     sizeof(struct lbp_record), (unsigned)LBP_HIST_BUCKETS);
		goto out;
	}
	/* The writer is dead: relaxed loads see its last stores (the map is of the file itself). */
	uint32_t mused = atomic_load_explicit(&h->mutex_used, memory_order_relaxed);
	uint32_t tused = atomic_load_explicit(&h->thread_used, memory_order_relaxed);
	uint32_t rused = atomic_load_explicit(&h->record_used, memory_order_relaxed);
	uint32_t pused = atomic_load_explicit(&h->maps_used, memory_order_relaxed);
	const struct {
		const char *name;
		uint64_t off, cap, each;
	} arr[] = {
		{ "mutex", h->mutexes_off, h->mutex_cap, sizeof(struct lbp_mutex) },
		{ "thread", h->threads_off, h->thread_cap, sizeof(struct lbp_thread) },
		{ "record", h->records_off, h->record_cap, sizeof(struct lbp_record) },
		{ "maps", h->maps_off, h->maps_cap, 1 },
	};
	for (size_t i = 0; i < sizeof arr / sizeof arr[0]; i++) {
		if (arr[i].off < sizeof *h || !array_fits(arr[i].off, arr[i].cap, arr[i].each, f->size)) {
			fail(err, errlen, path,
			     "truncated or corrupt: the %s array (offset %llu, %llu x %llu bytes) does "
			     "not lie inside the file's %zu bytes after the header",
			     arr[i].name, (unsigned long long)arr[i].off, (unsigned long long)arr[i].cap,
			     (unsigned long long)arr[i].each, f->size);
			goto out;
		}
	}
	f->mutexes = (const void *)(f->map + h->mutexes_off);
	f->threads = (const void *)(f->map + h->threads_off);
	f->records = (const void *)(f->map + h->records_off);
	f->maps = (const char *)(f->map + h->maps_off);
	f->nmutexes = mused < h->mutex_cap ? mused : h->mutex_cap;
	f->nthreads = tused < h->thread_cap ? tused : h->thread_cap;
	f->nrecords = rused < h->record_cap ? rused : h->record_cap;
	f->maps_len = pused < h->maps_cap ? pused : h->maps_cap;
	return 0;

bad_magic:
	fail(err, errlen, path, "not a lockbench profile (bad magic 0x%016llx)",
	     (unsigned long long)h->magic);
out:
	profile_file_close(f);
	return -1;
}

void profile_file_close(struct profile_file *f)
{
	if (f->map)
		munmap((void *)f->map, f->size);
	f->map = NULL;
	f->h = NULL;
}
