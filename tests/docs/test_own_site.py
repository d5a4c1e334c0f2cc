"""A project that depends on margin-verifier builds a site of its own rules: the MkDocs plugin takes its rule folder
the way ``--rules`` gives one to a command (:mod:`verifier.read.rule_sources`), here without the shipped rules."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

MKDOCS = """site_name: Team rules
plugins:
  - margin-verifier:
      rules: {rules}
      shipped: false
"""


def build(project: Path, rules: str) -> subprocess.CompletedProcess:
    (project / "docs").mkdir(exist_ok=True)
    (project / "mkdocs.yml").write_text(MKDOCS.format(rules=rules))
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "MARGIN_VERIFIER_CACHE": str(project / ".cache")}
    env.pop("MARGIN_VERIFIER_RULES", None)
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", "site"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=600)


def test_a_site_of_a_projects_own_rules(tmp_path):
    shutil.copytree(ROOT / "examples" / "my-rules", tmp_path / "team-rules")
    proc = build(tmp_path, "team-rules")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    site = tmp_path / "site"
    page = (site / "rules" / "bybit" / "usdt-perpetual-classic" / "index.html").read_text(encoding="utf-8")
    assert "classic account, isolated margin (tutorial)" in page and "9,850" in page  # its page, its examples
    assert (site / "rules" / "bybit" / "usdt-perpetual-classic.yaml").is_file()  # the rule file beside it
    assert not (site / "rules" / "binance").exists() and not (site / "how-to").exists()  # nothing of ours


def test_a_site_whose_rule_folder_is_missing_fails_the_strict_build(tmp_path):
    proc = build(tmp_path, "nowhere")
    assert proc.returncode != 0
    assert "error[MV003]: the margin-verifier plugin's 'rules' " in proc.stderr and "no such folder" in proc.stderr
