/* profile_writer.c — the prof.PID.lbp file of one profiled process (profile_format.h).
 *
 * Why a MAP_SHARED file written in place: the target may _exit, be killed by the timeout or
 * exec; whatever it counted is already in the page cache. Nothing here takes a lock, calls
 * malloc or stdio, or unwinds with libgcc (its unwinder takes mutexes: ours); slots are claimed
 * with fetch-add and published with a release store of READY (profile_format.h).
 *
 * Per thread: one lbp_thread slot and a small open-addressed cache in TLS from a profile mutex
 * slot to this thread's record for it. A full cache evicts: the evicted pair gets a second record
 * when it is next used, which the reader's per-mutex sums do not notice.
 *
 * Call sites: the return addresses of a mutex's first use, by a frame-pointer walk from the
 * exported function's frame. The walk is bounded by LBP_FRAMES and checked against this thread's
 * stack (from the current stack pointer up to the end of the mapping that holds it, read once per
 * thread from /proc/self/maps), each frame strictly above the previous one and 8-byte aligned,
 * so a bad frame pointer ends the walk, never faults. What is lost without frame pointers
 * (Debian builds with -fomit-frame-pointer): frame 0, __builtin_return_address(0) of our
 * function, is always right; beyond it the walk follows whatever the caller left in rbp — usually
 * not a stack address (the walk stops: LBP_SITE_TRUNCATED), but it can be a pointer to a stack
 * variable, which yields plausible but wrong frames. Only code built with
 * -fno-omit-frame-pointer gives whole chains.
 *
 * Maps: /proc/self/maps is appended to the maps area at start-up, and again when a first-use site
 * has a frame outside every executable mapping of the last snapshot (a library dlopen'ed since).
 * One snapshot at a time (an atomic flag; a thread that finds it taken skips its snapshot).
 *
 * fork: the child inherits the parent's MAP_SHARED mapping; it unmaps it at once, bumps a
 * generation number that invalidates every cached slot (side entries' `prof` word, the TLS
 * caches), and creates prof.CHILDPID.lbp at its first profiled event. Lazily, so that a child
 * that only execs leaves no empty file and its new image (same PID) creates prof.PID.lbp itself.
 * Should that name be taken all the same (a child that locked, then exec'ed), the new image
 * writes prof.PID-N.lbp (N = 1, 2, …), which the reader's prof.*.lbp glob includes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "preload/preload_internal.h"
#include "preload/profile_format.h"

#define RANGES_CAP 1024
#define TLS_CACHE 512 /* power of two */
#define NO_SLOT UINT32_MAX

static unsigned char *base;
static size_t base_len;
static struct lbp_header *hdr;
static char prof_dir[4096];
static char prof_lock[LBP_LOCK_NAME];
static _Atomic uint32_t gen = 1;
/* The file of this process: FILE_OPEN once created; a fork child starts at FILE_NONE. */
enum { FILE_NONE, FILE_CREATING, FILE_OPEN, FILE_FAILED };
static _Atomic int file_state;
static atomic_flag snapshot_busy = ATOMIC_FLAG_INIT;
/* The executable mappings of the last snapshot. Relaxed: a torn read only causes one extra or
 * one missing snapshot, and the reader unions all snapshots anyway. */
static _Atomic uintptr_t range_lo[RANGES_CAP], range_hi[RANGES_CAP];
static _Atomic unsigned n_ranges;

struct tls_prof {
	uint32_t gen;
	uint32_t thread; /* + 1; 0 none */
	uintptr_t stack_hi;
	uint32_t key[TLS_CACHE]; /* profile mutex index + 1 */
	uint32_t rec[TLS_CACHE]; /* record index, NO_SLOT: dropped */
};
static __thread struct tls_prof tp __attribute__((tls_model("initial-exec")));

static struct lbp_mutex *mutexes(void)
{
	return (struct lbp_mutex *)(base + hdr->mutexes_off);
}

static struct lbp_thread *threads(void)
{
	return (struct lbp_thread *)(base + hdr->threads_off);
}

static struct lbp_record *records(void)
{
	return (struct lbp_record *)(base + hdr->records_off);
}

/* Calls fn(lo, hi, perms, arg) for each line of /proc/self/maps; fn returns 1 to stop. */
static void each_mapping(int (*fn)(uintptr_t, uintptr_t, const char *, void *), void *arg)
{
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	char buf[4096];
	size_t have = 0;
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof buf - have);
		if (n <= 0)
			break;
		have += (size_t)n;
		size_t start = 0;
		for (size_t i = 0; i < have; i++) {
			if (buf[i] != '\n')
				continue;
			uintptr_t lo = 0, hi = 0;
			size_t j = start;
			char c;
			while (j < i && (c = buf[j]) != '-') {
				lo = lo * 16 + (uintptr_t)(c <= '9' ? c - '0' : (c | 32) - 'a' + 10);
				j++;
			}
			j++;
			while (j < i && (c = buf[j]) != ' ') {
				hi = hi * 16 + (uintptr_t)(c <= '9' ? c - '0' : (c | 32) - 'a' + 10);
				j++;
			}
			j++;
			if (j + 4 <= i && fn(lo, hi, buf + j, arg)) {
				close(fd);
				return;
			}
			start = i + 1;
		}
		memmove(buf, buf + start, have - start);
		have -= start;
		if (have == sizeof buf)
			have = 0; /* a line longer than the buffer: drop it */
	}
	close(fd);
}

static int add_range(uintptr_t lo, uintptr_t hi, const char *perms, void *arg)
{
	unsigned *n = arg;
	if (perms[2] == 'x' && *n < RANGES_CAP) {
		atomic_store_explicit(&range_lo[*n], lo, memory_order_relaxed);
		atomic_store_explicit(&range_hi[*n], hi, memory_order_relaxed);
		++*n;
	}
	return 0;
}

static void snapshot_maps(void)
{
	if (atomic_flag_test_and_set_explicit(&snapshot_busy, memory_order_acquire))
		return; /* another thread is taking one */
	uint32_t used = atomic_load_explicit(&hdr->maps_used, memory_order_relaxed);
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		char *area = (char *)base + hdr->maps_off;
		for (;;) {
			if (used >= hdr->maps_cap)
				break;
			ssize_t n = read(fd, area + used, hdr->maps_cap - used);
			if (n <= 0)
				break;
			used += (uint32_t)n;
		}
		close(fd);
		/* Release: the text is in place before a reader (after our death) trusts the
		 * length; relaxed would do as well for a dead writer, release documents it. */
		atomic_store_explicit(&hdr->maps_used, used, memory_order_release);
	}
	unsigned n = 0;
	each_mapping(add_range, &n);
	atomic_store_explicit(&n_ranges, n, memory_order_relaxed);
	/* Release: pairs with the next snapshot's acquire test-and-set. */
	atomic_flag_clear_explicit(&snapshot_busy, memory_order_release);
}

static int known_address(uint64_t a)
{
	unsigned n = atomic_load_explicit(&n_ranges, memory_order_relaxed);
	for (unsigned i = 0; i < n; i++)
		if (a >= atomic_load_explicit(&range_lo[i], memory_order_relaxed) &&
		    a < atomic_load_explicit(&range_hi[i], memory_order_relaxed))
			return 1;
	return 0;
}

static int find_stack(uintptr_t lo, uintptr_t hi, const char *perms, void *arg)
{
	uintptr_t *sp_hi = arg;
	(void)perms;
	if (*sp_hi >= lo && *sp_hi < hi) {
		*sp_hi = hi;
		return 1;
	}
	return 0;
}

static unsigned walk_frames(const struct lbp_site *site, uint64_t *out, int *truncated)
{
	unsigned n = 0;
	*truncated = 0;
	out[n++] = (uint64_t)(uintptr_t)site->ra;
	uintptr_t lo = (uintptr_t)__builtin_frame_address(0);
	if (!tp.stack_hi) {
		uintptr_t probe = lo;
		each_mapping(find_stack, &probe);
		tp.stack_hi = probe != lo ? probe : lo; /* not found: no walk beyond frame 0 */
	}
	uintptr_t hi = tp.stack_hi, prev = (uintptr_t)site->fp;
	if (prev < lo || prev + 16 > hi) {
		*truncated = 1;
		return n;
	}
	uintptr_t f = ((const uintptr_t *)prev)[0];
	while (n < LBP_FRAMES) {
		if (f == 0)
			break; /* the outermost frame: a complete chain */
		if (f <= prev || f + 16 > hi || (f & 7)) {
			*truncated = 1;
			break;
		}
		uintptr_t ra = ((const uintptr_t *)f)[1];
		if (ra == 0)
			break;
		out[n++] = ra;
		prev = f;
		f = ((const uintptr_t *)f)[0];
	}
	if (n == LBP_FRAMES)
		*truncated = 0;
	return n;
}

static int open_file(int pid)
{
	char path[4200];
	int fd = -1;
	for (int k = 0; k < 1000 && fd < 0; k++) {
		if (k == 0)
			snprintf(path, sizeof path, "%s/" LBP_FILE_PREFIX "%d" LBP_FILE_SUFFIX,
				 prof_dir, pid);
		else
			snprintf(path, sizeof path, "%s/" LBP_FILE_PREFIX "%d-%d" LBP_FILE_SUFFIX,
				 prof_dir, pid, k);
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			return -errno;
	}
	return fd < 0 ? -EEXIST : fd;
}

static uint64_t align64(uint64_t x)
{
	return (x + 63) & ~(uint64_t)63;
}

static int create(uint64_t start_ns)
{
	int pid = (int)getpid();
	int fd = open_file(pid);
	if (fd < 0)
		return fd;
	uint64_t off_m = align64(sizeof(struct lbp_header));
	uint64_t off_th = align64(off_m + (uint64_t)LBP_MUTEX_CAP * sizeof(struct lbp_mutex));
	uint64_t off_r = align64(off_th + (uint64_t)LBP_THREAD_CAP * sizeof(struct lbp_thread));
	uint64_t off_maps = align64(off_r + (uint64_t)LBP_RECORD_CAP * sizeof(struct lbp_record));
	uint64_t len = off_maps + LBP_MAPS_CAP;
	if (ftruncate(fd, (off_t)len) != 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int e = errno;
	close(fd);
	if (p == MAP_FAILED)
		return -e;
	base = p;
	base_len = len;
	hdr = p;
	hdr->version = LBP_VERSION;
	hdr->header_bytes = sizeof *hdr;
	hdr->pid = pid;
	hdr->ppid = (int)getppid();
	hdr->start_ns = start_ns;
	memcpy(hdr->lock, prof_lock, sizeof hdr->lock);
	ssize_t n = readlink("/proc/self/exe", hdr->exe, sizeof hdr->exe - 1);
	if (n < 0)
		hdr->exe[0] = 0;
	hdr->mutex_cap = LBP_MUTEX_CAP;
	hdr->thread_cap = LBP_THREAD_CAP;
	hdr->record_cap = LBP_RECORD_CAP;
	hdr->maps_cap = LBP_MAPS_CAP;
	hdr->mutexes_off = off_m;
	hdr->threads_off = off_th;
	hdr->records_off = off_r;
	hdr->maps_off = off_maps;
	hdr->mutex_bytes = sizeof(struct lbp_mutex);
	hdr->thread_bytes = sizeof(struct lbp_thread);
	hdr->record_bytes = sizeof(struct lbp_record);
	hdr->hist_buckets = LBP_HIST_BUCKETS;
	/* The magic last: a reader that finds it finds a whole header. */
	__atomic_store_n(&hdr->magic, LBP_MAGIC, __ATOMIC_RELEASE);
	snapshot_maps();
	return 0;
}

int lbp_profile_open(const char *dir, const char *lock_name, uint64_t start_ns)
{
	if (strlen(dir) >= sizeof prof_dir)
		return -ENAMETOOLONG;
	strcpy(prof_dir, dir);
	strncpy(prof_lock, lock_name, sizeof prof_lock - 1);
	int rc = create(start_ns);
	if (rc == 0) {
		lbp_profiling = 1;
		atomic_store_explicit(&file_state, FILE_OPEN, memory_order_release);
	}
	return rc;
}

/* A fork child's file, created by its first profiled event (one thread creates, the others wait
 * for it: bounded by one open/ftruncate/mmap). */
static int file_ready(void)
{
	/* Acquire: pairs with the release store of FILE_OPEN; base and hdr are then set. */
	int st = atomic_load_explicit(&file_state, memory_order_acquire);
	if (__builtin_expect(st == FILE_OPEN, 1))
		return 1;
	if (st == FILE_NONE) {
		int expected = FILE_NONE;
		if (atomic_compare_exchange_strong_explicit(&file_state, &expected, FILE_CREATING,
							    memory_order_acquire,
							    memory_order_acquire)) {
			int ok = create(lbp_now_ns()) == 0;
			atomic_store_explicit(&file_state, ok ? FILE_OPEN : FILE_FAILED,
					      memory_order_release);
			return ok;
		}
	}
	while ((st = atomic_load_explicit(&file_state, memory_order_acquire)) == FILE_CREATING)
		sched_yield();
	return st == FILE_OPEN;
}

void lbp_profile_at_exit(void)
{
	if (!lbp_profiling || atomic_load_explicit(&file_state, memory_order_acquire) != FILE_OPEN)
		return;
	atomic_store_explicit(&hdr->end_ns, lbp_now_ns(), memory_order_release);
}

void lbp_profile_after_fork_child(void)
{
	if (!lbp_profiling)
		return;
	/* Relaxed: single-threaded child; the generation only has to differ from the parent's. */
	atomic_fetch_add_explicit(&gen, 1, memory_order_relaxed);
	if (atomic_load_explicit(&file_state, memory_order_relaxed) == FILE_OPEN)
		munmap(base, base_len);
	base = NULL;
	hdr = NULL;
	atomic_flag_clear_explicit(&snapshot_busy, memory_order_relaxed);
	atomic_store_explicit(&file_state, FILE_NONE, memory_order_relaxed);
}

/* The profile mutex slot of e (claimed on first use, with its call site). NO_SLOT: none. */
static uint32_t mutex_slot(struct lbp_entry *e, const void *addr, const struct lbp_site *site,
			   uint32_t g)
{
	uint64_t p = atomic_load_explicit(&e->prof, memory_order_acquire);
	if (p >> 32 == g)
		return (uint32_t)p == NO_SLOT ? NO_SLOT : (uint32_t)p - 1;
	uint32_t i = atomic_fetch_add_explicit(&hdr->mutex_used, 1, memory_order_relaxed);
	uint64_t want;
	if (i >= hdr->mutex_cap) {
		want = (uint64_t)g << 32 | NO_SLOT;
	} else {
		struct lbp_mutex *m = &mutexes()[i];
		atomic_store_explicit(&m->state, LBP_SLOT_CLAIMED, memory_order_relaxed);
		m->kind = e->kind;
		m->addr = (uint64_t)(uintptr_t)addr;
		m->first_use_ns = lbp_now_ns();
		int truncated;
		m->nframes = walk_frames(site, m->site, &truncated);
		m->flags = (e->flags & 0xffffu) | (truncated ? LBP_SITE_TRUNCATED : 0);
		want = (uint64_t)g << 32 | (i + 1);
	}
	/* acq_rel: the winner's slot is what every thread uses; a loser's slot stays CLAIMED
	 * (the reader skips it) and it takes the winner's value, read with acquire. */
	if (!atomic_compare_exchange_strong_explicit(&e->prof, &p, want, memory_order_acq_rel,
						     memory_order_acquire)) {
		return (uint32_t)p == NO_SLOT || p >> 32 != g ? NO_SLOT : (uint32_t)p - 1;
	}
	if (i >= hdr->mutex_cap) {
		atomic_fetch_add_explicit(&hdr->dropped_mutexes, 1, memory_order_relaxed);
		return NO_SLOT;
	}
	struct lbp_mutex *m = &mutexes()[i];
	/* Release: pairs with the reader's acquire; the constant fields above are complete. */
	atomic_store_explicit(&m->state, LBP_SLOT_READY, memory_order_release);
	for (unsigned k = 0; k < m->nframes; k++) {
		if (!known_address(m->site[k])) {
			snapshot_maps();
			break;
		}
	}
	return i;
}

static uint32_t thread_slot(uint32_t g)
{
	if (tp.gen != g) {
		memset(&tp, 0, sizeof tp);
		tp.gen = g;
	}
	if (tp.thread)
		return tp.thread == NO_SLOT ? NO_SLOT : tp.thread - 1;
	uint32_t i = atomic_fetch_add_explicit(&hdr->thread_used, 1, memory_order_relaxed);
	if (i >= hdr->thread_cap) {
		atomic_fetch_add_explicit(&hdr->dropped_threads, 1, memory_order_relaxed);
		tp.thread = NO_SLOT;
		return NO_SLOT;
	}
	struct lbp_thread *t = &threads()[i];
	t->tid = lbp_tid();
	t->start_ns = lbp_now_ns();
	atomic_store_explicit(&t->state, LBP_SLOT_READY, memory_order_release);
	tp.thread = i + 1;
	return i;
}

struct lbp_record *lbp_profile_record(struct lbp_entry *e, const void *addr,
				      const struct lbp_site *site)
{
	if (!lbp_profiling || !e || !file_ready())
		return NULL;
	/* Relaxed: changes only in a fork child, single-threaded there. */
	uint32_t g = atomic_load_explicit(&gen, memory_order_relaxed);
	uint32_t th = thread_slot(g);
	uint32_t mi = mutex_slot(e, addr, site, g);
	if (th == NO_SLOT || mi == NO_SLOT)
		return NULL;
	unsigned h = (mi * 2654435761u) & (TLS_CACHE - 1);
	for (unsigned k = 0; k < 8; k++) {
		unsigned s = (h + k) & (TLS_CACHE - 1);
		if (tp.key[s] == mi + 1)
			return tp.rec[s] == NO_SLOT ? NULL : &records()[tp.rec[s]];
		if (tp.key[s] == 0) {
			h = s;
			break;
		}
	}
	/* Not cached: a new record (the 8th probe's slot is evicted when all are taken). */
	uint32_t r = atomic_fetch_add_explicit(&hdr->record_used, 1, memory_order_relaxed);
	tp.key[h] = mi + 1;
	if (r >= hdr->record_cap) {
		atomic_fetch_add_explicit(&hdr->dropped_records, 1, memory_order_relaxed);
		tp.rec[h] = NO_SLOT;
		return NULL;
	}
	struct lbp_record *rec = &records()[r];
	rec->mutex = mi;
	rec->thread = th;
	atomic_store_explicit(&rec->state, LBP_SLOT_READY, memory_order_release);
	tp.rec[h] = r;
	return rec;
}

void lbp_profile_hist_add(uint32_t *hist, uint64_t *total, uint64_t *max, uint64_t ns)
{
	hist[lbp_bucket(ns)]++;
	*total += ns;
	if (ns > *max)
		*max = ns;
}
