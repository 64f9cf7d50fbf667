/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * The driver's log type (pmd.mempool.nta), and the bridge that sends the
 * allocator's own messages through it.
 */

#include <string.h>

#include "nta_mempool_private.h"

RTE_LOG_REGISTER_DEFAULT(mpn_logtype, NOTICE);

/* lib/nta logs through the driver's log type once the driver is loaded. */
static void
mpn_lib_log(int level, const char *msg)
{
	uint32_t l = level <= NTA_LOG_ERR ? RTE_LOG_ERR :
		level == NTA_LOG_WARNING ? RTE_LOG_WARNING :
		level <= NTA_LOG_INFO ? RTE_LOG_INFO : RTE_LOG_DEBUG;
	size_t n = strlen(msg);

	rte_log(l, mpn_logtype, "nta: %s%s", msg, (n > 0 && msg[n - 1] == '\n') ? "" : "\n");
}

/*
 * Bridge the library's messages to our log type, unless the application set
 * a log function of its own before loading the driver (with -d or dlopen()).
 * A driver linked to the application loads before main(), so a function the
 * application sets later replaces the bridge, as it should.
 */
RTE_INIT(mpn_log_init)
{
	if (nta_get_log() != NULL)
		return;
	nta_set_log(mpn_lib_log);
}
