/* profile_reader.c — profile_collect on profiles whose every number is known: two processes, a
 * mutex used by two threads, one address in both processes, a passed-through mutex, an
 * unfinished slot, dropped events, a process that died without exit handlers.
 *
 * Checks: counts merged across threads and never across processes; p50/p99/p99.9 from a known
 * histogram; call sites named as this binary's own noinline functions at their exact offsets
 * (and file:line, the test being built with -g), an unmapped and a missing module said so, the
 * interposer's own leading frame left out; profile.csv and profile.json as csv/json readers see
 * them (tests/exec/profile_dump.py); the table's order by total wait time; the warnings.
 * Negative controls: the same checks on planted wrong inputs must fail.
 *
 * And every column of PROFILE_CSV_HEADER has its row in docs/EXEC.md's "profile.csv" table.
 *
 *   profile_reader DUMP.py EXEC.md
 */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec/profile.h"
#include "exec/profile_model.h"
#include "profile_writer.h"
#include "test_util.h"

/* ---- call sites in this binary ------------------------------------------------------------- */

uint64_t pr_callee(void);
uint64_t site_alpha(void);
uint64_t site_beta(void);

__attribute__((noinline)) uint64_t pr_callee(void)
{
	return (uint64_t)(uintptr_t)__builtin_return_address(0);
}

/* Called through volatile pointers, so that the compiler can neither inline nor clone them and
 * the return addresses lie in the functions by these names. The empty asm after each call
 * keeps it from being a tail call (whose return address would be the caller's). */
static uint64_t (*volatile pr_callee_fp)(void) = pr_callee;

__attribute__((noinline)) uint64_t site_alpha(void)
{
	uint64_t r = pr_callee_fp();
	__asm__ volatile("" ::: "memory");
	return r;
}

__attribute__((noinline)) uint64_t site_beta(void)
{
	uint64_t r = pr_callee_fp();
	__asm__ volatile("" ::: "memory");
	return r;
}

static uint64_t (*volatile site_alpha_fp)(void) = site_alpha;
static uint64_t (*volatile site_beta_fp)(void) = site_beta;

/* Fake modules, on maps lines appended after this process's own (later lines win). */
#define PRELOAD_ADDR 0x100010ull /* in /nonexistent/liblockbench-preload.so */
#define GONE_ADDR 0x200100ull    /* in /nonexistent/libgone.so.1, mapped from offset 0x1000 */
#define UNMAPPED_ADDR 0x10ull
static const char fake_maps[] =
	"00100000-00110000 r-xp 00000000 00:00 0        /nonexistent/liblockbench-preload.so\n"
	"00200000-00210000 r-xp 00001000 00:00 0        /nonexistent/libgone.so.1\n";

/* ---- the planted profile ------------------------------------------------------------------- */

enum plant { PLANT_NONE, PLANT_THREAD2_UNFINISHED };

static uint64_t alpha_ret, beta_ret, libc_ret;

static void write_profiles(const char *dir, enum plant plant)
{
	char exe[LBP_EXE];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = '\0';

	struct tw_file *a = tw_new(1001, 1, exe, "");
	tw_maps_self(a);
	tw_maps_append(a, fake_maps);
	uint32_t t1 = tw_thread(a, 1001), t2 = tw_thread(a, 1002);
	/* M1: two threads; waits 100 x 0, 900 x 100 ns, 90 x 10 us, 9 x 1 ms, 1 x 1 s. */
	uint64_t s1[] = { PRELOAD_ADDR, alpha_ret, beta_ret };
	uint32_t m1 = tw_mutex(a, 0xa000, LBP_KIND_NORMAL, 0, s1, 3);
	struct lbp_record *r = tw_record(a, m1, t1);
	tw_acquire(r, 100, 0, 50);
	tw_acquire(r, 500, 100, 50);
	tw_acquire(r, 45, 10000, 50);
	tw_acquire(r, 5, 1000000, 50);
	r->handoffs = 7, r->trylock_busy = 2, r->timeouts = 1, r->cond_waits = 4;
	r = tw_record(a, m1, t2);
	tw_acquire(r, 400, 100, 50);
	tw_acquire(r, 45, 10000, 50);
	tw_acquire(r, 4, 1000000, 50);
	tw_acquire(r, 1, 1000000000, 50);
	r->handoffs = 3, r->trylock_busy = 3, r->cond_signals = 5, r->cond_broadcasts = 6;
	r->bad_unlocks = 1;
	if (plant == PLANT_THREAD2_UNFINISHED)
		atomic_store_explicit(&r->state, LBP_SLOT_CLAIMED, memory_order_relaxed);
	/* M2: recursive, one thread, 10 x 500 ns. */
	uint64_t s2[] = { beta_ret, libc_ret };
	uint32_t m2 = tw_mutex(a, 0xb000, LBP_KIND_RECURSIVE, LBP_STATIC, s2, 2);
	tw_acquire(tw_record(a, m2, t1), 10, 500, 20);
	/* M3: process-shared, passed through; 5 x 2 us; its site unmapped, then a missing file. */
	uint64_t s3[] = { UNMAPPED_ADDR, GONE_ADDR };
	uint32_t m3 = tw_mutex(a, 0xc000, LBP_KIND_NORMAL, LBP_PASSTHROUGH | LBP_PSHARED, s3, 2);
	tw_acquire(tw_record(a, m3, t2), 5, 2000, 30);
	/* A mutex slot claimed and never finished: not a row. */
	uint32_t m4 = tw_mutex(a, 0xd000, LBP_KIND_NORMAL, 0, s2, 1);
	atomic_store_explicit(&a->m[m4].state, LBP_SLOT_CLAIMED, memory_order_relaxed);
	tw_write(a, dir);

	/* A child killed by the timeout: the same address 0xa000, 100 x 20 us; 3 records dropped. */
	struct tw_file *b = tw_new(1002, 1001, exe, "");
	atomic_store_explicit(&b->h.end_ns, 0, memory_order_relaxed);
	atomic_store_explicit(&b->h.dropped_records, 3, memory_order_relaxed);
	tw_maps_self(b);
	uint32_t bt = tw_thread(b, 1002);
	uint64_t sb[] = { alpha_ret };
	uint32_t bm = tw_mutex(b, 0xa000, LBP_KIND_NORMAL, 0, sb, 1);
	tw_acquire(tw_record(b, bm, bt), 100, 20000, 40);
	tw_write(b, dir);
	free(a);
	free(b);
}

/* ---- reading the outputs back -------------------------------------------------------------- */

struct kv {
	char **lines;
	size_t n;
};

static void kv_load(struct kv *kv, const char *dump, const char *dir)
{
	char cmd[8400];
	snprintf(cmd, sizeof cmd, "python3 '%s' '%s'", dump, dir);
	FILE *p = popen(cmd, "r");
	kv->lines = NULL;
	kv->n = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while (p && (len = getline(&line, &cap, p)) > 0) {
		line[strcspn(line, "\n")] = '\0';
		kv->lines = realloc(kv->lines, (kv->n + 1) * sizeof *kv->lines);
		kv->lines[kv->n++] = strdup(line);
	}
	free(line);
	int st = p ? pclose(p) : -1;
	CHECK(st == 0 && kv->n > 0); /* profile_dump.py parsed both files */
}

static const char *kv_get(const struct kv *kv, const char *key)
{
	size_t k = strlen(key);
	for (size_t i = 0; i < kv->n; i++)
		if (strncmp(kv->lines[i], key, k) == 0 && kv->lines[i][k] == '=')
			return kv->lines[i] + k + 1;
	return "(missing)";
}

static void kv_free(struct kv *kv)
{
	for (size_t i = 0; i < kv->n; i++)
		free(kv->lines[i]);
	free(kv->lines);
}

static int kv_is(const struct kv *kv, const char *key, const char *want)
{
	const char *got = kv_get(kv, key);
	if (strcmp(got, want) == 0)
		return 1;
	printf("    %s: got '%s', want '%s'\n", key, got, want);
	return 0;
}

#define CHECK_KV(kv, key, want) CHECK(kv_is((kv), (key), (want)))

static char *u64s(uint64_t v)
{
	static char buf[8][32];
	static unsigned at;
	char *s = buf[at++ % 8];
	snprintf(s, 32, "%llu", (unsigned long long)v);
	return s;
}

/* The rows of the table, in order: "PID MUTEX" of each numbered line. */
static void table_order(const char *table, char out[][64], size_t max, size_t *n)
{
	*n = 0;
	for (const char *l = table; *l && *n < max;) {
		unsigned rank;
		char pid[32], mutex[32];
		if (sscanf(l, " %u %31s %31s", &rank, pid, mutex) == 3 && rank == *n + 1)
			snprintf(out[(*n)++], 64, "%s %s", pid, mutex);
		const char *nl = strchr(l, '\n');
		if (!nl)
			break;
		l = nl + 1;
	}
}

/* ---- the checks, each a function so that a negative control can run it on a bad input ----- */

static void check_merged_m1(const struct kv *kv)
{
	/* Row 0 is M1 of pid 1001: both threads' records added. */
	CHECK_KV(kv, "csv.0.pid", "1001");
	CHECK_KV(kv, "csv.0.mutex", "0xa000");
	CHECK_KV(kv, "csv.0.acquisitions", "1100");
	CHECK_KV(kv, "csv.0.contended", "1000");
	CHECK_KV(kv, "csv.0.contended_pct", "90.91");
	CHECK_KV(kv, "csv.0.handoffs", "10");
	CHECK_KV(kv, "csv.0.trylock_busy", "5");
	CHECK_KV(kv, "csv.0.timeouts", "1");
	CHECK_KV(kv, "csv.0.wait_total_ns", "1009990000");
	CHECK_KV(kv, "csv.0.wait_max_ns", "1000000000");
	CHECK_KV(kv, "csv.0.hold_total_ns", "55000");
	CHECK_KV(kv, "csv.0.cond_waits", "4");
	CHECK_KV(kv, "csv.0.cond_signals", "5");
	CHECK_KV(kv, "csv.0.cond_broadcasts", "6");
	CHECK_KV(kv, "csv.0.bad_unlocks", "1");
	CHECK_KV(kv, "csv.0.threads", "2");
}

static void check_site_starts(const char *site, const char *func, uint64_t ret, uint64_t (*fn)(void))
{
	char want[128];
	snprintf(want, sizeof want, "%s+0x%llx (profile_reader, profile_reader.c:", func,
		 (unsigned long long)(ret - (uint64_t)(uintptr_t)fn));
	if (!CHECK(strncmp(site, want, strlen(want)) == 0))
		printf("    site '%s' does not start '%s'\n", site, want);
}

static void check_order(const char *table, const char *const *want, size_t nwant)
{
	char got[8][64];
	size_t n;
	table_order(table, got, 8, &n);
	CHECK_EQ(n, nwant);
	for (size_t i = 0; i < n && i < nwant; i++)
		if (!CHECK(strcmp(got[i], want[i]) == 0))
			printf("    table row %zu is '%s', want '%s'\n", i + 1, got[i], want[i]);
}

static int collect(const char *dir, char **table, char *err, size_t errlen)
{
	size_t len;
	FILE *out = open_memstream(table, &len);
	struct profile_meta meta = { .program = "prog", .args = "prog --x", .lock = "",
				     .outcome = "exit 0", .exit_code = 0, .wall_s = 1.5,
				     .seed_set = true, .seed = 42, .host = "testhost" };
	int rc = profile_collect(dir, &meta, 10, out, err, errlen);
	fclose(out);
	return rc;
}

static void test_percentiles(void)
{
	uint64_t h[LBP_HIST_BUCKETS] = { 0 }, v = 0;
	CHECK(!profile_hist_percentile(h, 500, &v)); /* empty: no value, not 0 */
	h[lbp_bucket(777)] = 1;
	CHECK(profile_hist_percentile(h, 999, &v) && v == lbp_bucket_low(lbp_bucket(777)));
	CHECK(v <= 777 && 777 < lbp_bucket_low(lbp_bucket(777) + 1));
	/* 1000 samples 1..1000 ns: nearest rank 500, 990, 999 of the exact values' buckets. */
	memset(h, 0, sizeof h);
	for (uint64_t x = 1; x <= 1000; x++)
		h[lbp_bucket(x)]++;
	CHECK(profile_hist_percentile(h, 500, &v) && v == lbp_bucket_low(lbp_bucket(500)));
	CHECK(profile_hist_percentile(h, 990, &v) && v == lbp_bucket_low(lbp_bucket(990)));
	CHECK(profile_hist_percentile(h, 999, &v) && v == lbp_bucket_low(lbp_bucket(999)));
	/* Counts near 2^64 / 1000 must not overflow the rank. */
	memset(h, 0, sizeof h);
	h[3] = UINT64_MAX / 4;
	h[100] = UINT64_MAX / 4;
	CHECK(profile_hist_percentile(h, 500, &v) && v == 3);
	CHECK(profile_hist_percentile(h, 999, &v) && v == lbp_bucket_low(100));
	printf("  percentiles: empty, one sample, 1..1000 ns, near-overflow counts\n");
}

/* Each column of the header has its row "| `NAME` |" in the doc's profile.csv section. */
static void test_doc_columns(const char *doc_path)
{
	FILE *f = fopen(doc_path, "r");
	static char doc[1 << 17];
	size_t n = f ? fread(doc, 1, sizeof doc - 1, f) : 0;
	if (f)
		fclose(f);
	doc[n] = '\0';
	const char *sec = strstr(doc, "\n## profile.csv\n");
	CHECK(sec != NULL);
	char cols[] = PROFILE_CSV_HEADER, row[96];
	unsigned ncols = 0, missing = 0;
	for (char *c = strtok(cols, ","); c; c = strtok(NULL, ",")) {
		snprintf(row, sizeof row, "\n| `%s` |", c);
		ncols++;
		if (!sec || !strstr(sec, row)) {
			missing++;
			printf("    docs/EXEC.md, profile.csv: no row for column %s\n", c);
		}
	}
	CHECK_EQ(missing, 0);
	printf("  docs/EXEC.md documents all %u columns of profile.csv\n", ncols);
}

/* A process that exec'd: prof.3001.lbp (the first image, end_ns 0: exec runs no exit handlers)
 * and prof.3001-1.lbp (the new image, which exited). The first is "replaced by exec", not a
 * death to warn about; a lone end_ns 0 still is (checked in main). */
static void test_exec_images(const char *dump)
{
	char dir[4096], err[1024] = "", *table = NULL;
	tw_dir(dir, sizeof dir, "profile_reader");
	struct tw_file *img0 = tw_new(3001, 1, "/bin/sh", ""), *img1 = tw_new(3001, 1, "/bin/cat", "");
	atomic_store_explicit(&img0->h.end_ns, 0, memory_order_relaxed);
	uint64_t site[] = { alpha_ret };
	for (int k = 0; k < 2; k++) {
		struct tw_file *f = k ? img1 : img0;
		tw_maps_self(f);
		uint32_t t = tw_thread(f, 3001);
		uint32_t m = tw_mutex(f, 0xe000, LBP_KIND_NORMAL, 0, site, 1);
		tw_acquire(tw_record(f, m, t), 3, k ? 700 : 300, 10);
	}
	tw_write_named(img1, dir, "prof.3001-1.lbp", 0); /* written first: the order is the name's */
	tw_write(img0, dir);
	free(img0);
	free(img1);
	CHECK_EQ(collect(dir, &table, err, sizeof err), 0);
	struct kv kv;
	kv_load(&kv, dump, dir);
	CHECK_KV(&kv, "json.processes.len", "2");
	CHECK_KV(&kv, "json.processes.0.exe", "/bin/sh");
	CHECK_KV(&kv, "json.processes.0.ended", "exec");
	CHECK_KV(&kv, "json.processes.1.exe", "/bin/cat");
	CHECK_KV(&kv, "json.processes.1.ended", "exit");
	CHECK_KV(&kv, "json.warnings.len", "0");
	CHECK_KV(&kv, "csv.rows", "3"); /* one mutex per image, never merged, and the total */
	CHECK_KV(&kv, "csv.0.exe", "/bin/cat");
	CHECK_KV(&kv, "csv.1.exe", "/bin/sh");
	CHECK(table && strstr(table, "replaced by exec") && !strstr(table, "warning:"));
	printf("  exec'd images: prof.3001.lbp replaced by exec, prof.3001-1.lbp exited, no warning\n");
	kv_free(&kv);
	free(table);
	tw_rmdir(dir);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: profile_reader DUMP.py EXEC.md\n");
		return 2;
	}
	const char *dump = argv[1];
	alpha_ret = site_alpha_fp();
	beta_ret = site_beta_fp();
	/* In libc.so.6, a shared object mapped at a random base: its bias must come out right. */
	void *getpid_addr = dlsym(RTLD_DEFAULT, "getpid");
	CHECK(getpid_addr != NULL);
	libc_ret = (uint64_t)(uintptr_t)getpid_addr + 4;
	test_percentiles();
	test_doc_columns(argv[2]);
	test_exec_images(dump);

	char dir[4096], err[1024] = "", *table = NULL;
	tw_dir(dir, sizeof dir, "profile_reader");
	write_profiles(dir, PLANT_NONE);
	int rc = collect(dir, &table, err, sizeof err);
	if (!CHECK_EQ(rc, 0))
		printf("    profile_collect: %s\n", err);
	printf("%s", table ? table : "");

	struct kv kv;
	kv_load(&kv, dump, dir);
	CHECK_KV(&kv, "csv.header", PROFILE_CSV_HEADER);
	CHECK_KV(&kv, "csv.rows", "5"); /* four mutexes and the total; the unfinished one is not */
	check_merged_m1(&kv);
	/* Percentiles of M1's merged waits: 1100 samples, ranks 550, 1089, 1099. */
	CHECK_KV(&kv, "csv.0.wait_p50_ns", u64s(lbp_bucket_low(lbp_bucket(100))));
	CHECK_KV(&kv, "csv.0.wait_p99_ns", u64s(lbp_bucket_low(lbp_bucket(10000))));
	CHECK_KV(&kv, "csv.0.wait_p999_ns", u64s(lbp_bucket_low(lbp_bucket(1000000))));
	CHECK_KV(&kv, "csv.0.hold_p99_ns", u64s(lbp_bucket_low(lbp_bucket(50))));
	/* The same address in the child is its own row, after M1 by wait time. */
	CHECK_KV(&kv, "csv.1.pid", "1002");
	CHECK_KV(&kv, "csv.1.mutex", "0xa000");
	CHECK_KV(&kv, "csv.1.acquisitions", "100");
	CHECK_KV(&kv, "csv.1.wait_total_ns", "2000000");
	CHECK_KV(&kv, "csv.2.mutex", "0xc000");
	CHECK_KV(&kv, "csv.2.flags", "passthrough pshared");
	CHECK_KV(&kv, "csv.3.mutex", "0xb000");
	CHECK_KV(&kv, "csv.3.kind", "recursive");
	CHECK_KV(&kv, "csv.3.flags", "static");
	CHECK_KV(&kv, "csv.4.scope", "total");
	CHECK_KV(&kv, "csv.4.acquisitions", "1215");
	CHECK_KV(&kv, "csv.4.wait_total_ns", "1012005000");
	CHECK_KV(&kv, "csv.4.threads", "3");
	CHECK_KV(&kv, "csv.3.wait_p50_ns", u64s(lbp_bucket_low(lbp_bucket(500))));
	printf("  merge: threads added, processes apart, totals, percentiles\n");

	/* Sites: this binary's functions at their exact offsets; the interposer's frame left out. */
	const char *s0 = kv_get(&kv, "csv.0.site");
	check_site_starts(s0, "site_alpha", alpha_ret, site_alpha);
	const char *lt = strstr(s0, " < ");
	CHECK(lt != NULL);
	if (lt)
		check_site_starts(lt + 3, "site_beta", beta_ret, site_beta);
	CHECK(!strstr(s0, "liblockbench-preload"));
	const char *s2 = kv_get(&kv, "csv.2.site");
	CHECK(strstr(s2, "0x10 (unmapped) < 0x200100 (libgone.so.1+0x1100, "
			 "/nonexistent/libgone.so.1 missing: ") == s2);
	check_site_starts(kv_get(&kv, "csv.1.site"), "site_alpha", alpha_ret, site_alpha);
	const char *s3 = kv_get(&kv, "csv.3.site"), *libc = strstr(s3, " < ");
	/* getpid or __getpid: whichever name libdwfl prefers for the address. */
	if (!CHECK(libc && libc[3] != '0' && strstr(libc, "getpid+0x4 (libc.so.6")))
		printf("    csv.3.site '%s': the second frame is not getpid+0x4 in libc.so.6\n", s3);
	printf("  sites: %s\n", s3);
	printf("  sites: %s\n", s0);

	/* JSON: the same numbers, the run's metadata, the processes, the warnings. */
	CHECK_KV(&kv, "json.format", "lockbench-profile v1");
	CHECK_KV(&kv, "json.run.program", "prog");
	CHECK_KV(&kv, "json.run.lock", "glibc");
	CHECK_KV(&kv, "json.run.seed", "42");
	CHECK_KV(&kv, "json.processes.len", "2");
	CHECK_KV(&kv, "json.processes.1.exit_handlers_ran", "false");
	CHECK_KV(&kv, "json.processes.1.ended", "_exit or killed");
	CHECK_KV(&kv, "json.processes.1.dropped_records", "3");
	CHECK_KV(&kv, "json.processes.0.unfinished_slots", "1");
	CHECK_KV(&kv, "json.mutexes.len", "4");
	CHECK_KV(&kv, "json.mutexes.0.acquisitions", "1100");
	CHECK_KV(&kv, "json.mutexes.0.wait.p999_ns", kv_get(&kv, "csv.0.wait_p999_ns"));
	CHECK_KV(&kv, "json.mutexes.0.site", s0);
	CHECK_KV(&kv, "json.totals.acquisitions", "1215");
	CHECK_KV(&kv, "json.warnings.len", "3");

	/* The table: order by total wait, the passed-through list, every warning. */
	const char *order[] = { "1001 0xa000", "1002 0xa000", "1001 0xc000", "1001 0xb000" };
	check_order(table, order, 4);
	CHECK(strstr(table, "passed through to glibc") && strstr(table, "0xc000 (pshared)"));
	CHECK(strstr(table, "pid 1002") && strstr(table, "dropped 0 mutexes, 0 threads, 3 records"));
	CHECK(strstr(table, "warning: pid 1002") &&
	      strstr(table, "ended without exit handlers (_exit or killed)"));
	CHECK(strstr(table, "1 slots were claimed but never completed"));

	/* Negative controls: the checks above fail on planted wrong inputs. */
	tu_negative_begin();
	const char *reversed[] = { "1001 0xb000", "1001 0xc000", "1002 0xa000", "1001 0xa000" };
	check_order(table, reversed, 4);
	check_site_starts(kv_get(&kv, "csv.3.site"), "site_alpha", alpha_ret, site_alpha);
	unsigned neg = tu_negative_end();
	CHECK(neg >= 2);
	kv_free(&kv);
	free(table);
	table = NULL;
	tw_rmdir(dir);

	/* A profile where thread 2's record of M1 was never finished: the merge check must see it. */
	tw_dir(dir, sizeof dir, "profile_reader");
	write_profiles(dir, PLANT_THREAD2_UNFINISHED);
	CHECK_EQ(collect(dir, &table, err, sizeof err), 0);
	kv_load(&kv, dump, dir);
	tu_negative_begin();
	check_merged_m1(&kv);
	neg = tu_negative_end();
	CHECK(neg >= 5);
	printf("  negative controls: order, site and merge checks fail on planted inputs\n");
	kv_free(&kv);
	free(table);
	tw_rmdir(dir);
	return tu_summary("profile_reader");
}
