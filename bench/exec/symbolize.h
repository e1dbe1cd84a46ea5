/* symbolize.h — return addresses of a process that has ended, as "func+0xoff (module)".
 *
 * The process is gone, so its address space is known only from the /proc/PID/maps snapshots it
 * wrote into its profile file (profile_format.h). For an address: the last maps line covering
 * it names the module file and the file offset it was mapped from; the module's program
 * headers turn that into the module's own (link-time) address; libdwfl, given the module at
 * bias 0, names the function and, when debug information exists (in the file or under
 * /usr/lib/debug/.build-id), the source line. Modules are opened once per path and shared by
 * every process, whatever address ASLR gave them in each.
 *
 * Debug information is looked for on this machine only, never through debuginfod: reading a
 * profile must not wait on the network.
 */
#ifndef LB_EXEC_SYMBOLIZE_H
#define LB_EXEC_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One line of /proc/PID/maps. */
struct maps_entry {
	uint64_t start, end, offset;
	char *path; /* "" for an anonymous mapping; "[vdso]", "[heap]" as the kernel names them */
};

/* Every line of every snapshot, in the order written; later lines win (the newest snapshot). */
struct proc_maps {
	struct maps_entry *e;
	size_t n;
};

/* Parse snapshots (no terminating NUL needed). Lines that are not maps lines — a partial line
 * at the end, a marker between snapshots, zeros of an unfinished append — are skipped.
 * 0 or -ENOMEM. */
int proc_maps_parse(struct proc_maps *m, const char *text, size_t len);
void proc_maps_free(struct proc_maps *m);
/* The last line covering addr, or NULL. */
const struct maps_entry *proc_maps_find(const struct proc_maps *m, uint64_t addr);

struct symbolizer;
struct symbolizer *symbolizer_new(void);
void symbolizer_free(struct symbolizer *s);

/* One return address as text, into buf (always terminated):
 *   "func+0xoff (module)" or "func+0xoff (module, file.c:42)"  resolved (off: of the return
 *                                                               address; looked up at ret - 1,
 *                                                               the call instruction)
 *   "0xADDR (module+0xoff)"                 in a module, no symbol there
 *   "0xADDR (module+0xoff, PATH missing)"   the module's file cannot be opened any more
 *   "0xADDR (unmapped)"                     no snapshot line covers it */
void symbolize_frame(struct symbolizer *s, const struct proc_maps *m, uint64_t ret, char *buf,
		     size_t len);
/* Whether ret lies in liblockbench-preload.so itself (frames of the interposer, not the
 * program's). */
bool symbolize_in_preload(const struct proc_maps *m, uint64_t ret);

#endif
