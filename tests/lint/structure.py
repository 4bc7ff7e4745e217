#!/usr/bin/env python3
"""
The house rule of STYLE.md, checked by `make lint-structure` (and so by
`make check`). Three checks, each printing what it looked at:

1. Includes. Every file under src/ follows the nearest .may_include at or
   above its folder (src/core/, src/service/, src/refuged/, src/tools/; the
   tools' one covers their subfolders); every header in include/refuge/
   follows the .may_include of its layer's folder. A .may_include holds one
   pattern a line (# starts a comment):
       <stdio.h>     a system or library header; globs work: <sys/*.h>, <*>
       @core         any project header of that layer (core, service,
                     refuged, tools): a header in include/refuge/ of that
                     layer, or one beside the sources in src/<layer>/
       <yaml.h> .c   a second word ".c": allowed in .c files only, so a
                     header never hands that library to its includers
   A header in include/refuge/ takes the layer of the folder that holds
   its name's .c: foo.h is the layer whose folder has foo.c or foo_*.c.
   Failing that, a suffix is dropped (opproto_client.h goes with opproto.c,
   store_backend.h with store.c: a client or a backend of a module is of
   its module's layer). Failing that too, HEADER_LAYERS below decides.
   Adding a module: put foo.c in its layer's folder and foo.h in
   include/refuge/; nothing to edit here. Adding a header with no .c of
   its name: add it to HEADER_LAYERS with a reason.

2. Symbols. `nm -u` on the pure cores' library (build/libcore.a): no
   object may need the event loop, SQLite, logging, files, sockets, TLS or
   clocks (FORBIDDEN below). The offending symbol and object are named.

3. Sizes. A .c file under src/ has at most MAX_FILE_LINES lines; a function
   at most MAX_FUNCTION_LINES, counted from the line that names it (the
   return type is on the line above, at column 0) through its closing "}"
   at column 0. Exceptions live in tests/lint/structure-exceptions, one a
   line: "path max reason" for a file, "path:function max reason" for a
   function, max being the size allowed for now. Adding one: the reason is
   required; keep max at today's size so that it cannot grow unnoticed.
   An exception no longer needed is reported as a note: remove it.

Usage: structure.py [--root DIR] [--libcore FILE] [--nm NM]
       [--exceptions FILE]. Exit status 0 when clean, 1 otherwise.
"""
import argparse
import fnmatch
import os
import re
import subprocess
import sys

SCRIPT = 'tests/lint/structure.py'
MAX_FILE_LINES = 800
MAX_FUNCTION_LINES = 100

LAYERS = ('core', 'service', 'refuged', 'tools')

# Headers in include/refuge/ with no .c of their name nor of a stem of it:
# name -> (layer, why). A .c of the name in another layer is an error.
HEADER_LAYERS = {
    'change.h': ('core', 'typed records of what the stack did, pure data '
                 'that each audience\'s codec (a pure core) formats'),
    'dc09.h': ('core', 'the pure DC-09 codec (src/core/dc09.c); dc09_net.c '
               '(service) and dc09_link.c (refuged) have headers of their '
               'own'),
}

# nm rule: patterns of symbols no pure core may need, by what owns them.
FORBIDDEN = [
    ('the event loop is a service\'s (conn, listener, metrics)',
     ['event_*', 'evbuffer_*', 'bufferevent_*', 'evconn*', 'evhttp*',
      'evutil_*', 'evdns_*']),
    ('SQL is the store\'s', ['sqlite3_*', 'PQ*', 'lo_*', 'pg_*']),
    ('pure code never logs or prints',
     ['log_*', 'syslog', 'vsyslog', 'openlog', 'printf', 'vprintf',
      'fprintf', 'vfprintf', 'dprintf', 'puts', 'fputs', 'putchar',
      'fputc', 'perror', 'err', 'errx', 'warn', 'warnx', 'verr', 'verrx',
      'vwarn', 'vwarnx', 'stdout', 'stderr', '__fprintf_chk',
      '__printf_chk', '__vfprintf_chk']),
    ('files are the services\' (confload reads the configuration)',
     ['fopen', 'fopen64', 'freopen', 'freopen64', 'fdopen', 'open',
      'open64', 'openat', 'openat64', '__open_2', '__open64_2',
      '__openat_2', 'creat', 'creat64', 'opendir', 'fdopendir', 'scandir',
      'scandir64', 'readdir', 'readdir64', 'access', 'faccessat',
      'eaccess', 'euidaccess', 'stat', 'stat64', 'fstat', 'fstat64',
      'lstat', 'lstat64', 'fstatat', 'fstatat64', 'statx', '__xstat',
      '__xstat64', '__fxstat', '__fxstat64', '__lxstat', '__lxstat64',
      '__fxstatat', '__fxstatat64', 'read', 'pread', 'pread64', 'readv',
      'preadv', '__read_chk', 'fread', 'fread_unlocked', '__fread_chk',
      'fgets', '__fgets_chk', 'getline', 'getdelim', 'fgetc', 'getc',
      'fscanf', 'readlink', 'realpath', 'mmap', 'mmap64', 'glob',
      'fclose', 'fileno', 'ferror', 'feof', 'fseek', 'fseeko', 'ftell',
      'ftello', 'rewind', 'write', 'pwrite', 'pwrite64', 'writev',
      'fwrite', 'fflush', 'fsync', 'fdatasync', 'close', 'unlink',
      'unlinkat', 'rename', 'renameat', 'mkdir', 'rmdir', 'mkstemp',
      'mkdtemp', 'tmpfile', 'chmod', 'fchmod', 'chown', 'fchown',
      'ftruncate', 'truncate']),
    ('sockets are the services\'',
     ['socket', 'connect', 'bind', 'listen', 'accept', 'accept4', 'send',
      'sendto', 'sendmsg', 'recv', 'recvfrom', 'recvmsg', 'getaddrinfo']),
    ('TLS is tlsctx\'s and conn\'s', ['SSL_*', 'TLS_*']),
    ('clocks are timenow\'s',
     ['time', 'clock_gettime', 'gettimeofday']),
]

FUNCTION_NAME = re.compile(r'^([A-Za-z_]\w*)\s*\(')
INCLUDE = re.compile(r'^\s*#\s*include\s*(.*?)\s*(?:/[/*].*)?$')


class Lint:
    def __init__(self, root):
        self.root = root
        self.problems = []
        self.notes = []

    def rel(self, path):
        """path relative to the root when it is under it, else as given."""
        rel = os.path.relpath(os.path.abspath(path), self.root)
        return path if rel.startswith('..') else rel

    def problem(self, where, text):
        self.problems.append('%s: %s' % (where, text))

    def note(self, where, text):
        self.notes.append('%s: note: %s' % (where, text))


def source_files(root, exts):
    """Files under src/ ending in one of exts, sorted."""
    out = []
    for top, dirs, files in os.walk(os.path.join(root, 'src')):
        dirs.sort()
        out.extend(os.path.join(top, f) for f in sorted(files)
                   if f.endswith(exts))
    return out


def read_lines(path):
    with open(path, encoding='utf-8', errors='replace') as f:
        return f.read().split('\n')


# ---- 1. includes -------------------------------------------------------

def layer_sources(root):
    """Per layer, the names of its .c files (the tools' subfolders too)."""
    names = {}
    for layer in LAYERS:
        top = os.path.join(root, 'src', layer)
        found = set()
        for _, _, files in os.walk(top):
            found.update(f[:-2] for f in files if f.endswith('.c'))
        names[layer] = found
    return names


def derive_layers(stem, sources):
    """Layers whose folder holds stem.c or stem_*.c."""
    return sorted(layer for layer in LAYERS
                  if any(n == stem or n.startswith(stem + '_')
                         for n in sources[layer]))


def classify_headers(lint):
    """Maps each include/refuge/ header to its layer."""
    sources = layer_sources(lint.root)
    hdir = os.path.join(lint.root, 'include', 'refuge')
    layers = {}
    for name in sorted(os.listdir(hdir)) if os.path.isdir(hdir) else []:
        if not name.endswith('.h'):
            continue
        where = 'include/refuge/' + name
        stem = name[:-2]
        found = derive_layers(stem, sources)
        while not found and '_' in stem:
            stem = stem.rsplit('_', 1)[0]
            found = derive_layers(stem, sources)
        table = HEADER_LAYERS.get(name, (None, None))[0]
        if len(found) == 1 and table and table != found[0]:
            lint.problem(where, 'HEADER_LAYERS says %s but %s.c is in '
                         'src/%s/: fix the table in %s' %
                         (table, stem, found[0], SCRIPT))
        elif len(found) == 1:
            layers[name] = found[0]
        elif table:
            layers[name] = table
        elif found:
            lint.problem(where, '%s.c or %s_*.c in several layers (%s): '
                         'add it to HEADER_LAYERS in %s' %
                         (stem, stem, ', '.join(found), SCRIPT))
        else:
            lint.problem(where, 'no layer: no %s.c in src/{%s}/, and not '
                         'in HEADER_LAYERS in %s' %
                         (name[:-2], ','.join(LAYERS), SCRIPT))
    return layers


def read_may_include(lint, path):
    """[(pattern, c_only)] from a .may_include file."""
    rules = []
    for n, line in enumerate(read_lines(path), 1):
        words = line.split('#', 1)[0].split()
        if not words:
            continue
        ok = (words[0].startswith('<') and words[0].endswith('>')) or \
            words[0][1:] in LAYERS and words[0][0] == '@'
        if not ok or len(words) > 2 or (len(words) == 2 and words[1] != '.c'):
            lint.problem('%s:%d' % (lint.rel(path), n),
                         'expected <header>, @layer, optionally then .c')
            continue
        rules.append((words[0], len(words) == 2))
    return rules


def nearest_may_include(lint, folder):
    src = os.path.join(lint.root, 'src')
    while True:
        candidate = os.path.join(folder, '.may_include')
        if os.path.isfile(candidate):
            return candidate
        if os.path.normpath(folder) == os.path.normpath(src) or \
                folder == os.path.dirname(folder):
            return None
        folder = os.path.dirname(folder)


def folder_layer(lint, path):
    """The layer of a file under src/<layer>/, or None."""
    parts = lint.rel(path).split(os.sep)
    if len(parts) >= 3 and parts[0] == 'src' and parts[1] in LAYERS:
        return parts[1]
    return None


def resolve_quoted(lint, including, name, headers):
    """(shown name, layer or None, problem or None) for #include "name"."""
    beside = os.path.normpath(os.path.join(os.path.dirname(including), name))
    incdir = os.path.join(lint.root, 'include')
    for path in (beside, os.path.normpath(os.path.join(incdir, name))):
        if not os.path.isfile(path):
            continue
        rel = lint.rel(path)
        if rel.startswith('include' + os.sep + 'refuge' + os.sep):
            base = os.path.basename(rel)
            return 'refuge/' + base, headers.get(base), None
        layer = folder_layer(lint, path)
        if layer is None:
            return rel, None, 'not a header of any layer'
        return rel, layer, None
    return name, None, 'no such header beside it or in include/'


def check_includes_of(lint, path, rules, who, headers):
    """Checks path's #include lines against rules; who names the rules."""
    is_c = path.endswith('.c')
    for n, line in enumerate(read_lines(path), 1):
        m = INCLUDE.match(line)
        if not m:
            continue
        where = '%s:%d' % (lint.rel(path), n)
        target = m.group(1)
        usable = [p for p, c_only in rules if is_c or not c_only]
        if target.startswith('<') and target.endswith('>') and \
                not target.startswith('<refuge/'):
            if not any(fnmatch.fnmatchcase(target, p) for p in usable
                       if p.startswith('<')):
                c_only = any(fnmatch.fnmatchcase(target, p)
                             for p, c in rules if c and p.startswith('<'))
                lint.problem(where, '#include %s: %s %s' % (target, who,
                             'allows it in .c files only' if c_only
                             else 'does not allow it'))
            continue
        if target.startswith('<refuge/'):
            target = '"%s"' % target[1:-1]
        if not (target.startswith('"') and target.endswith('"')):
            lint.problem(where, '#include %s: expected "..." or <...>' %
                         target)
            continue
        shown, layer, trouble = resolve_quoted(lint, path, target[1:-1],
                                               headers)
        if trouble:
            lint.problem(where, '#include %s: %s' % (target, trouble))
        elif layer is None:
            lint.problem(where, '#include %s: %s has no layer' %
                         (target, shown))
        elif '@' + layer not in usable:
            lint.problem(where, '#include %s: %s is a %s header; %s allows '
                         'no %s header' % (target, shown, layer, who, layer))


def check_includes(lint):
    headers = classify_headers(lint)
    cache = {}

    def rules_for(mi):
        if mi not in cache:
            cache[mi] = read_may_include(lint, mi)
        return cache[mi]

    files = source_files(lint.root, ('.c', '.h'))
    counts = {}
    for path in files:
        mi = nearest_may_include(lint, os.path.dirname(path))
        if mi is None:
            lint.problem(lint.rel(path), 'no .may_include in its folder or '
                         'above it under src/')
            continue
        check_includes_of(lint, path, rules_for(mi), lint.rel(mi), headers)
        key = os.path.dirname(lint.rel(mi))
        counts[key] = counts.get(key, 0) + 1
    for name, layer in sorted(headers.items()):
        mi = os.path.join(lint.root, 'src', layer, '.may_include')
        if not os.path.isfile(mi):
            lint.problem('include/refuge/' + name, 'its layer %s has no '
                         'src/%s/.may_include' % (layer, layer))
            continue
        check_includes_of(lint, os.path.join(lint.root, 'include', 'refuge',
                                             name), rules_for(mi),
                          '%s headers follow %s, which' %
                          (layer, lint.rel(mi)), headers)
    by_layer = {}
    for layer in headers.values():
        by_layer[layer] = by_layer.get(layer, 0) + 1
    print('structure: includes of %d files under src/ (%s) and %d headers '
          'in include/refuge/ (%s)' %
          (len(files), ', '.join('%s %d' % kv for kv in sorted(counts.items())),
           len(headers), ', '.join('%s %d' % (layer, by_layer[layer])
                                   for layer in LAYERS if layer in by_layer)))


# ---- 2. symbols --------------------------------------------------------

def check_symbols(lint, libcore, nm):
    shown = lint.rel(libcore)
    if not os.path.isfile(libcore):
        lint.problem(shown, 'missing: build it first (make lint-structure '
                     'does)')
        return
    try:
        out = subprocess.run([nm, '-A', '-u', libcore], check=True,
                             capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        lint.problem(shown, '%s -A -u failed: %s' % (nm, e))
        return
    objects, symbols = set(), 0
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 3 or fields[-2] not in ('U', 'w', 'v'):
            continue
        member = fields[0].rstrip(':').split(':')[-1]
        symbol = fields[-1].split('@')[0]
        objects.add(member)
        symbols += 1
        for why, patterns in FORBIDDEN:
            if any(fnmatch.fnmatchcase(symbol, p) for p in patterns):
                source = 'src/core/%s.c' % member[:-2] \
                    if member.endswith('.o') else member
                lint.problem(shown, '%s (%s) needs %s: %s' %
                             (member, source, symbol, why))
                break
    print('structure: nm -u %s: %d undefined symbols in %d objects, checked '
          'against %d forbidden patterns' %
          (shown, symbols, len(objects), sum(len(p) for _, p in FORBIDDEN)))


# ---- 3. sizes ----------------------------------------------------------

def read_exceptions(lint, path):
    """{key: (max, line)} where key is path or path:function."""
    table = {}
    if not os.path.isfile(path):
        return table
    for n, line in enumerate(read_lines(path), 1):
        words = line.split('#', 1)[0].split(None, 2)
        if not words:
            continue
        where = '%s:%d' % (lint.rel(path), n)
        if len(words) < 3 or not words[1].isdigit():
            lint.problem(where, 'expected "path[:function] max reason"')
            continue
        table[words[0]] = (int(words[1]), where)
    return table


def functions(lines):
    """(name, first line, length) of each function, as the house writes them."""
    for i, line in enumerate(lines):
        if line != '{':
            continue
        j = i - 1
        while j >= 0 and j > i - 30 and lines[j] and \
                not FUNCTION_NAME.match(lines[j]):
            j -= 1
        m = FUNCTION_NAME.match(lines[j]) if j >= 0 else None
        if not m:
            continue
        k = i + 1
        while k < len(lines) and not lines[k].startswith('}'):
            k += 1
        yield m.group(1), j + 1, k - j + 1


def check_sizes(lint, exceptions_path):
    exceptions = read_exceptions(lint, exceptions_path)
    used = set()
    nfiles = nfuncs = 0

    def limit(key, size, default):
        if key in exceptions:
            used.add(key)
            allowed, where = exceptions[key]
            if size <= default:
                lint.note(where, '%s is %d lines now: the exception is no '
                          'longer needed' % (key, size))
            return allowed, ' (its exception)'
        return default, ''

    for path in source_files(lint.root, ('.c',)):
        rel = lint.rel(path)
        lines = read_lines(path)
        count = len(lines) - 1 if lines[-1] == '' else len(lines)
        nfiles += 1
        allowed, whose = limit(rel, count, MAX_FILE_LINES)
        if count > allowed:
            lint.problem(rel, '%d lines, more than %d%s' %
                         (count, allowed, whose))
        for name, first, length in functions(lines):
            nfuncs += 1
            key = '%s:%s' % (rel, name)
            allowed, whose = limit(key, length, MAX_FUNCTION_LINES)
            if length > allowed:
                lint.problem('%s:%d' % (rel, first), '%s(): %d lines, more '
                             'than %d%s' % (name, length, allowed, whose))
    for key, (_, where) in sorted(exceptions.items()):
        if key not in used:
            lint.note(where, '%s not found: remove its exception' % key)
    print('structure: sizes of %d .c files (at most %d lines) and %d '
          'functions (at most %d lines), %d exceptions in %s' %
          (nfiles, MAX_FILE_LINES, nfuncs, MAX_FUNCTION_LINES,
           len(exceptions), lint.rel(exceptions_path)))



def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description='Checks the three-layer rule.')
    ap.add_argument('--root', default=os.path.dirname(os.path.dirname(here)))
    ap.add_argument('--libcore', help='default ROOT/build/libcore.a')
    ap.add_argument('--nm', default=os.environ.get('NM', 'nm'))
    ap.add_argument('--exceptions',
                    help='default ROOT/tests/lint/structure-exceptions')
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    lint = Lint(root)
    check_includes(lint)
    check_symbols(lint, args.libcore or os.path.join(root, 'build',
                                                     'libcore.a'), args.nm)
    check_sizes(lint, args.exceptions or os.path.join(
        root, 'tests', 'lint', 'structure-exceptions'))
    for line in lint.notes:
        print(line)
    for line in lint.problems:
        print(line)
    if lint.problems:
        print('structure: %d problem%s (the rules: %s)' %
              (len(lint.problems), '' if len(lint.problems) == 1 else 's',
               SCRIPT))
        return 1
    print('structure: ok')
    return 0


if __name__ == '__main__':
    sys.exit(main())
