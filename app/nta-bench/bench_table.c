/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * nta-bench: result tables, printed as Markdown (aligned columns) or, with
 * --csv, as CSV with the section name in the first column.
 */

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

void
table_init(struct table *t, const char *section, unsigned int ncols, ...)
{
	va_list ap;
	unsigned int i;

	memset(t, 0, sizeof(*t));
	t->section = section;
	t->ncols = ncols;
	va_start(ap, ncols);
	for (i = 0; i < ncols; i++) {
		snprintf(t->head[i], CELL, "%s", va_arg(ap, const char *));
		t->right[i] = i > 0;
	}
	va_end(ap);
}

void
table_left(struct table *t, unsigned int col)
{
	t->right[col] = false;
}

char *
table_cell(struct table *t, unsigned int col)
{
	return t->cell[t->nrows][col];
}

void
table_set(struct table *t, unsigned int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->cell[t->nrows][col], CELL, fmt, ap);
	va_end(ap);
}

void
table_row_done(struct table *t)
{
	if (t->nrows < MAX_ROWS - 1)
		t->nrows++;
}

void
table_print(const struct table *t)
{
	size_t w[MAX_COLS];
	unsigned int r, c;

	if (bench_opt.csv) {
		printf("section");
		for (c = 0; c < t->ncols; c++)
			printf(",%s", t->head[c]);
		printf("\n");
		for (r = 0; r < t->nrows; r++) {
			printf("%s", t->section);
			for (c = 0; c < t->ncols; c++) {
				const char *s = t->cell[r][c];

				if (strchr(s, ',') != NULL)
					printf(",\"%s\"", s);
				else
					printf(",%s", s);
			}
			printf("\n");
		}
		printf("\n");
		return;
	}
	for (c = 0; c < t->ncols; c++) {
		w[c] = strlen(t->head[c]);
		for (r = 0; r < t->nrows; r++)
			if (strlen(t->cell[r][c]) > w[c])
				w[c] = strlen(t->cell[r][c]);
	}
	printf("|");
	for (c = 0; c < t->ncols; c++)
		printf(" %-*s |", (int)w[c], t->head[c]);
	printf("\n|");
	for (c = 0; c < t->ncols; c++) {
		size_t i;

		putchar(t->right[c] ? '-' : ':');
		for (i = 0; i < w[c]; i++)
			putchar('-');
		printf("%s|", t->right[c] ? ":" : "-");
	}
	printf("\n");
	for (r = 0; r < t->nrows; r++) {
		printf("|");
		for (c = 0; c < t->ncols; c++) {
			if (t->right[c])
				printf(" %*s |", (int)w[c], t->cell[r][c]);
			else
				printf(" %-*s |", (int)w[c], t->cell[r][c]);
		}
		printf("\n");
	}
	printf("\n");
}

void
fmt_bytes(char *out, int64_t b)
{
	if (b < 0)
		snprintf(out, CELL, "n/a");
	else if (bench_opt.csv)
		snprintf(out, CELL, "%" PRId64, b);
	else if (b >= 10ll << 20)
		snprintf(out, CELL, "%.1f MB", (double)b / (1 << 20));
	else if (b >= 10ll << 10)
		snprintf(out, CELL, "%.1f KB", (double)b / (1 << 10));
	else
		snprintf(out, CELL, "%" PRId64 " B", b);
}

void
fmt_ratio(char *out, double v, double ref)
{
	if (ref <= 0 || v <= 0)
		snprintf(out, CELL, "-");
	else
		snprintf(out, CELL, "%.2fx", v / ref);
}
