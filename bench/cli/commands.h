/* commands.h — lockbench's subcommands: each takes its own argv (argv[0] is the command name)
 * and returns the process exit status (0 ok, 1 runtime failure, 2 usage error). */
#ifndef LB_COMMANDS_H
#define LB_COMMANDS_H

int cmd_list(int argc, char **argv);
int cmd_topo(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_c2c(int argc, char **argv);
int cmd_pair(int argc, char **argv);
int cmd_exec(int argc, char **argv);

#endif
