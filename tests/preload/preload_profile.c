/* preload_profile.c — the prof.PID.lbp file holds what the program did.
 *
 * The child (LOCKBENCH_PROFILE_DIR set) makes a known set of calls and prints its mutexes'
 * addresses; the parent maps the file and checks it with a minimal reader of its own (the real
 * reader is bench/exec/'s): header (magic, version, sizes, pid, lock name, end time set at exit,
 * nothing dropped); per mutex: READY, kind, flags (static initialiser; process-shared and robust
 * ones passed through), acquisitions summed over its records equal to the calls made, histograms
 * summing to the acquisitions, trylock_busy, timeouts, cond waits/signals, a bad unlock; its first
 * call site lies in an executable mapping of the test program according to the maps area, and
 * the site of a mutex in a module dlopen'ed after start-up lies in that module (a second snapshot).
 * Negative controls: the same checks against a planted wrong count and a zeroed magic fail.
 */
#include "preload_util.h"

#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "preload/profile_format.h"

#define ITERS 1000

static pthread_mutex_t m1 = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static void *try_other(void *arg)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec = 0; /* in the past: times out at once */
	*(int *)arg = pthread_mutex_trylock(&m1) * 1000 + pthread_mutex_timedlock(&m1, &ts);
	pthread_mutex_unlock(&m1); /* not ours: one bad unlock */
	return NULL;
}

static int child(void)
{
	pu_two_threads_pairs(&m1, ITERS);
	pthread_mutex_lock(&m1);
	int rc = 0;
	pthread_t o;
	pthread_create(&o, NULL, try_other, &rc);
	pthread_join(o, NULL);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec = 0;
	pthread_cond_timedwait(&cv, &m1, &ts);
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&m1);

	pthread_mutexattr_t a;
	pthread_mutex_t ec, rb, ps;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&ec, &a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_NORMAL);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&rb, &a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_STALLED);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&ps, &a);
	for (int i = 0; i < 10; i++) {
		pthread_mutex_lock(&ec);
		pthread_mutex_unlock(&ec);
		pthread_mutex_lock(&rb);
		pthread_mutex_unlock(&rb);
		pthread_mutex_lock(&ps);
		pthread_mutex_unlock(&ps);
	}
	void *mod = NULL;
	const char *path = getenv("LBP_DLOPEN_MODULE");
	void *h = path ? dlopen(path, RTLD_NOW) : NULL;
	void *(*fn)(int) = NULL;
	if (h)
		*(void **)&fn = dlsym(h, "preload_dlopen_lock"); /* POSIX's dlsym idiom */
	if (fn)
		mod = fn(3);
	printf("pid=%d m1=%p ec=%p rb=%p ps=%p rc=%d mod=%p\n", (int)getpid(), (void *)&m1,
	       (void *)&ec, (void *)&rb, (void *)&ps, rc, mod);
	return 0;
}

struct sums {
	int found;
	uint32_t kind, flags, nframes;
	uint64_t site0;
	uint64_t acq, contended, handoffs, busy, timeouts, waits, signals, bad, wait_n, hold_n;
	unsigned records;
};

static void sum_mutex(const unsigned char *base, const struct lbp_header *h, uint64_t addr,
		      struct sums *s)
{
	memset(s, 0, sizeof *s);
	const struct lbp_mutex *ms = (const void *)(base + h->mutexes_off);
	const struct lbp_record *rs = (const void *)(base + h->records_off);
	for (uint32_t i = 0; i < h->mutex_used && i < h->mutex_cap; i++) {
		if (ms[i].state != LBP_SLOT_READY || ms[i].addr != addr)
			continue;
		s->found++;
		s->kind = ms[i].kind;
		s->flags = ms[i].flags;
		s->nframes = ms[i].nframes;
		s->site0 = ms[i].site[0];
		for (uint32_t j = 0; j < h->record_used && j < h->record_cap; j++) {
			const struct lbp_record *r = &rs[j];
			if (r->state != LBP_SLOT_READY || r->mutex != i)
				continue;
			s->records++;
			s->acq += r->acquisitions;
			s->contended += r->contended;
			s->handoffs += r->handoffs;
			s->busy += r->trylock_busy;
			s->timeouts += r->timeouts;
			s->waits += r->cond_waits;
			s->signals += r->cond_signals;
			s->bad += r->bad_unlocks;
			for (unsigned b = 0; b < LBP_HIST_BUCKETS; b++) {
				s->wait_n += r->wait_hist[b];
				s->hold_n += r->hold_hist[b];
			}
		}
	}
}

/* Whether the maps area has an executable mapping of exe covering addr. */
static int site_in_exe(const unsigned char *base, const struct lbp_header *h, uint64_t addr,
		       const char *exe)
{
	const char *p = (const char *)base + h->maps_off, *end = p + h->maps_used;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		unsigned long long lo, hi;
		char perms[8];
		char line[1024];
		size_t n = (size_t)(nl - p) < sizeof line - 1 ? (size_t)(nl - p) : sizeof line - 1;
		memcpy(line, p, n);
		line[n] = 0;
		if (sscanf(line, "%llx-%llx %7s", &lo, &hi, perms) == 3 && perms[2] == 'x' &&
		    addr >= lo && addr < hi && strstr(line, exe))
			return 1;
		p = nl + 1;
	}
	return 0;
}

static unsigned check_file(const char *path, int pid, const char *lock, uint64_t addr[5],
			   long extra_acq)
{
	unsigned before = tu_failed + tu_negative_failed;
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (!CHECK(fd >= 0 && fstat(fd, &st) == 0))
		return 1;
	const unsigned char *base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (!CHECK(base != MAP_FAILED))
		return 1;
	const struct lbp_header *h = (const void *)base;
	if (!CHECK_EQ(h->magic, LBP_MAGIC))
		goto out;
	CHECK_EQ(h->version, LBP_VERSION);
	CHECK_EQ(h->header_bytes, sizeof *h);
	CHECK_EQ(h->mutex_bytes, sizeof(struct lbp_mutex));
	CHECK_EQ(h->record_bytes, sizeof(struct lbp_record));
	CHECK_EQ(h->hist_buckets, LBP_HIST_BUCKETS);
	CHECK(h->maps_off + h->maps_cap <= (uint64_t)st.st_size);
	CHECK_EQ(h->pid, pid);
	CHECK(strcmp(h->lock, lock) == 0);
	CHECK(h->end_ns > h->start_ns);
	CHECK_EQ(h->dropped_mutexes + h->dropped_records + h->dropped_threads, 0);
	CHECK(h->thread_used >= 4);
	CHECK(h->maps_used > 0);
	struct sums s;
	sum_mutex(base, h, addr[0], &s);
	CHECK_EQ(s.found, 1);
	CHECK_EQ(s.kind, LBP_KIND_NORMAL);
	CHECK(s.flags & LBP_STATIC);
	CHECK(!(s.flags & LBP_PASSTHROUGH));
	/* 2 x ITERS, the lock before the cond wait and its re-acquisition after */
	CHECK_EQ(s.acq, 2 * ITERS + 2 + extra_acq);
	CHECK_EQ(s.wait_n, s.acq);
	CHECK_EQ(s.hold_n, s.acq); /* each released: by the cond wait or an unlock */
	CHECK(s.contended <= s.acq && s.handoffs <= s.acq);
	CHECK_EQ(s.busy, 1);
	CHECK_EQ(s.timeouts, 1);
	CHECK_EQ(s.bad, 1);
	CHECK_EQ(s.waits, 1);
	CHECK_EQ(s.signals, 1);
	CHECK(s.records >= 3);
	CHECK(s.nframes >= 1);
	CHECK(site_in_exe(base, h, s.site0, "preload_profile"));
	sum_mutex(base, h, addr[1], &s);
	CHECK_EQ(s.found, 1);
	CHECK_EQ(s.kind, LBP_KIND_ERRORCHECK);
	CHECK_EQ(s.flags & (LBP_STATIC | LBP_PASSTHROUGH), 0);
	CHECK_EQ(s.acq, 10);
	sum_mutex(base, h, addr[2], &s);
	CHECK_EQ(s.found, 1);
	CHECK_EQ(s.flags & (LBP_PASSTHROUGH | LBP_ROBUST), LBP_PASSTHROUGH | LBP_ROBUST);
	CHECK_EQ(s.acq, 10);
	sum_mutex(base, h, addr[3], &s);
	CHECK_EQ(s.found, 1);
	CHECK_EQ(s.flags & (LBP_PASSTHROUGH | LBP_PSHARED), LBP_PASSTHROUGH | LBP_PSHARED);
	CHECK_EQ(s.acq, 10);
	/* the dlopen'ed module's mutex: its site is in a snapshot taken after the dlopen */
	sum_mutex(base, h, addr[4], &s);
	CHECK_EQ(s.found, 1);
	CHECK_EQ(s.acq, 3);
	CHECK(site_in_exe(base, h, s.site0, "preload_dlopen"));
out:
	munmap((void *)base, (size_t)st.st_size);
	return tu_failed + tu_negative_failed - before;
}

int main(int argc, char **argv)
{
	if (getenv("LBP_TEST_CHILD"))
		return child();
	const char *only = tu_parse_lock_arg("preload_profile", argc, argv);
	const char *lib = pu_lib("preload_profile");
	const char *locks[] = {"mcs", "futex", ""};
	static struct pu_result r;
	int negative_done = 0;
	for (unsigned i = 0; i < sizeof locks / sizeof *locks; i++) {
		if (only && strcmp(only, locks[i]) != 0)
			continue;
		char dir[256], e1[128], e3[600], path[600];
		pu_tmpdir(dir, sizeof dir, "profile");
		snprintf(e1, sizeof e1, "LOCKBENCH_LOCK=%s", locks[i]);
		snprintf(e3, sizeof e3, "LOCKBENCH_PROFILE_DIR=%s", dir);
		const char *env[] = {e1, e3, "LBP_TEST_CHILD=1", NULL};
		char *args[] = {argv[0], NULL};
		pu_run(lib, args, env, 120, &r);
		int pid = 0, rc = -1;
		void *p[5] = {0};
		int ok = CHECK_EQ(pu_exit_code(&r), 0);
		ok &= CHECK(sscanf(r.out, "pid=%d m1=%p ec=%p rb=%p ps=%p rc=%d mod=%p", &pid, &p[0],
				   &p[1], &p[2], &p[3], &rc, &p[4]) == 7);
		ok &= CHECK_EQ(rc, EBUSY * 1000 + ETIMEDOUT);
		snprintf(path, sizeof path, "%s/" LBP_FILE_PREFIX "%d" LBP_FILE_SUFFIX, dir, pid);
		uint64_t addr[5];
		for (int k = 0; k < 5; k++)
			addr[k] = (uint64_t)(uintptr_t)p[k];
		ok &= check_file(path, pid, locks[i], addr, 0) == 0;
		printf("  %-8s %s: %s\n", *locks[i] ? locks[i] : "(glibc)", path, ok ? "ok" : "FAILED");
		if (!ok)
			pu_show(locks[i], &r);
		if (ok && !negative_done) {
			/* planted: one acquisition too many expected; then a zeroed magic */
			tu_negative_begin();
			check_file(path, pid, locks[i], addr, 1);
			CHECK(tu_negative_end() == 1);
			int fd = open(path, O_WRONLY);
			uint64_t zero = 0;
			CHECK(fd >= 0 && pwrite(fd, &zero, sizeof zero, 0) == (ssize_t)sizeof zero);
			close(fd);
			tu_negative_begin();
			check_file(path, pid, locks[i], addr, 0);
			CHECK(tu_negative_end() == 1);
			printf("  negative controls: a wrong count and a zeroed magic are caught\n");
			negative_done = 1;
		}
		unlink(path);
		rmdir(dir);
	}
	return tu_summary("preload_profile");
}
