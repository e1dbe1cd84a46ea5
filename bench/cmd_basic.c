/* cmd_basic.c — not yet written */
#include "params.h"
