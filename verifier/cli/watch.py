"""``margin-verifier check --watch PATH...``: check, then check again on every save, until interrupted.

The watched files are the files under the paths given and every file their checks read (a rule's market catalog,
a scenario's rule).  Their modification times and sizes are polled every :data:`INTERVAL` seconds (no new
dependency, no file-system events to miss on network or container mounts); a file that changed is checked again
in this process, so SymPy, the schemas and the derivations of unchanged formulas are already in memory (an edited
worked example proves nothing again: see :attr:`verifier.model.Rule.derivation_hash`).  Each round writes what
``check`` writes: the diagnostics to stderr, the summary to stdout, after a line on stderr naming what changed.
Ctrl-C stops it; the exit code is that of the last round.
"""

from __future__ import annotations

import os
import sys
import time

INTERVAL = 0.05
"""Seconds between two looks at the files' modification times."""

SETTLE = 0.01
"""Seconds a changed file must stay unchanged before it is checked (an editor's save is not one instant)."""


def watch(paths, args, report, *, interval: float = INTERVAL, rounds: int | None = None) -> int:
    """Check ``paths``, write the result with ``report(reports, problems, args) -> exit code``, then again for
    every change; ``rounds`` (for tests) stops after that many re-checks."""
    from verifier.read import expand_paths
    from verifier.read._yaml import recorded_reads
    from verifier.verify.check import check_file

    reports: dict = {}
    reads: dict = {}

    def check(path):
        with recorded_reads() as read:
            reports[path] = check_file(path)
        reads[path] = read | {os.path.realpath(path)}
        if reports[path].invalid:  # a file it names may not exist yet: watch the folders it would appear in
            folder = os.path.dirname(os.path.realpath(path))
            reads[path] |= {folder} | {entry.path for entry in os.scandir(folder) if entry.is_dir()}

    files, problems = expand_paths(paths)
    for path in files:
        check(path)
    status = report([reports[p] for p in files], problems, args)
    seen = _stamps(reads)
    done = 0
    try:
        while rounds is None or done < rounds:
            time.sleep(interval)
            files, problems = expand_paths(paths)
            now = _stamps(reads)
            if now != seen:  # a save in progress (truncated, then written) is checked once it has settled
                time.sleep(SETTLE)
                if _stamps(reads) != now:
                    continue
            changed = {f for f, stamp in now.items() if seen.get(f) != stamp}
            stale = [p for p in files if p not in reports or reads[p] & changed]
            for gone in set(reports) - set(files):
                reports.pop(gone)
                reads.pop(gone)
            if not stale:
                continue
            started = time.perf_counter()
            for path in stale:
                check(path)
            names = ", ".join(str(p) for p in stale[:3]) + (f" and {len(stale) - 3} more" if len(stale) > 3 else "")
            print(f"\n[{time.strftime('%H:%M:%S')}] {names}: checked again in "
                  f"{time.perf_counter() - started:.2f}s", file=sys.stderr)
            status = report([reports[p] for p in files], problems, args)
            sys.stdout.flush()
            seen = _stamps(reads)
            done += 1
    except KeyboardInterrupt:
        pass
    return status


def _stamps(reads: dict) -> dict:
    """Every watched file -> (modification time, size); a file that is gone -> None."""
    stamps = {}
    for files in reads.values():
        for name in files:
            if name not in stamps:
                try:
                    info = os.stat(name)
                    stamps[name] = (info.st_mtime_ns, info.st_size)
                except OSError:
                    stamps[name] = None
    return stamps
