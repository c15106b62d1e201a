#!/usr/bin/env python3
# Copyright (c) 2026 The ovs-l3dsr authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at:
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""Reads the OpenFlow examples and error tables out of docs/wire-format.md
and docs/hmark.md, for tests/l3dsr-wire-format.at, so that the documents and
the code cannot drift apart silently.

Everything this script prints comes from the documents: the test runs
ovs-ofctl itself and compares its output with what this script says the
documents promise.

Usage: l3dsr-doc-wire.py COMMAND DOC...

  docs-dir
      Prints the directory of the documents: ../docs next to this script's
      real location (tests/ of the repository; the Open vSwitch tree holds
      a symbolic link to it).

  decode DOC...
      Writes, for each ovs-ofctl command and OpenFlow version that an
      example or an error table row asks for, CMD-VERSION.in (one line per
      action list: where the document gives it, then its hex) and
      CMD-VERSION.exp (for each, where the document gives it, then what
      "ovs-ofctl parse-CMD VERSION" must print for it), and the list of
      their names to "cases".  Prints how many examples and error rows it
      found.

  encode DOC...
      Writes, for each example of an action list with its text,
      encode.in (where the document gives it, a tab, then the flow:
      the example's match if any, and its text as actions) and encode.exp
      (where, then the example's hex).  Prints how many it found.

  codes DOC
      Prints, for each row of the error code table, "== NAME" and the
      lines that "ovs-ofctl print-error NAME" must print for OpenFlow 1.0
      to 1.5.

  names DOC...
      Prints each error name that an example or a table row expects, once.

  code-names DOC
      Prints each error name of the error code table, once.

  messages DOC
      Prints, for each error message example, a line "NAME VERSION REQUEST"
      (REQUEST in hex without spaces) and writes the message's hex to
      messages.exp, one a line, and the name that ovs-ofctl ofp-print must
      print for it to messages-names.exp.
"""

import os
import re
import sys

VERSIONS = ['1.0', '1.1', '1.2', '1.3', '1.4', '1.5']

# "**Example H1** (actions, OpenFlow 1.0 to 1.5[, match `MATCH`]): `TEXT`"
# or "... : refused with `ERROR`", followed by an indented block of hex.
EXAMPLE_RE = re.compile(
    r'^\*\*Example (\w+)\*\* \((actions|instructions), '
    r'OpenFlow (1\.\d)(?: to (1\.\d))?(?:, match `([^`]*)`)?\): '
    r'(?:`(.*)`|refused with `(\w+)`)$')

# "| condition | H1 with `38: 0001`, `40: cut` | `ERROR` |"
ROW_RE = re.compile(r'^\|.*\| (\w+) with ((?:`[^`]*`(?:, )?)+) \| `(\w+)` \|$')
PATCH_RE = re.compile(r'`(\d+): ([0-9a-f]+|cut)`')

# "| `NAME` | 1, 6 | NX 1, 522 | NX 4 |" in the error code table.
CODE_RE = re.compile(r'^\| `(\w+)` \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$')

# "**Error message E1** (OpenFlow 1.0): `NAME`[, sent as `NAME2`], in
# reply to `HEX`:", followed by an indented block of hex.
MESSAGE_RE = re.compile(
    r'^\*\*Error message (\w+)\*\* \(OpenFlow (1\.\d)\): `(\w+)`'
    r'(?:, sent as `(\w+)`)?, in reply to `([0-9a-f ]+)`:$')


def fail(msg):
    sys.stderr.write('l3dsr-doc-wire: %s\n' % msg)
    sys.exit(1)


def read_lines(path):
    with open(path) as f:
        return f.read().split('\n')


def hex_block(lines, i, where):
    """Returns the bytes of the indented block that follows line 'i' (after
    at most a paragraph of prose).  In the block, each line's hex ends at
    the first run of two spaces; the rest is a comment."""
    while i < len(lines) and not lines[i].startswith('    '):
        i += 1
    if i == len(lines):
        fail('%s: no hex block' % where)
    data = ''
    while i < len(lines) and lines[i].startswith('    '):
        hexpart = lines[i][4:].split('  ')[0].replace(' ', '')
        if not re.fullmatch(r'([0-9a-f]{2})+', hexpart):
            fail('%s: bad hex line "%s"' % (where, lines[i]))
        data += hexpart
        i += 1
    return data


def version_range(first, last):
    last = last or first
    return VERSIONS[VERSIONS.index(first):VERSIONS.index(last) + 1]


def parse_examples(docs):
    examples = {}
    for doc in docs:
        lines = read_lines(doc)
        for i, line in enumerate(lines):
            m = EXAMPLE_RE.match(line)
            if not m:
                if line.startswith('**Example'):
                    fail('%s:%d: example heading not understood' % (doc,
                                                                     i + 1))
                continue
            name, cmd, first, last, match, text, error = m.groups()
            if name in examples:
                fail('%s:%d: example %s defined twice' % (doc, i + 1, name))
            examples[name] = {
                'where': '%s:%d' % (os.path.basename(doc), i + 1),
                'cmd': cmd,
                'versions': version_range(first, last),
                'hex': hex_block(lines, i + 1, '%s:%d' % (doc, i + 1)),
                'match': match,
                'text': text,
                'error': error,
            }
    return examples


def apply_patches(data, patches, where):
    b = bytearray.fromhex(data)
    for ofs, value in patches:
        ofs = int(ofs)
        if value == 'cut':
            if ofs >= len(b):
                fail('%s: cut at %d beyond %d bytes' % (where, ofs, len(b)))
            del b[ofs:]
        else:
            new = bytes.fromhex(value)
            if ofs > len(b):
                fail('%s: offset %d beyond %d bytes' % (where, ofs, len(b)))
            b[ofs:ofs + len(new)] = new
    return b.hex()


def table_rows(lines, header):
    """Yields (index, line) for the rows of each table whose header line is
    'header'."""
    i = 0
    while i < len(lines):
        if lines[i] == header:
            i += 2              # The header and the |---| line.
            while i < len(lines) and lines[i].startswith('|'):
                yield i, lines[i]
                i += 1
        else:
            i += 1


def parse_rows(docs, examples):
    """Every row of a "| Condition | Example | Error |" table must have an
    example, except one whose example is in parentheses (e.g. "(a switch
    with a TLV map)"), which the test covers otherwise."""
    rows = []
    for doc in docs:
        for i, line in table_rows(read_lines(doc),
                                  '| Condition | Example | Error |'):
            where = '%s:%d' % (doc, i + 1)
            m = ROW_RE.match(line)
            if not m:
                if not re.match(r'^\|.*\| \(.*\) \| `\w+` \|$', line):
                    fail('%s: row not understood' % where)
                continue
            name, patches, error = m.groups()
            if name not in examples:
                fail('%s: unknown example %s' % (where, name))
            ex = examples[name]
            rows.append({
                'where': '%s:%d' % (os.path.basename(doc), i + 1),
                'cmd': ex['cmd'],
                'versions': ex['versions'],
                'hex': apply_patches(ex['hex'], PATCH_RE.findall(patches),
                                     where),
                'text': None,
                'error': error,
            })
    return rows


def expected_output(case, version):
    ofversion = 'OpenFlow1' + version[2]
    if case['error']:
        return 'bad %s %s: %s\n\n' % (ofversion, case['cmd'], case['error'])
    return 'actions=%s\n\n' % case['text']


def cmd_decode(docs):
    examples = parse_examples(docs)
    rows = parse_rows(docs, examples)
    files = {}
    for case in list(examples.values()) + rows:
        for version in case['versions']:
            key = '%s-OpenFlow1%s' % (case['cmd'], version[2])
            inp, exp = files.setdefault(key, ([], []))
            inp.append('%s %s\n' % (case['where'], case['hex']))
            exp.append('%s\n%s' % (case['where'],
                                    expected_output(case, version)))
    for key, (inp, exp) in sorted(files.items()):
        with open(key + '.in', 'w') as f:
            f.write(''.join(inp))
        with open(key + '.exp', 'w') as f:
            f.write(''.join(exp))
    with open('cases', 'w') as f:
        f.write(''.join('%s\n' % key for key in sorted(files)))
    print('%d examples, %d error rows' % (len(examples), len(rows)))


def cmd_encode(docs):
    n = 0
    with open('encode.in', 'w') as inp, open('encode.exp', 'w') as exp:
        for ex in parse_examples(docs).values():
            if ex['cmd'] == 'actions' and ex['text']:
                flow = 'actions=' + ex['text']
                if ex['match']:
                    flow = ex['match'] + ',' + flow
                inp.write('%s\t%s\n' % (ex['where'], flow))
                exp.write('%s\n%s\n' % (ex['where'], ex['hex']))
                n += 1
    print('%d examples' % n)


def code_line(version, cell):
    cell = cell.strip()
    if cell == 'none':
        return None
    m = re.fullmatch(r'(NX )?(\d+)(?:, (\d+))?', cell)
    if not m:
        fail('error code "%s" not understood' % cell)
    nx, typ, code = m.groups()
    if code is None and not (nx and version >= '1.2'):
        fail('error code "%s" needs a code in OpenFlow %s' % (cell, version))
    if code is not None and nx and version >= '1.2':
        fail('error code "%s": OpenFlow %s has exp_type only' % (cell,
                                                                 version))
    return 'OpenFlow %s: vendor %s, type %s, code %s' % (
        version, '0x2320' if nx else '0', typ, code or '0')


def parse_codes(doc):
    codes = []
    header = '| Error | OpenFlow 1.0 | OpenFlow 1.1 | OpenFlow 1.2 to 1.5 |'
    for i, line in table_rows(read_lines(doc), header):
        m = CODE_RE.match(line)
        if not m:
            fail('%s:%d: row not understood' % (doc, i + 1))
        name, of10, of11, of12 = m.groups()
        cells = [of10, of11, of12, of12, of12, of12]
        codes.append((name, [code_line(v, c)
                             for v, c in zip(VERSIONS, cells)]))
    return codes


def cmd_codes(doc):
    for name, lines in parse_codes(doc):
        print('== %s' % name)
        for line in lines:
            if line:
                print(line)


def cmd_names(docs):
    examples = parse_examples(docs)
    names = {ex['error'] for ex in examples.values() if ex['error']}
    names |= {row['error'] for row in parse_rows(docs, examples)}
    for doc in docs:
        for line in read_lines(doc):
            m = re.match(r'^\|.* \| `([A-Z][A-Z0-9_]+)` \|$', line)
            if m and not CODE_RE.match(line):
                names.add(m.group(1))
    for name in sorted(names):
        print(name)


def cmd_code_names(doc):
    for name in sorted({name for name, _ in parse_codes(doc)}):
        print(name)


def cmd_messages(doc):
    lines = read_lines(doc)
    with open('messages.exp', 'w') as exp, \
            open('messages-names.exp', 'w') as names:
        for i, line in enumerate(lines):
            m = MESSAGE_RE.match(line)
            if not m:
                if line.startswith('**Error message'):
                    fail('%s:%d: heading not understood' % (doc, i + 1))
                continue
            _, version, name, sent_as, request = m.groups()
            print('%s %s %s' % (name, version, request.replace(' ', '')))
            exp.write(hex_block(lines, i + 1, '%s:%d' % (doc, i + 1)) + '\n')
            names.write((sent_as or name) + '\n')


def main():
    if len(sys.argv) < 2:
        fail('usage: l3dsr-doc-wire.py COMMAND DOC...')
    cmd, docs = sys.argv[1], sys.argv[2:]
    if cmd == 'docs-dir':
        here = os.path.dirname(os.path.realpath(__file__))
        print(os.path.normpath(os.path.join(here, '..', 'docs')))
    elif cmd == 'decode':
        cmd_decode(docs)
    elif cmd == 'encode':
        cmd_encode(docs)
    elif cmd == 'codes':
        cmd_codes(docs[0])
    elif cmd == 'names':
        cmd_names(docs)
    elif cmd == 'code-names':
        cmd_code_names(docs[0])
    elif cmd == 'messages':
        cmd_messages(docs[0])
    else:
        fail('unknown command %s' % cmd)


if __name__ == '__main__':
    main()
