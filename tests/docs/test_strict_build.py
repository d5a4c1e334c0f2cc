"""The main job's site build fails on any warning: `--strict` without `--quiet` (which would hide the warnings
strict mode counts), shown on a small site whose API docstring has a bad cross-reference."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def site_build_options() -> list:
    """The options of the Makefile's `mkdocs build` (the main job's), --site-dir and its value left out."""
    line = next(line for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
                if "mkdocs build" in line)
    words = shlex.split(line.split("mkdocs build", 1)[1])
    out, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word in ("--site-dir", "-d"):
            skip = True
        else:
            out.append(word)
    return out


def test_the_main_job_builds_strictly_and_shows_warnings():
    options = site_build_options()
    assert "--strict" in options
    assert not {"--quiet", "-q"} & set(options), "--quiet hides the warnings --strict fails on"


def _site(tmp_path: Path, docstring: str) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# API\n\n::: example_module\n", encoding="utf-8")
    (tmp_path / "example_module.py").write_text(f'"""{docstring}"""\n\nVALUE = 1\n', encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: strict\nplugins:\n  - mkdocstrings:\n      handlers:\n        python:\n          paths: [.]\n",
        encoding="utf-8")
    return tmp_path


def _build(site: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", *site_build_options(), "-d",
                           str(site / "out")], cwd=site, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("docstring, fails", [
    ('An example: the first position is ``data["positions"][0]`` written without code marks: data["x"][0].', True),
    ("An example with nothing to resolve.", False),
])
def test_a_docstring_with_a_bad_cross_reference_fails_the_build(tmp_path, docstring, fails):
    proc = _build(_site(tmp_path, docstring))
    assert (proc.returncode != 0) == fails, proc.stdout + proc.stderr
    if fails:
        assert re.search(r"cross-reference", proc.stderr), proc.stderr
