/* profile_writer.h — the profile reader's tests write their prof.PID.lbp files themselves, so
 * that every count, address and corruption is known exactly (the real writer lives in
 * bench/preload/ and is tested there). Header-only and static: include it from one test file.
 *
 * The file is one struct: header, then small arrays, then the maps text; the offsets in the
 * header are the struct's own (offsetof), as a writer with other capacities would set them.
 * Return addresses for call sites come from tw_site_*(): noinline functions of the test binary
 * that return the address their callee returns to, so the reader must name them.
 */
#ifndef LB_TEST_PROFILE_WRITER_H
#define LB_TEST_PROFILE_WRITER_H

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "preload/profile_format.h"

#define TW_MUTEXES 16
#define TW_THREADS 8
#define TW_RECORDS 32
#define TW_MAPS (256u << 10)

struct tw_file {
	struct lbp_header h;
	struct lbp_mutex m[TW_MUTEXES];
	struct lbp_thread t[TW_THREADS];
	struct lbp_record r[TW_RECORDS];
	char maps[TW_MAPS];
};

static struct tw_file *tw_new(int32_t pid, int32_t ppid, const char *exe, const char *lock)
{
	struct tw_file *f = calloc(1, sizeof *f);
	if (!f) {
		fprintf(stderr, "profile_writer: out of memory\n");
		exit(1);
	}
	struct lbp_header *h = &f->h;
	h->magic = LBP_MAGIC;
	h->version = LBP_VERSION;
	h->header_bytes = sizeof *h;
	h->pid = pid;
	h->ppid = ppid;
	h->start_ns = 1000;
	atomic_store_explicit(&h->end_ns, 5000000000ull, memory_order_relaxed); /* single-threaded */
	snprintf(h->lock, sizeof h->lock, "%s", lock);
	snprintf(h->exe, sizeof h->exe, "%s", exe);
	h->mutex_cap = TW_MUTEXES;
	h->thread_cap = TW_THREADS;
	h->record_cap = TW_RECORDS;
	h->maps_cap = TW_MAPS;
	h->mutexes_off = offsetof(struct tw_file, m);
	h->threads_off = offsetof(struct tw_file, t);
	h->records_off = offsetof(struct tw_file, r);
	h->maps_off = offsetof(struct tw_file, maps);
	h->mutex_bytes = sizeof(struct lbp_mutex);
	h->thread_bytes = sizeof(struct lbp_thread);
	h->record_bytes = sizeof(struct lbp_record);
	h->hist_buckets = LBP_HIST_BUCKETS;
	return f;
}

/* Test files are built by one thread: relaxed is enough for the counters and state. */
static uint32_t tw_claim(_Atomic uint32_t *used)
{
	return atomic_fetch_add_explicit(used, 1, memory_order_relaxed);
}

static uint32_t tw_mutex(struct tw_file *f, uint64_t addr, uint32_t kind, uint32_t flags,
			 const uint64_t *site, uint32_t nframes)
{
	uint32_t i = tw_claim(&f->h.mutex_used);
	struct lbp_mutex *m = &f->m[i];
	m->kind = kind;
	m->flags = flags;
	m->nframes = nframes;
	m->addr = addr;
	m->first_use_ns = 2000;
	for (uint32_t k = 0; k < nframes; k++)
		m->site[k] = site[k];
	atomic_store_explicit(&m->state, LBP_SLOT_READY, memory_order_relaxed);
	return i;
}

static uint32_t tw_thread(struct tw_file *f, int32_t tid)
{
	uint32_t i = tw_claim(&f->h.thread_used);
	f->t[i].tid = tid;
	f->t[i].start_ns = 1500;
	atomic_store_explicit(&f->t[i].state, LBP_SLOT_READY, memory_order_relaxed);
	return i;
}

static struct lbp_record *tw_record(struct tw_file *f, uint32_t mutex, uint32_t thread)
{
	uint32_t i = tw_claim(&f->h.record_used);
	struct lbp_record *r = &f->r[i];
	r->mutex = mutex;
	r->thread = thread;
	atomic_store_explicit(&r->state, LBP_SLOT_READY, memory_order_relaxed);
	return r;
}

/* n acquisitions that each waited wait_ns and held hold_ns (contended when wait_ns > 0). */
static void tw_acquire(struct lbp_record *r, uint64_t n, uint64_t wait_ns, uint64_t hold_ns)
{
	r->acquisitions += n;
	if (wait_ns)
		r->contended += n;
	r->wait_total_ns += n * wait_ns;
	r->hold_total_ns += n * hold_ns;
	if (n && wait_ns > r->wait_max_ns)
		r->wait_max_ns = wait_ns;
	if (n && hold_ns > r->hold_max_ns)
		r->hold_max_ns = hold_ns;
	r->wait_hist[lbp_bucket(wait_ns)] += (uint32_t)n;
	r->hold_hist[lbp_bucket(hold_ns)] += (uint32_t)n;
}

static void tw_maps_append(struct tw_file *f, const char *text)
{
	size_t len = strlen(text);
	uint32_t at = atomic_load_explicit(&f->h.maps_used, memory_order_relaxed);
	if (at + len > TW_MAPS) {
		fprintf(stderr, "profile_writer: maps text of %zu bytes does not fit\n", len);
		exit(1);
	}
	memcpy(f->maps + at, text, len);
	atomic_store_explicit(&f->h.maps_used, at + (uint32_t)len, memory_order_relaxed);
}

/* This process's own /proc/self/maps: the sites below are in it. */
static void tw_maps_self(struct tw_file *f)
{
	static char buf[TW_MAPS];
	FILE *m = fopen("/proc/self/maps", "r");
	if (!m) {
		perror("profile_writer: /proc/self/maps");
		exit(1);
	}
	size_t n = fread(buf, 1, sizeof buf - 1, m);
	fclose(m);
	buf[n] = '\0';
	tw_maps_append(f, buf);
}

/* Write the first `len` bytes (the whole file when len is 0) as DIR/NAME. */
static void tw_write_named(const struct tw_file *f, const char *dir, const char *name, size_t len)
{
	char path[4400];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	const char *p = (const char *)f;
	size_t left = len ? len : sizeof *f;
	while (fd >= 0 && left) {
		ssize_t w = write(fd, p, left);
		if (w <= 0)
			break;
		p += w;
		left -= (size_t)w;
	}
	if (fd < 0 || left || close(fd) != 0) {
		fprintf(stderr, "profile_writer: cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

/* The same as DIR/prof.PID.lbp. */
static void tw_write_as(const struct tw_file *f, const char *dir, int32_t pid, size_t len)
{
	char name[64];
	snprintf(name, sizeof name, "prof.%d.lbp", pid);
	tw_write_named(f, dir, name, len);
}

static void tw_write_len(const struct tw_file *f, const char *dir, size_t len)
{
	tw_write_as(f, dir, f->h.pid, len);
}

static void tw_write(const struct tw_file *f, const char *dir)
{
	tw_write_len(f, dir, 0);
}

/* A fresh empty folder under the build's temporary space. */
static void tw_dir(char *buf, size_t len, const char *name)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(buf, len, "%s/%s.XXXXXX", tmp && tmp[0] ? tmp : "/tmp", name);
	if (!mkdtemp(buf)) {
		fprintf(stderr, "profile_writer: mkdtemp %s: %s\n", buf, strerror(errno));
		exit(1);
	}
}

static void tw_rmdir(const char *dir)
{
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "profile_writer: could not remove %s\n", dir);
}

#endif
