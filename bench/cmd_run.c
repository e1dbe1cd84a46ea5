/* cmd_run.c — not yet written */
#include "params.h"
