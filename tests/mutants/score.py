"""Run ``verify`` on every mutant and print the mutation score (rejected / total), naming what rejected each, then
per check and property the mutants it kills (a property that kills none is listed too: it is untested).

    .venv/bin/python tests/mutants/score.py [--profile ci] [--jobs N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_mutants import mutants, path_of  # noqa: E402


def rejected_by(report) -> set:
    """Names of what rejected a mutant: 'check' (invalid file), 'examples', 'published_proofs' or a property."""
    names = set()
    if report.invalid or report.rule_id is None:
        names.add("check")
    for row in report.rows:
        if row.status in ("fail", "error"):
            names.add(row.prop or row.name)
    return names


def main(argv=None) -> int:
    from verifier.verify.properties import properties
    from verifier.verify.runner import verify_paths

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", default="ci", choices=["dev", "ci", "thorough"])
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: one per CPU)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    caught = expected = 0
    all_mutants = mutants()
    kills: dict = {}
    reports, _ = verify_paths([path_of(m) for m in all_mutants], profile=args.profile, jobs=args.jobs)
    by_file = {Path(r.file).resolve(): r for r in reports}
    for m in all_mutants:
        report = by_file[Path(path_of(m)).resolve()]
        names = rejected_by(report)
        for name in names:
            kills.setdefault(name, []).append(m["id"])
        caught += bool(names)
        expected += m["catch"] in names
        mark = "caught " if names else "MISSED "
        print(f"{mark} {m['id']:<45} expected {m['catch']:<45} rejected by: {', '.join(sorted(names)) or '-'}")
    total = len(all_mutants)
    print("\nkills per check and property:")
    for name in sorted({p.name for p in properties()} | {"check", "examples", "published_proofs"} | set(kills)):
        killed = kills.get(name, [])
        print(f"  {name:<55} {len(killed):>3}  {', '.join(killed) or '-'}")
    print(f"\nmutation score: {caught}/{total} mutants rejected ({100 * caught / total:.0f} %); "
          f"{expected}/{total} by the expected check; {time.perf_counter() - start:.0f}s")
    return 0 if caught == total else 1


if __name__ == "__main__":
    sys.exit(main())
