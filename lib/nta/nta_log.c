/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nta_private.h"

NTA_EXPORT __thread int nta_errno;

static void (*nta_log_fn)(int level, const char *msg);

NTA_EXPORT void
nta_set_log(void (*fn)(int level, const char *msg))
{
	__atomic_store_n(&nta_log_fn, fn, __ATOMIC_RELEASE);
}

NTA_EXPORT void
(*nta_get_log(void))(int level, const char *msg)
{
	return __atomic_load_n(&nta_log_fn, __ATOMIC_ACQUIRE);
}

static void
vlog(int level, const char *fmt, va_list ap)
{
	void (*fn)(int level, const char *msg) = __atomic_load_n(&nta_log_fn, __ATOMIC_ACQUIRE);
	char msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (fn != NULL)
		fn(level, msg);
	else
		fprintf(stderr, "NTA: %s\n", msg);
}

void
nta_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

void
nta_arena_log(const struct nta_arena *a, int level, const char *fmt, ...)
{
	va_list ap;

	if (a != NULL && (a->cfg.flags & NTA_ARENA_F_QUIET))
		return;
	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

#ifdef NTA_DEBUG
void
nta_assert_fail(const char *cond, const char *why, const char *file, int line)
{
	nta_log(NTA_LOG_ERR, "assertion failed at %s:%d: %s (%s)", file, line, why, cond);
	abort();
}
#endif

NTA_EXPORT const char *
nta_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case EINVAL:
		return "invalid argument (bad size, interior or misaligned pointer)";
	case EFAULT:
		return "pointer is in no region of this arena";
	case EALREADY:
		return "buffer is already free (double free)";
	case E2BIG:
		return "size larger than the largest region";
	case ENOMEM:
		return "out of memory";
	case ENOSPC:
		return "no room for another region";
	case ERANGE:
		return "descriptor out of range";
	case ENOENT:
		return "no hugepages of the page size";
	default:
		return strerror(err);
	}
}
