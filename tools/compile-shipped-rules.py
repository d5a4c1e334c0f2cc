"""Compile every shipped rule for evaluating accounts and write its program beside the package
(verifier/jobs/compiled/<exchange>/<product>.program, package data: a first `margin-verifier evaluate` after install
then needs no SymPy and no derivation; verifier/jobs/programs.py says when one is used).

Run it after changing a shipped rule, its market catalog (an import) or the code that reads, derives or compiles
rules: tests/jobs/test_programs.py fails until the shipped programs are those of the files and the code in the
checkout.

Run:  .venv/bin/python tools/compile-shipped-rules.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.pop("MARGIN_VERIFIER_TODAY", None)  # the day written is today's: a program is used from then on
os.environ.pop("MARGIN_VERIFIER_RULES", None)

from verifier.jobs.programs import SHIPPED, ship  # noqa: E402
from verifier.read.paths import is_catalog_file, is_conformance_file, rule_files  # noqa: E402
from verifier.read.rule_sources import rules_root  # noqa: E402


def main() -> None:
    root = rules_root()
    ids = sorted(path.relative_to(root).with_suffix("").as_posix() for path in rule_files(root)
                 if not is_catalog_file(path) and not is_conformance_file(path))
    written = {ship(rule_id) for rule_id in ids}
    for stale in set(SHIPPED.rglob("*.program")) - written:  # a rule removed: its program goes too
        stale.unlink()
    for path in sorted(written):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
