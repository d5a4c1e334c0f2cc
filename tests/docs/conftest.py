"""Docs tests: build the site once per session (from a small rule subset, to stay fast) and provide Chromium.

Chromium is Debian's ``chromium`` package: when /usr/bin/chromium is missing and we run as root, it is
installed with apt-get; otherwise the browser test is skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# The subset of rules the test site is built from: enough for every page kind, fast to prove.
SUBSET = ["binance"]


def ensure_chromium() -> str | None:
    """None when Chromium is ready, else the reason it is not."""
    if CHROMIUM.exists():
        return None
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return "Chromium is not installed; run as root (or: apt-get install -y chromium chromium-driver)"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "install", "-y", "chromium", "chromium-driver"],
                    ["apt-get", "update"], ["apt-get", "install", "-y", "chromium", "chromium-driver"]):
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        if command[1] == "install" and CHROMIUM.exists():
            return None
    return "apt-get could not install Debian's chromium package"


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """Build the site with `mkdocs build --strict` into a temporary folder; returns that folder."""
    work = tmp_path_factory.mktemp("site")
    rules = work / "rules"
    for name in SUBSET:
        shutil.copytree(ROOT / "rules" / name, rules / name)
    out = work / "site"
    env = dict(os.environ, MARGIN_VERIFIER_DOCS_RULES=str(rules), NO_MKDOCS_2_WARNING="1")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f",
                           str(ROOT / "mkdocs.yml"), "-d", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    return out
