"""The site's compare pages are compare's own output: the page holds exactly what the CLI prints."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

from verifier.docs.compare_examples import EXAMPLES, FUTURES
from verifier.docs.compare_howto import compare_howto_page
from verifier.docs.cross_vs_isolated import cross_vs_isolated_page
from verifier.docs.layout import COMPARE_HOWTO, CROSS_VS_ISOLATED

ROOT = Path(__file__).resolve().parents[2]


def cli(*args) -> str:
    done = subprocess.run([sys.executable, "-m", "verifier", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def typed(example) -> list:
    """The arguments of the command the page shows, as a shell splits it."""
    return shlex.split(example.command())[1:]


def test_cross_vs_isolated_page_shows_what_compare_prints(monkeypatch):
    monkeypatch.chdir(ROOT)  # the commands on the page are typed from the repository
    page = cross_vs_isolated_page([], ROOT / "scenarios", ROOT)
    assert page.path == CROSS_VS_ISOLATED
    for example in EXAMPLES:
        printed = cli(*typed(example), "--format", "markdown")
        assert printed in page.markdown
        assert example.command() in page.markdown
        svg = page.assets[f"assets/charts/compare-{example.name}.svg"]
        assert b'id="liquidation-isolated' in svg
    # shock, cross liquidated, lost, equity left, isolated liquidated, lost, equity left
    assert "| -10% | - | 1,500 USDT | 3,500 USDT | BTC/USDT:USDT | 1,000 USDT | 4,000 USDT |" in page.markdown
    assert "**Verdict: isolated loses less at both shocks" in page.markdown
    assert 'id="liquidation-cross' in page.assets["assets/charts/compare-hedged.svg"].decode()


def test_howto_shows_the_command_and_its_real_output(monkeypatch):
    monkeypatch.chdir(ROOT)
    page = compare_howto_page(ROOT)
    assert page.path == COMPARE_HOWTO
    assert "$ " + FUTURES.command() in page.markdown
    assert cli(*typed(FUTURES)).rstrip("\n") in page.markdown
