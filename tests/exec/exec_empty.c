/* exec_empty.c — a harmless shared object: what the exec tests put in LD_PRELOAD (through
 * LOCKBENCH_PRELOAD), so that they test the command, not the preload library. */
int exec_empty_library_marker;
