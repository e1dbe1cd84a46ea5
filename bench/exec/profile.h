/* profile.h — the profile reader of `lockbench exec --profile`: what the command calls once the
 * program has ended.
 *
 * Each profiled process left DIR/prof.PID.lbp (preload/profile_format.h). profile_collect reads
 * every one, validates it (a truncated, foreign or hostile file is refused with one line naming
 * it, never a crash), merges each mutex's per-thread records, symbolises the call sites with
 * libdw from the maps snapshots the file holds (never inside the target: it has ended), writes
 * DIR/profile.csv and DIR/profile.json (docs/EXEC.md, "profile.csv"), and prints the top-N
 * table by total wait time.
 *
 * A mutex is one slot of one process: rows are per (pid, mutex). Two processes' mutexes at the
 * same address are different mutexes (after fork they are copies, after exec strangers), so they
 * are never merged; the call-site column lets a reader see one site in several processes.
 */
#ifndef LB_EXEC_PROFILE_H
#define LB_EXEC_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What the run knows that the files do not. Every pointer may be NULL (the key is then null in
 * profile.json); meta itself may be NULL. */
struct profile_meta {
	const char *program;  /* PROG as given on the command line */
	const char *args;     /* PROG ARGS… joined by single spaces */
	const char *lock;     /* the replacement lock; "" or NULL = glibc's mutex */
	const char *outcome;  /* free text: "exit 0", "killed by signal 9", "timed out after 10 s" */
	int exit_code;        /* PROG's exit status; -1 when it did not exit (signal, timeout) */
	double wall_s;        /* PROG's wall time; < 0 when unknown */
	bool seed_set;
	uint64_t seed;
	const char *host;
};

/* Read every DIR/prof.*.lbp, merge, symbolise, write DIR/profile.csv and DIR/profile.json (each
 * atomically, results/file.h), and print the top-N table by total wait time to `out` (N = top;
 * 0 prints the header, totals and warnings only). Returns 0, or -1 with a one-line reason in
 * err (no file, a bad file — named —, a failed write). Warnings that do not fail the run
 * (dropped events, processes that ended without exit handlers) are printed to `out` and
 * recorded in profile.json. */
int profile_collect(const char *dir, const struct profile_meta *meta, unsigned top, FILE *out,
		    char *err, size_t errlen);

#endif
