"""margin-verifier as Python users install it: the wheel, built from the sdist, installed into a fresh virtual
environment outside the checkout (not sharing its packages), and used from a temporary folder: every verb finds the
shipped rules, a user's own rule folder is layered over them, the pytest plugin runs it, and nothing is ever
written into site-packages (caches go to ~/.cache/margin-verifier).

The steps share one build and one environment (module fixtures): the module is one xdist group, which ``make
test`` keeps on one worker (``--dist loadgroup``).  About two minutes, most of it pip installing the dependencies
(from pip's cache when it has them); ``-m "not installed"`` leaves it out of a quick run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from verifier import __version__
from verifier.read.paths import rule_files
from verifier.read.rule_sources import data_date, rule_files_in_force

ROOT = Path(__file__).resolve().parents[1]
EXPORT = ROOT / "tests" / "fixtures" / "ccxt_exports" / "okx-inverse-isolated-2026-01-20.json"
ACCOUNT = ROOT / "examples" / "compare" / "futures-isolated-1000.yaml"
TIERS = ROOT / "tests" / "fixtures" / "ccxt" / "binance-usdm-tiers-2026-09-29.json"

pytestmark = [pytest.mark.installed, pytest.mark.xdist_group("installed")]


def checkout_copy(tmp_path_factory) -> Path:
    """The checkout's files (tracked, and untracked ones git does not ignore: what a fresh clone plus the author's
    new files holds) copied to a private folder.  The sdist is built there, not in the checkout: setuptools builds
    its release tree inside the project folder while the rest of the suite runs beside it (a build in the checkout
    under ``make test`` failed twice with a file of the tree missing, and passed alone)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    copy = tmp_path_factory.mktemp("checkout")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():  # a file another test removed since git listed it is not the project's
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    return copy


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """The sdist and the wheel, as ``python -m build`` makes them (the wheel is built from the sdist)."""
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(checkout_copy(tmp_path_factory))],
                          capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (out / "build.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    return out


def test_the_build_backend_warns_of_nothing(dist):
    """What pip shows of a build are the backend's Python warnings: setuptools deprecated `license = {text = ...}`
    (three blocks of warnings on every `pip install`); the SPDX string needs setuptools >= 77."""
    log = (dist / "build.log").read_text(encoding="utf-8")
    assert "deprecated" not in log.lower() and "SetuptoolsDeprecationWarning" not in log, log[-3000:]


@pytest.fixture(scope="module")
def venv(dist, tmp_path_factory) -> Path:
    """A new virtual environment (no system or checkout packages) with the wheel and pytest installed."""
    where = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True, timeout=300)
    [wheel] = dist.glob("*.whl")
    proc = subprocess.run([str(where / "bin" / "python"), "-m", "pip", "install", "--quiet",
                           "--disable-pip-version-check", str(wheel), "pytest"], capture_output=True, text=True,
                          timeout=1800)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return where


@pytest.fixture(scope="module")
def user(venv, tmp_path_factory) -> dict:
    """A user's working folder (outside the checkout), home (for caches) and environment: the venv's bin/ on PATH,
    no variable of ours, no PYTHONPATH."""
    base = tmp_path_factory.mktemp("user")
    work, home = base / "work", base / "home"
    work.mkdir()
    home.mkdir()
    env = {"PATH": f"{venv / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin", "HOME": str(home), "LANG": "C.UTF-8",
           "NO_COLOR": "1", "COLUMNS": "100"}
    return {"work": work, "home": home, "env": env, "bin": venv / "bin"}


def run(user, *args, program="margin-verifier") -> subprocess.CompletedProcess:
    return subprocess.run([str(user["bin"] / program), *map(str, args)], cwd=user["work"], env=user["env"],
                          capture_output=True, text=True, timeout=1200)


def in_checkout(*args) -> subprocess.CompletedProcess:
    """The same command from the checkout's own (editable) install, for comparison."""
    return subprocess.run([sys.executable, "-m", "verifier", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=1200)


def site_packages(venv) -> Path:
    proc = subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], capture_output=True, text=True, check=True)
    return Path(proc.stdout.strip())


def snapshot(folder: Path) -> dict:
    """Every file and folder under ``folder`` with its size and modification time."""
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


# ------------------------------------------------------------------------------------------------ the artefacts


def test_the_sdist_holds_what_rebuilding_and_testing_need(dist):
    [sdist] = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for needed in ("pyproject.toml", "MANIFEST.in", "Makefile", "mkdocs.yml", "README.md", "ARCHITECTURE.md",
                   "rules/__init__.py", "rules/binance/usdm-perpetual.yaml",
                   "rules/binance/markets/usdm-perpetual/catalog.yaml", "rules/okx/conformance/README.md",
                   "verifier/schemas/rule.schema.json", "tests/test_installed.py", "tests/conftest.py",
                   "tests/fixtures/ccxt/README.md", "docs/tutorial/index.md", "benchmarks/bench_check.py",
                   "tools/import-recorded-data.sh", "examples/my-rules/bybit/usdt-perpetual-classic.yaml",
                   "scenarios/binance-margin-cross-vs-isolated.yaml"):
        assert needed in names, needed
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


def test_the_wheel_carries_every_shipped_file_once_and_no_tests(dist):
    [wheel] = dist.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    shipped = sorted(n.removeprefix("margin_verifier_rules/") for n in names if n.startswith("margin_verifier_rules/")
                     and not n.endswith("__init__.py"))
    in_checkout = sorted(str(p.relative_to(ROOT / "rules")) for p in (ROOT / "rules").rglob("*")
                         if p.is_file() and p.suffix in (".yaml", ".yml", ".json", ".md"))
    assert shipped == in_checkout and len(names) == len(set(names))
    assert "verifier/schemas/rule.schema.json" in names and not [n for n in names if n.startswith("tests/")]


def test_the_environment_is_the_wheels_alone(venv, user):
    proc = run(user, "-c", "import sys, verifier, margin_verifier_rules; print(verifier.__file__); "
                           "print(margin_verifier_rules.__file__); print(sys.path)", program="python")
    lines = proc.stdout.splitlines()
    assert proc.returncode == 0, proc.stderr
    assert lines[0].startswith(str(site_packages(venv))) and lines[1].startswith(str(site_packages(venv)))
    assert str(ROOT) not in lines[2] and sysconfig.get_paths()["purelib"] not in lines[2]


# ------------------------------------------------------------------------------------------------ the commands


def test_every_verb_works_from_any_folder_and_writes_nothing_into_site_packages(venv, user):
    packages = site_packages(venv)
    before = snapshot(packages)
    shipped = packages / "margin_verifier_rules"

    version = run(user, "--version")
    assert version.stdout == f"margin-verifier {__version__}\nrules {data_date(ROOT / 'rules')} (shipped: {shipped})\n"

    listed = run(user, "rules")
    count = len(rule_files_in_force([]))
    assert listed.returncode == 0 and listed.stdout.endswith(f"{count} rules in force ({count} shipped)\n")

    checked = run(user, "check")  # every shipped file, found in site-packages
    assert checked.returncode == 0, checked.stderr[-3000:]
    assert checked.stdout.startswith(f"checked {len(rule_files(ROOT / 'rules'))} files "), checked.stdout
    assert f"{count} rules): 0 problems" in checked.stdout

    shutil.copy(EXPORT, user["work"] / "positions.json")  # a ccxt fetch_positions() export, as a user has one
    evaluate = ["evaluate", "okx/inverse-swap", "positions.json", "--date", "2026-11-28", "--tolerance", "2",
                "--format", "json"]
    evaluated = run(user, *evaluate)
    assert evaluated.returncode == 0, evaluated.stderr
    assert json.loads(evaluated.stdout)["versions"]["rules"] == data_date(ROOT / "rules")
    assert evaluated.stdout == in_checkout(*evaluate[:2], EXPORT, *evaluate[3:]).stdout  # the same answer

    shutil.copy(ACCOUNT, user["work"] / "account.yaml")
    compared = run(user, "compare", "binance/usdm-perpetual", "account.yaml", "--shock", "-10%,-35%")
    assert compared.returncode == 0, compared.stderr
    here = in_checkout("compare", "binance/usdm-perpetual", ACCOUNT, "--shock", "-10%,-35%").stdout
    assert compared.stdout.split("\n", 1)[1] == here.split("\n", 1)[1]  # below the line naming the file

    verified = run(user, "verify", "okx/linear-swap", "--profile", "ci")  # a rule id: no path into site-packages
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "verified 1 rule file with profile ci" in verified.stdout and " 0 failed" in verified.stdout

    refused = run(user, "import", "binance/usdm-perpetual", "--tiers", TIERS, "--source", "freqtrade-2026.9",
                  "--effective", "2026-09-29", "--retrieved", "2026-11-28")
    assert refused.returncode == 2 and "error[MV005]" in refused.stderr and "--rules DIR" in refused.stderr

    assert snapshot(packages) == before  # nothing written there: no cache, no data, no bytecode
    caches = user["home"] / ".cache" / "margin-verifier"
    assert (caches / "check").is_dir() and len([p for p in caches.rglob("*") if p.is_file()]) > 10, \
        sorted(os.listdir(caches))  # check results, derivations, verify results: in the user's cache folder


def test_a_users_rule_folder_over_the_shipped_rules(venv, user):
    packages = site_packages(venv)
    before = snapshot(packages)
    shutil.copytree(ROOT / "examples" / "my-rules", user["work"] / "team-rules")

    tested = run(user, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--mv-rules", "team-rules", "team-rules",
                 program="python")  # the pytest plugin, installed with the wheel
    assert tested.returncode == 0, tested.stdout[-3000:] + tested.stderr[-3000:]
    assert "9 passed" in tested.stdout, tested.stdout

    listed = run(user, "rules", "--rules", "team-rules", "--format", "json")
    origins = {rule["id"]: rule["origin"] for rule in json.loads(listed.stdout)["rules"]}
    assert origins["bybit/usdt-perpetual-classic"] == "team-rules" and origins["okx/linear-swap"] == "shipped"

    (user["work"] / "imports").mkdir()
    imported = run(user, "import", "binance/usdm-perpetual", "--tiers", TIERS, "--source", "freqtrade-2026.9",
                   "--effective", "2026-09-29", "--retrieved", "2026-11-28", "--rules", "imports")
    assert imported.returncode == 0, imported.stderr
    assert "copied the shipped rule binance/usdm-perpetual" in imported.stderr
    assert (user["work"] / "imports" / "binance" / "markets" / "usdm-perpetual" / "catalog.yaml").is_file()
    # pytest itself caches the modules of every installed plugin (ours, Hypothesis') with their asserts rewritten,
    # as __pycache__/*.cpython-3XX-pytest-X.pyc; nothing else is written there
    after = snapshot(packages)
    changed = {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}
    assert not {path for path in changed if not _pytest_bytecode(path)}, sorted(changed)[:10]


def _pytest_bytecode(path: str) -> bool:
    parts = Path(path).parts
    return parts[-1] == "__pycache__" or (len(parts) > 1 and parts[-2] == "__pycache__" and "-pytest-" in parts[-1])
