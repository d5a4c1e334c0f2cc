"""Docs tests: build the site once per session (from a small rule subset, to stay fast) and provide Chromium.

Chromium is Debian's ``chromium`` package. Every test that uses the ``browser`` fixture is marked ``browser``
(deselect them with ``-m "not browser"``). When /usr/bin/chromium is missing and we run as root (CI), it is
installed with apt-get (the project installs the system package it needs from its own files, as the README says);
otherwise the browser tests are skipped with the reason.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# The subset of rules the test site is built from: enough for every page kind, fast to prove.
SUBSET = ["binance"]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


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


def pytest_collection_modifyitems(items):
    """A test that drives Chromium is marked ``browser`` (pyproject.toml), so it can be deselected."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """Build the site with `mkdocs build --strict` into a temporary folder; returns that folder."""
    work = tmp_path_factory.mktemp("site")
    rules = work / "rules"
    for name in SUBSET:
        shutil.copytree(ROOT / "rules" / name, rules / name)
    out = work / "site"
    env = dict(os.environ, MARGIN_VERIFIER_DOCS_RULES=str(rules), NO_MKDOCS_2_WARNING="1")
    # its own process group: on a timeout the build's worker processes are killed with it, not left running
    proc = subprocess.Popen([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"),
                             "-d", str(out)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        pytest.fail(f"mkdocs build --strict did not finish in 300 s (killed with its workers):\n{stdout}\n{stderr}")
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{stdout}\n{stderr}"
    return out


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def server(built_site):
    handler = functools.partial(_Quiet, directory=str(built_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def browser():
    reason = ensure_chromium()
    if reason:
        pytest.skip(reason)
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install '.[test]')")
    with tempfile.TemporaryDirectory(prefix="mv-chromium-") as profile:
        with sync_api.sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile, executable_path=str(CHROMIUM), headless=True, args=FLAGS,
                viewport={"width": 1280, "height": 900})
            yield context
            context.close()


def open_page(browser, url):
    """Open url; returns (page, console errors, requests to other hosts)."""
    page = browser.new_page()
    errors, foreign = [], []
    host = urllib.parse.urlsplit(url).netloc
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: foreign.append(r.url)
            if urllib.parse.urlsplit(r.url).scheme in ("http", "https")
            and urllib.parse.urlsplit(r.url).netloc != host else None)
    page.goto(url, wait_until="networkidle")
    return page, errors, foreign
