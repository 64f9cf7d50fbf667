/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

#ifndef DRV_CHECK_H
#define DRV_CHECK_H

/*
 * The driver test programs' check: count it, and on failure print where and
 * why and go on (the programs report the totals at the end). Each program
 * defines the two counters.
 */

#include <stdio.h>

extern unsigned int checks;
extern unsigned int failures;

#define CHECK(cond, fmt, ...) do { \
	checks++; \
	if (!(cond)) { \
		failures++; \
		printf("FAIL %s:%d: %s: " fmt "\n", __FILE__, __LINE__, #cond, ##__VA_ARGS__); \
	} \
} while (0)

#endif /* DRV_CHECK_H */
