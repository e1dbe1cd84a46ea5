/* profile_corrupt.c — profile_collect refuses what it would misread, with one line naming the
 * file, and never crashes.
 *
 * Each case writes a good profile (pid 2001) and a damaged one (pid 2002) to a fresh folder:
 * bad magic, another version, another build's sizes, truncations, arrays outside the file, an
 * unaligned offset, a record naming a mutex or thread out of range, impossible mutex contents.
 * profile_collect must return -1 with a single line naming prof.2002.lbp and the reason, and
 * leave no profile.csv behind. Then an empty folder and a missing one; then a fuzz loop of
 * random byte flips and truncations (fixed seed) that must each end in 0 or one line.
 * Negative control: the "refused" check fails on the good file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec/profile.h"
#include "profile_writer.h"
#include "test_util.h"

static struct tw_file *good_file(int32_t pid)
{
	struct tw_file *f = tw_new(pid, 1, "/bin/true", "ticket");
	tw_maps_self(f);
	uint32_t t = tw_thread(f, pid);
	uint64_t site[] = { (uint64_t)(uintptr_t)&good_file, 0x10 };
	uint32_t m = tw_mutex(f, 0xa000, LBP_KIND_NORMAL, 0, site, 2);
	tw_acquire(tw_record(f, m, t), 10, 100, 50);
	return f;
}

struct damage {
	const char *name;
	const char *reason; /* a substring of the expected error */
	size_t len;         /* write only this many bytes (0: the whole file) */
	void (*apply)(struct tw_file *f);
};

static void d_magic(struct tw_file *f) { f->h.magic ^= 1; }
static void d_version(struct tw_file *f) { f->h.version = LBP_VERSION + 1; }
static void d_header_bytes(struct tw_file *f) { f->h.header_bytes += 8; }
static void d_record_bytes(struct tw_file *f) { f->h.record_bytes -= 8; }
static void d_buckets(struct tw_file *f) { f->h.hist_buckets = 64; }
static void d_records_off(struct tw_file *f) { f->h.records_off = sizeof *f; }
static void d_maps_cap(struct tw_file *f) { f->h.maps_cap = 1u << 30; }
static void d_record_cap(struct tw_file *f) { f->h.record_cap = UINT32_MAX; }
static void d_unaligned(struct tw_file *f) { f->h.mutexes_off += 4; }
static void d_off_in_header(struct tw_file *f) { f->h.threads_off = 0; }
static void d_rec_mutex(struct tw_file *f) { f->r[0].mutex = 5; }
static void d_rec_thread(struct tw_file *f) { f->r[0].thread = UINT32_MAX; }
static void d_nframes(struct tw_file *f) { f->m[0].nframes = LBP_FRAMES + 1; }
static void d_kind(struct tw_file *f) { f->m[0].kind = 99; }
static void d_none(struct tw_file *f) { (void)f; }

static const struct damage damages[] = {
	{ "bad magic", "not a lockbench profile (bad magic", 0, d_magic },
	{ "another version", "format version 2, this lockbench reads version 1", 0, d_version },
	{ "another header size", "written by another build", 0, d_header_bytes },
	{ "another record size", "written by another build", 0, d_record_bytes },
	{ "another histogram", "64 histogram buckets", 0, d_buckets },
	{ "records past the end", "the record array", 0, d_records_off },
	{ "maps capacity past the end", "the maps array", 0, d_maps_cap },
	{ "record capacity overflowing", "the record array", 0, d_record_cap },
	{ "unaligned mutex array", "the mutex array", 0, d_unaligned },
	{ "thread array inside the header", "the thread array", 0, d_off_in_header },
	{ "record naming mutex 5 of 1", "record 0 names mutex 5", 0, d_rec_mutex },
	{ "record naming thread 2^32-1", "names mutex 0 and thread 4294967295", 0, d_rec_thread },
	{ "nine frames", "9 frames", 0, d_nframes },
	{ "kind 99", "has kind 99", 0, d_kind },
	{ "truncated in the header", "truncated: 100 bytes", 100, d_none },
	{ "empty file", "truncated: 0 bytes", 0, NULL },
	{ "truncated in the records", "truncated or corrupt", sizeof(struct lbp_header) + 4096,
	  d_none },
};

static bool file_exists(const char *dir, const char *name)
{
	char path[4200];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

/* The check every case makes: refused, one line, naming the damaged file and the reason. */
static void check_refused(int rc, const char *err, const char *dir, const char *reason)
{
	CHECK_EQ(rc, -1);
	CHECK(strstr(err, "prof.2002.lbp") != NULL);
	CHECK(strstr(err, reason) != NULL);
	CHECK(err[0] && !strchr(err, '\n'));
	CHECK(!file_exists(dir, "profile.csv") && !file_exists(dir, "profile.json"));
}

static int run_case(const struct damage *d, char *err, size_t errlen, const char *dir)
{
	struct tw_file *g = good_file(2001), *b = good_file(2002);
	tw_write(g, dir);
	if (d->apply) {
		d->apply(b);
		tw_write_len(b, dir, d->len);
	} else { /* an empty file */
		char path[4200];
		snprintf(path, sizeof path, "%s/prof.2002.lbp", dir);
		FILE *f = fopen(path, "w");
		if (f)
			fclose(f);
	}
	free(g);
	free(b);
	FILE *out = fopen("/dev/null", "w");
	err[0] = '\0';
	int rc = profile_collect(dir, NULL, 10, out, err, errlen);
	if (out)
		fclose(out);
	return rc;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

int main(void)
{
	char dir[4096], err[1024];
	for (size_t i = 0; i < sizeof damages / sizeof damages[0]; i++) {
		tw_dir(dir, sizeof dir, "profile_corrupt");
		int rc = run_case(&damages[i], err, sizeof err, dir);
		check_refused(rc, err, dir, damages[i].reason);
		printf("  %-32s -> %s\n", damages[i].name, err);
		tw_rmdir(dir);
	}

	/* Negative control: the same check on an undamaged file must fail. */
	tw_dir(dir, sizeof dir, "profile_corrupt");
	const struct damage none = { "none", "", 0, d_none };
	int rc = run_case(&none, err, sizeof err, dir);
	CHECK_EQ(rc, 0);
	tu_negative_begin();
	check_refused(rc, err, dir, "bad magic");
	CHECK(tu_negative_end() >= 3);
	tw_rmdir(dir);

	/* No files; no folder. */
	tw_dir(dir, sizeof dir, "profile_corrupt");
	rc = profile_collect(dir, NULL, 10, NULL, err, sizeof err);
	CHECK(rc == -1 && strstr(err, "no profile files (prof.*.lbp)") && !strchr(err, '\n'));
	printf("  empty folder -> %s\n", err);
	tw_rmdir(dir);
	rc = profile_collect("/nonexistent/profile-dir", NULL, 10, NULL, err, sizeof err);
	CHECK(rc == -1 && strstr(err, "/nonexistent/profile-dir: cannot open") && !strchr(err, '\n'));
	printf("  missing folder -> %s\n", err);

	/* Fuzz: flips anywhere in the header and arrays, truncations anywhere. Reaching the end of
	 * the loop is the check that nothing crashed; each outcome is 0 or one line naming the file. */
	unsigned ok = 0, refused = 0, bad = 0;
	const size_t arrays_end = offsetof(struct tw_file, maps);
	for (unsigned it = 0; it < 300; it++) {
		tw_dir(dir, sizeof dir, "profile_fuzz");
		struct tw_file *f = good_file(2002);
		size_t len = 0;
		unsigned char *bytes = (unsigned char *)f;
		if (it % 5 == 4) {
			len = 1 + rng() % (sizeof *f - 1);
		} else {
			unsigned flips = 1 + (unsigned)(rng() % 8);
			for (unsigned k = 0; k < flips; k++) {
				/* Mostly the header, where a flip moves arrays; also mutexes and records. */
				size_t at = rng() % 2 ? rng() % sizeof(struct lbp_header)
						      : rng() % arrays_end;
				bytes[at] ^= (unsigned char)(1u << (rng() % 8));
			}
		}
		tw_write_as(f, dir, 2002, len); /* the name, whatever the flips did to the pid */
		free(f);
		rc = profile_collect(dir, NULL, 10, NULL, err, sizeof err);
		if (rc == 0 && file_exists(dir, "profile.csv"))
			ok++;
		else if (rc == -1 && strstr(err, "prof.2002.lbp") && !strchr(err, '\n'))
			refused++;
		else
			bad++, printf("    fuzz case %u: rc %d, '%s'\n", it, rc, err);
		tw_rmdir(dir);
	}
	CHECK_EQ(bad, 0);
	CHECK(refused > 0 && ok > 0); /* the loop exercised both outcomes */
	printf("  fuzz: 300 damaged files, %u read, %u refused with one line, %u otherwise\n", ok,
	       refused, bad);
	return tu_summary("profile_corrupt");
}
