/* preload.c — liblockbench-preload.so: a registered lock under an unmodified program's mutexes.
 *
 * Why interpose the pthread symbols rather than rebuild the program: `lockbench exec` asks which
 * lock suits a real program, and real programs are binaries. LD_PRELOAD puts our definitions of
 * pthread_mutex_* and pthread_spin_* first in the global scope, so every call through the PLT
 * (the program's, libstdc++'s std::mutex, other libraries') reaches us; calls glibc makes to its
 * own internals (stdio, malloc, its cond_wait) do not, which is why preload_cond.c replaces the
 * condition variables too.
 *
 * Symbol versions: our definitions carry no version. glibc exports some of these names under two
 * versions (pthread_mutex_trylock@GLIBC_2.2.5 and @GLIBC_2.34, pthread_cond_wait@GLIBC_2.2.5 and
 * @GLIBC_2.3.2); the dynamic linker binds a versioned reference to an unversioned definition in
 * an earlier object, so programs linked against either version reach ours (tests/preload/
 * preload_symver checks both). Our forwarding to glibc uses the current ABI only (dlsym, and
 * dlvsym GLIBC_2.3.2 for the condition variables, whose GLIBC_2.2.5 versions are another ABI).
 *
 * The mutex and spinlock symbols are in preload_mutex.c; this file starts the library.
 *
 * Start-up: the first pthread call may come before our constructor (another library's
 * constructor), so every entry point calls lbp_ensure_init(): an atomic once-flag, no
 * pthread_once, no mutex. A call that arrives from inside initialisation (dlsym may allocate)
 * is forwarded to glibc uncounted. A second copy of this library in the same process (listed
 * twice in LD_PRELOAD, under two paths) finds the first one by its build-id and stays idle.
 *
 * Calls that reach the lock library's pthread-based locks (pthread-mutex, pthread-spin, …) come
 * back to our exported symbols; lbp_nested marks them and they go straight to glibc.
 *
 * fork: the child keeps our state (its copy of memory), resets its cached tid, repairs entries a
 * vanished thread was setting up (sidetable.c) and opens its own profile file. exec: the
 * environment, LD_PRELOAD included, is inherited, and the new image starts from scratch.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload/preload_internal.h"
#include "preload/profile_format.h"

struct lbp_real lbp_real;
const struct lb_lock_ops *lbp_ops;
int lbp_profiling, lbp_counting;
_Atomic uint64_t lbp_n_interposed, lbp_n_real;
_Atomic uint32_t lbp_pshared_conds;
__thread unsigned lbp_nested __attribute__((tls_model("initial-exec")));

__thread int lbp_cached_tid __attribute__((tls_model("initial-exec")));
_Atomic int lbp_init_state; /* 0 not started, 1 running, 2 done, 3 idle (second copy) */
_Atomic int lbp_forward_only;
#define init_state lbp_init_state
static _Atomic int init_tid;
static char stats_path[4096];

enum { INIT_NONE, INIT_RUNNING, INIT_DONE, INIT_IDLE };
_Static_assert(INIT_DONE == 2, "preload_internal.h's lbp_ensure_init tests for 2");

int lbp_tid_slow(void)
{
	lbp_cached_tid = (int)syscall(SYS_gettid);
	return lbp_cached_tid;
}

uint64_t lbp_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static __attribute__((noreturn)) void die(const char *what, const char *detail)
{
	char line[512];
	int n = snprintf(line, sizeof line, "lockbench-preload: %s%s\n", what, detail);
	if (n > 0)
		(void)!write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
	_exit(127);
}

static void *real_sym(const char *name, const char *version)
{
	void *p = version ? dlvsym(RTLD_NEXT, name, version) : NULL;
	if (!p)
		p = dlsym(RTLD_NEXT, name);
	if (!p)
		die("cannot find glibc's ", name);
	return p;
}

static void resolve_real(void)
{
#define R(field, name, ver) *(void **)&lbp_real.field = real_sym(name, ver)
	R(mutex_init, "pthread_mutex_init", NULL);
	R(mutex_destroy, "pthread_mutex_destroy", NULL);
	R(mutex_lock, "pthread_mutex_lock", NULL);
	R(mutex_trylock, "pthread_mutex_trylock", NULL);
	R(mutex_timedlock, "pthread_mutex_timedlock", NULL);
	R(mutex_clocklock, "pthread_mutex_clocklock", NULL);
	R(mutex_unlock, "pthread_mutex_unlock", NULL);
	R(spin_init, "pthread_spin_init", NULL);
	R(spin_destroy, "pthread_spin_destroy", NULL);
	R(spin_lock, "pthread_spin_lock", NULL);
	R(spin_trylock, "pthread_spin_trylock", NULL);
	R(spin_unlock, "pthread_spin_unlock", NULL);
	R(cond_init, "pthread_cond_init", "GLIBC_2.3.2");
	R(cond_destroy, "pthread_cond_destroy", "GLIBC_2.3.2");
	R(cond_wait, "pthread_cond_wait", "GLIBC_2.3.2");
	R(cond_timedwait, "pthread_cond_timedwait", "GLIBC_2.3.2");
	R(cond_clockwait, "pthread_cond_clockwait", NULL);
	R(cond_signal, "pthread_cond_signal", "GLIBC_2.3.2");
	R(cond_broadcast, "pthread_cond_broadcast", "GLIBC_2.3.2");
#undef R
}

/* The lock library's calls to glibc (bench/preload/meson.build renames them to these): straight
 * to glibc's functions, never back through our exported ones. Only ever called by a replacement
 * lock, which exists only after resolve_real. */
#define LBP_GLIBC_CALL(ret, name, params, args)                                                    \
	LBP_HIDDEN ret lbp_glibc_##name params;                                                    \
	LBP_HIDDEN ret lbp_glibc_##name params                                                     \
	{                                                                                          \
		return lbp_real.name args;                                                         \
	}
LBP_GLIBC_CALL(int, mutex_init, (pthread_mutex_t *m, const pthread_mutexattr_t *a), (m, a))
LBP_GLIBC_CALL(int, mutex_destroy, (pthread_mutex_t *m), (m))
LBP_GLIBC_CALL(int, mutex_lock, (pthread_mutex_t *m), (m))
LBP_GLIBC_CALL(int, mutex_trylock, (pthread_mutex_t *m), (m))
LBP_GLIBC_CALL(int, mutex_unlock, (pthread_mutex_t *m), (m))
LBP_GLIBC_CALL(int, spin_init, (pthread_spinlock_t *s, int pshared), (s, pshared))
LBP_GLIBC_CALL(int, spin_destroy, (pthread_spinlock_t *s), (s))
LBP_GLIBC_CALL(int, spin_lock, (pthread_spinlock_t *s), (s))
LBP_GLIBC_CALL(int, spin_trylock, (pthread_spinlock_t *s), (s))
LBP_GLIBC_CALL(int, spin_unlock, (pthread_spinlock_t *s), (s))
#undef LBP_GLIBC_CALL

static void after_fork_child(void)
{
	lbp_cached_tid = 0;
	lbp_table_after_fork_child();
	lbp_profile_after_fork_child();
}

static void write_stats(void)
{
	if (!lbp_counting)
		return;
	char line[128];
	/* Relaxed: the exit path runs after the threads whose calls we tally have finished or
	 * stopped mattering; a call racing exit may or may not be in the line. */
	int n = snprintf(line, sizeof line, "pid=%d interposed=%llu real=%llu\n", (int)getpid(),
			 (unsigned long long)atomic_load_explicit(&lbp_n_interposed,
								  memory_order_relaxed),
			 (unsigned long long)atomic_load_explicit(&lbp_n_real, memory_order_relaxed));
	int fd = open(stats_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	(void)!write(fd, line, (size_t)n);
	close(fd);
}

/* Whether another copy of this very library (same GNU build-id) was loaded before this one:
 * then that copy owns the symbols and the files. Not "does pthread_mutex_lock resolve to us":
 * a sanitizer runtime in the executable defines it too and calls ours as the next one. */
struct copy_search {
	uintptr_t self_base;
	const unsigned char *self_id;
	size_t self_len;
	int earlier; /* a copy with our id before us in load order */
};

static int build_id_of(const struct dl_phdr_info *info, const unsigned char **id, size_t *len)
{
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
		const unsigned char *end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *n = (const void *)p;
			const unsigned char *name = p + sizeof *n;
			const unsigned char *desc = name + ((n->n_namesz + 3u) & ~3u);
			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
			    memcmp(name, "GNU", 4) == 0 && desc + n->n_descsz <= end) {
				*id = desc;
				*len = n->n_descsz;
				return 1;
			}
			p = desc + ((n->n_descsz + 3u) & ~3u);
		}
	}
	return 0;
}

static int find_self(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct copy_search *cs = arg;
	(void)size;
	if (info->dlpi_addr == cs->self_base)
		build_id_of(info, &cs->self_id, &cs->self_len);
	return 0;
}

static int find_earlier(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct copy_search *cs = arg;
	const unsigned char *id;
	size_t len;
	(void)size;
	if (info->dlpi_addr == cs->self_base)
		return 1; /* objects after us do not matter */
	if (build_id_of(info, &id, &len) && len == cs->self_len &&
	    memcmp(id, cs->self_id, len) == 0)
		cs->earlier = 1;
	return 0;
}

static int shadowed_copy(void)
{
	Dl_info self;
	struct copy_search cs = {0};
	if (!dladdr((void *)(uintptr_t)lbp_self_mutex_lock_addr(), &self))
		return 0;
	cs.self_base = (uintptr_t)self.dli_fbase;
	dl_iterate_phdr(find_self, &cs);
	if (!cs.self_id)
		return 0; /* no build-id: cannot tell, act as the first copy */
	dl_iterate_phdr(find_earlier, &cs);
	return cs.earlier;
}

static void do_init(void)
{
	if (shadowed_copy()) {
		/* A second copy: the first one owns the symbols and the files. */
		resolve_real();
		atomic_store_explicit(&init_state, INIT_IDLE, memory_order_release);
		return;
	}
	resolve_real();
	uint64_t start_ns = lbp_now_ns();
	const char *name = getenv("LOCKBENCH_LOCK");
	if (name && *name) {
		const struct lb_lock_ops *ops = lb_lock_find(name);
		if (!ops)
			die("LOCKBENCH_LOCK: not a registered lock: ", name);
		if ((ops->props & LB_NOT_A_LOCK) && strcmp(ops->name, "null") != 0)
			die("LOCKBENCH_LOCK: not a mutual-exclusion lock: ", name);
		if (ops->props & LB_TEST_ONLY)
			die("LOCKBENCH_LOCK: a test-only lock: ", name);
		lbp_ops = ops;
	}
	int rc = lbp_table_init(lbp_ops);
	if (rc == -E2BIG)
		die("LOCKBENCH_LOCK: its lock or context is larger than the interposer supports: ",
		    name);
	if (rc < 0)
		die("cannot map the side table: ", strerror(-rc));
	const char *stats = getenv("LOCKBENCH_PRELOAD_STATS");
	if (stats && *stats && strlen(stats) < sizeof stats_path) {
		strcpy(stats_path, stats);
		lbp_counting = 1;
	}
	const char *dir = getenv("LOCKBENCH_PROFILE_DIR");
	if (dir && *dir) {
		rc = lbp_profile_open(dir, lbp_ops ? lbp_ops->name : "", start_ns);
		if (rc < 0)
			die("LOCKBENCH_PROFILE_DIR: cannot create the profile file: ",
			    strerror(-rc));
	}
	pthread_atfork(NULL, NULL, after_fork_child);
	/* Nothing to replace, count or profile: every call becomes a bare forward. Release: pairs
	 * with the acquire in lbp_forwarding (lbp_real above is complete). */
	if (!lbp_ops && !lbp_profiling && !lbp_counting)
		atomic_store_explicit(&lbp_forward_only, 1, memory_order_release);
	/* Release: pairs with the acquire in lbp_ensure_init; everything above is visible to any
	 * thread that sees DONE. */
	atomic_store_explicit(&init_state, INIT_DONE, memory_order_release);
}

int lbp_ensure_init_slow(void)
{
	int s = atomic_load_explicit(&init_state, memory_order_acquire);
	if (s == INIT_DONE)
		return 1;
	if (s == INIT_NONE) {
		int expected = INIT_NONE;
		/* Acquire on failure: pairs with the release of DONE, if that is what we read. */
		if (atomic_compare_exchange_strong_explicit(&init_state, &expected, INIT_RUNNING,
							    memory_order_acquire,
							    memory_order_acquire)) {
			atomic_store_explicit(&init_tid, lbp_tid(), memory_order_relaxed);
			do_init();
			return atomic_load_explicit(&init_state, memory_order_relaxed) ==
			       INIT_DONE;
		}
		s = expected;
	}
	if (s == INIT_RUNNING &&
	    atomic_load_explicit(&init_tid, memory_order_relaxed) == lbp_tid())
		return 0; /* a call from inside do_init */
	while ((s = atomic_load_explicit(&init_state, memory_order_acquire)) == INIT_RUNNING)
		sched_yield();
	return s == INIT_DONE;
}

__attribute__((constructor)) static void lbp_constructor(void)
{
	lbp_ensure_init();
}

__attribute__((destructor)) static void lbp_destructor(void)
{
	if (atomic_load_explicit(&init_state, memory_order_acquire) != INIT_DONE)
		return;
	lbp_profile_at_exit();
	write_stats();
}
