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
import subprocess
import sys
import tempfile
from pathlib import Path

# The bytes written must be a function of the code, the rules and the day alone, so that two runs (two branches, two
# machines) write the same files and a merge never conflicts on them.  Two things made them vary: the programs are
# pickles holding frozensets of names, whose order follows str hashes (randomised per process), and a pickle shares
# equal strings by object identity, which differs between an object just derived and one read back from the disk
# cache.  So the work runs in a child process with a fixed hash seed and an empty cache of its own.
if os.environ.get("_COMPILE_SHIPPED_CHILD") != "1":
    with tempfile.TemporaryDirectory(prefix="margin-verifier-compile-") as cache:
        env = {**os.environ, "PYTHONHASHSEED": "0", "MARGIN_VERIFIER_CACHE": cache, "_COMPILE_SHIPPED_CHILD": "1"}
        sys.exit(subprocess.run([sys.executable, *sys.argv], env=env).returncode)

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
