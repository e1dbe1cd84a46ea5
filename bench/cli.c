/* cli.c — not yet written */
#include "params.h"
