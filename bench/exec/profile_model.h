/* profile_model.h — inside the profile reader: one validated file (profile_file.c), the merged
 * rows (profile_merge.c), and the writers of profile.csv, profile.json and the table
 * (profile_out.c). profile.h is the API; nothing outside exec/ includes this.
 */
#ifndef LB_EXEC_PROFILE_MODEL_H
#define LB_EXEC_PROFILE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "exec/profile.h"
#include "preload/profile_format.h"

/* One prof.PID.lbp, mapped read-only and validated: every array below lies inside the file,
 * with the writer's sizes equal to ours. The counts are min(used, cap): `used` goes past `cap`
 * when slots ran out (the header's dropped_* count what that cost). */
struct profile_file {
	char path[4096];
	const unsigned char *map;
	size_t size;
	const struct lbp_header *h;
	const struct lbp_mutex *mutexes;
	const struct lbp_thread *threads;
	const struct lbp_record *records;
	const char *maps;
	uint32_t nmutexes, nthreads, nrecords;
	size_t maps_len;
};

/* 0, or -1 with "PATH: reason" in err. */
int profile_file_open(struct profile_file *f, const char *path, char *err, size_t errlen);
void profile_file_close(struct profile_file *f);

/* The counters of a mutex (or of a total): the records' sums, maxima and histograms. */
struct profile_counts {
	uint64_t acquisitions, contended, handoffs, trylock_busy, timeouts;
	uint64_t cond_waits, cond_signals, cond_broadcasts, bad_unlocks;
	uint64_t wait_total_ns, wait_max_ns, hold_total_ns, hold_max_ns;
	uint64_t wait_hist[LBP_HIST_BUCKETS], hold_hist[LBP_HIST_BUCKETS];
};

void profile_counts_add_record(struct profile_counts *c, const struct lbp_record *r);
void profile_counts_add(struct profile_counts *c, const struct profile_counts *o);

/* Nearest-rank percentile of a histogram, `permille` of 1000 (500, 990, 999): the low edge of
 * the bucket holding the sample of rank ceil(n * permille / 1000). false when it is empty. */
bool profile_hist_percentile(const uint64_t *hist, unsigned permille, uint64_t *low_ns);

/* One process, as its file describes it. */
struct profile_proc {
	char file[4096];
	int32_t pid, ppid;
	char exe[LBP_EXE + 1], lock[LBP_LOCK_NAME + 1];
	uint64_t start_ns, end_ns; /* end_ns 0: it ended without exit handlers (_exit, a kill) */
	bool replaced_by_exec; /* end_ns 0 because a later file of the same pid is its exec'd image */
	uint32_t mutexes, threads, records; /* READY slots */
	uint32_t mutex_cap, thread_cap, record_cap;
	uint64_t dropped_mutexes, dropped_threads, dropped_records;
	uint32_t unready;   /* slots claimed but never made READY (a writer killed mid-claim) */
	uint32_t orphans;   /* READY records whose mutex or thread slot is not READY */
	struct profile_counts totals;
};

/* One mutex: a READY mutex slot of one process, its records merged across threads. */
struct profile_row {
	unsigned proc; /* index into profile_set.procs */
	int32_t pid;
	uint64_t addr;
	uint32_t kind, flags, nframes;
	uint64_t site[LBP_FRAMES];
	char *site_text; /* symbolised: "func+0xoff (module) < …" */
	unsigned threads; /* distinct threads with a record */
	struct profile_counts c;
};

struct profile_set {
	struct profile_proc *procs;
	unsigned nprocs;
	struct profile_row *rows; /* sorted: total wait time, then contended, acquisitions, pid, addr */
	size_t nrows, rows_cap;
	struct profile_counts totals;
	char **warnings;
	size_t nwarnings;
};

/* Merge one validated file into the set (its rows appended). 0, or -1 with err naming it. */
int profile_merge_file(struct profile_set *s, const struct profile_file *f, char *err,
		       size_t errlen);
/* After every file: sort rows, sum totals, gather the warnings. 0 or -ENOMEM. */
int profile_finish(struct profile_set *s);
/* Symbolise every row's site (symbolize.h); the files must still be open (their maps). */
int profile_symbolize(struct profile_set *s, const struct profile_file *files, unsigned nfiles);
void profile_set_free(struct profile_set *s);

const char *profile_kind_name(uint32_t kind);
/* Flag names joined by spaces ("passthrough pshared static"), "" for none. */
void profile_flags_text(uint32_t flags, char *buf, size_t len);

/* The three outputs. Each returns 0 or a negative errno. */
int profile_write_csv(const struct profile_set *s, const char *dir);
int profile_write_json(const struct profile_set *s, const struct profile_meta *meta,
		       const char *dir);
int profile_print_table(const struct profile_set *s, const struct profile_meta *meta,
			unsigned top, FILE *out);

#define PROFILE_CSV_HEADER                                                                  \
	"scope,pid,exe,mutex,kind,flags,acquisitions,contended,contended_pct,handoffs,"        \
	"trylock_busy,timeouts,wait_total_ns,wait_max_ns,wait_p50_ns,wait_p99_ns,wait_p999_ns," \
	"hold_total_ns,hold_max_ns,hold_p50_ns,hold_p99_ns,hold_p999_ns,cond_waits,"           \
	"cond_signals,cond_broadcasts,bad_unlocks,threads,site"

#endif
