#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The NTA authors
"""The ABI of a shared library is its installed headers.

  check_exports.py LIB HEADER...

Fails when LIB exports (nm -D --defined-only) a name that no HEADER declares,
or when a HEADER declares a function or variable (not static inline) that LIB
does not export: both mean version.map, NTA_EXPORT and the headers disagree.
"""

import re
import subprocess
import sys


def exported(lib):
    out = subprocess.run(['nm', '-D', '--defined-only', lib], stdout=subprocess.PIPE,
                         universal_newlines=True, check=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] != 'A':    # 'A': the version node itself
            names.add(parts[2].split('@')[0])
    return names


def declared(headers):
    """(every name a header mentions before '(' or in an extern, the
    non-inline functions and extern variables it declares)."""
    mentioned, required = set(), set()
    for h in headers:
        with open(h) as f:
            text = f.read()
        text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
        text = re.sub(r'//[^\n]*', '', text)
        mentioned |= set(re.findall(r'\b([a-z_][a-z0-9_]*)\s*\(', text))
        externs = set(re.findall(r'^extern\b[^;({\n]*\b([a-z_][a-z0-9_]*)\s*;', text, flags=re.M))
        mentioned |= externs
        required |= externs
        # A declaration starts at column 0 with its type; its name is the
        # first identifier before '(' (static inline definitions excluded).
        for m in re.finditer(r'^(?!static\b|#|typedef\b|extern\s+"C")[a-z][^;{}()\n]*?\b'
                             r'([a-z_][a-z0-9_]*)\s*\(', text, flags=re.M):
            required.add(m.group(1))
    return mentioned, required


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    lib, headers = sys.argv[1], sys.argv[2:]
    exp = exported(lib)
    mentioned, required = declared(headers)
    extra = sorted(exp - mentioned)
    missing = sorted(required - exp)
    for n in extra:
        print('%s exports %s, which no installed header declares' % (lib, n))
    for n in missing:
        print('%s does not export %s, which an installed header declares' % (lib, n))
    print('%d names exported, %d declared' % (len(exp), len(required)))
    return 1 if extra or missing else 0


if __name__ == '__main__':
    sys.exit(main())
