/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * nta-bench --svg FILE: the results as a chart. One horizontal bar per rival
 * and case: its time per pair divided by NTA's (right of the 1.0 line: NTA is
 * faster; left: the rival is). Cases: the throughput of each mix (cached
 * NTA, and the tree path without cache against the same rivals) and, when
 * measured, the cross-thread section. Log scale, so that 0.5x and 2x are as
 * far from the line.
 */

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

#define SVG_W 760
#define BAR_H 14
#define ROW_H 18
#define LABEL_W 230
#define PLOT_W 480
/* The plot spans 1/SVG_SPAN .. SVG_SPAN on a log scale. */
#define SVG_SPAN 32.0

struct svg_bar {
	char label[96];
	double ratio;     /* rival time / NTA time */
};

#define MAX_BARS 64

static double
svg_x(double ratio)
{
	double l = log(ratio) / log(SVG_SPAN);

	if (l < -1)
		l = -1;
	if (l > 1)
		l = 1;
	return LABEL_W + (l + 1) / 2 * PLOT_W;
}

static unsigned int
collect(struct svg_bar *b)
{
	static const unsigned int rivals[] = { BA_GLIBC, BA_JEMALLOC, BA_MIMALLOC, BA_RTE,
		BA_POW2 };
	unsigned int n = 0, mi, k, ref;

	for (mi = 0; mi < N_MIX; mi++) {
		for (ref = BA_NTA; ref <= BA_NTA_NOCACHE; ref++) {
			const struct tp_result *nr = &bench_tp[mi][ref];

			if (!(bench_opt.sections & SEC_THROUGHPUT) || !nr->ok)
				continue;
			for (k = 0; k < sizeof(rivals) / sizeof(rivals[0]) && n < MAX_BARS; k++) {
				const struct tp_result *r = &bench_tp[mi][rivals[k]];

				if (!r->ok)
					continue;
				snprintf(b[n].label, sizeof(b[n].label), "%s %s: %s",
						bench_mixes[mi].name,
						ref == BA_NTA ? "cached" : "tree path",
						bench_allocs[rivals[k]].name);
				b[n++].ratio = r->ns_pair / nr->ns_pair;
			}
		}
		if ((bench_opt.sections & SEC_XTHREAD) && bench_xt[mi][BA_NTA].ok) {
			for (k = 0; k < 3 && n < MAX_BARS; k++) {
				const struct xt_result *r = &bench_xt[mi][rivals[k]];

				if (!r->ok)
					continue;
				snprintf(b[n].label, sizeof(b[n].label), "%s across threads: %s",
						bench_mixes[mi].name, bench_allocs[rivals[k]].name);
				b[n++].ratio = r->ns_pair / bench_xt[mi][BA_NTA].ns_pair;
			}
		}
	}
	return n;
}

int
bench_write_svg(const char *path)
{
	struct svg_bar b[MAX_BARS];
	unsigned int n = collect(b), i;
	double one = svg_x(1.0), top = 48, h;
	static const double ticks[] = { 1 / 16.0, 0.25, 1, 4, 16 };
	FILE *f;

	f = fopen(path, "w");
	if (f == NULL) {
		fprintf(stderr, "nta-bench: --svg %s: cannot write: %m\n", path);
		return -1;
	}
	h = top + n * ROW_H + 40;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" "
			"font-family=\"sans-serif\" font-size=\"12\">\n"
			"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
			"<text x=\"10\" y=\"20\" font-size=\"14\">nta-bench: rival time per pair / "
			"NTA time per pair (log scale; right of 1: NTA faster)</text>\n",
			SVG_W, h);
	for (i = 0; i < sizeof(ticks) / sizeof(ticks[0]); i++) {
		double x = svg_x(ticks[i]);

		fprintf(f, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"%s\"/>\n"
				"<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%gx</text>\n",
				x, top - 8, x, h - 30, ticks[i] == 1 ? "black" : "#ccc", x, h - 16,
				ticks[i]);
	}
	for (i = 0; i < n; i++) {
		double y = top + i * ROW_H, x = svg_x(b[i].ratio);
		double x0 = x < one ? x : one, w = fabs(x - one);

		fprintf(f, "<text x=\"%d\" y=\"%.0f\" text-anchor=\"end\">%s</text>\n"
				"<rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n"
				"<text x=\"%.1f\" y=\"%.0f\">%.2fx</text>\n",
				LABEL_W - 6, y + BAR_H - 2, b[i].label, x0, y, w > 1 ? w : 1, BAR_H,
				b[i].ratio >= 1 ? "#4a8" : "#d64", (x > one ? x : one) + 4,
				y + BAR_H - 2, b[i].ratio);
	}
	fprintf(f, "</svg>\n");
	if (fclose(f) != 0) {
		fprintf(stderr, "nta-bench: --svg %s: write failed\n", path);
		return -1;
	}
	return 0;
}
