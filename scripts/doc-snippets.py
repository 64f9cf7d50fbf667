#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Keep the code quoted in a guide identical to the live code.

A guide quotes code like DPDK's guides do (literalinclude between markers):

    <!-- live: app/nta-fwd/main.c "lending a packet" -->
    ```c
    ...the lines between "/* >8 Start of lending a packet. */" and
    "/* >8 End of lending a packet. */" in that file, dedented...
    ```

  doc-snippets.py --check GUIDE.md    exit 1 if a quote differs from the code
  doc-snippets.py --update GUIDE.md   rewrite the quotes from the code
"""

import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIVE = re.compile(r'^<!-- live: (\S+) "([^"]+)" -->$')


def extract(path, name):
    lines = open(os.path.join(TOP, path)).read().split('\n')
    start = '/* >8 Start of %s. */' % name
    end = '/* >8 End of %s. */' % name
    a = [i for i, l in enumerate(lines) if l.strip() == start]
    b = [i for i, l in enumerate(lines) if l.strip() == end]
    if len(a) != 1 or len(b) != 1 or b[0] <= a[0]:
        raise SystemExit('doc-snippets: markers "%s" not found once in %s' % (name, path))
    body = lines[a[0] + 1:b[0]]
    ind = min((len(l) - len(l.lstrip('\t')) for l in body if l.strip()), default=0)
    return [l[ind:] if l.strip() else '' for l in body]


def process(guide, update):
    lines = open(guide).read().split('\n')
    out, bad, n, i = [], 0, 0, 0
    while i < len(lines):
        out.append(lines[i])
        m = LIVE.match(lines[i])
        if not m:
            i += 1
            continue
        n += 1
        want = extract(m.group(1), m.group(2))
        if i + 1 >= len(lines) or lines[i + 1] != '```c':
            raise SystemExit('doc-snippets: %s:%d: no ```c block after the marker' % (guide, i + 1))
        j = i + 2
        while j < len(lines) and lines[j] != '```':
            j += 1
        have = lines[i + 2:j]
        if have != want:
            bad += 1
            print('doc-snippets: %s:%d: quote of %s "%s" differs from the code' %
                  (guide, i + 1, m.group(1), m.group(2)))
        out += ['```c'] + want + ['```']
        i = j + 1
    if update:
        open(guide, 'w').write('\n'.join(out))
    if n == 0:
        raise SystemExit('doc-snippets: no live quote in ' + guide)
    print('doc-snippets: %d quotes, %d differ%s' % (n, bad, ' (updated)' if update and bad else ''))
    return 0 if update or bad == 0 else 1


if __name__ == '__main__':
    if len(sys.argv) != 3 or sys.argv[1] not in ('--check', '--update'):
        print(__doc__)
        sys.exit(0 if len(sys.argv) > 1 and sys.argv[1] in ('-h', '--help') else 2)
    sys.exit(process(sys.argv[2], sys.argv[1] == '--update'))
