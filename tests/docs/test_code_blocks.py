"""Every code block of the hand-written docs runs, and shows what it says (docs/**/*.md, the site's pages).

The convention (also in ARCHITECTURE.md, "Docs"), by the fence's language:

* ``sh``: each line starting with ``$ `` is a command (a trailing ``\\`` continues it on the next line), run by
  bash from the repository root with ``.venv/bin`` first on PATH, no colour, 100 columns and a cache of its own.
  The lines after a command, up to the next one, are its expected stdout, compared as doctest does with ELLIPSIS
  (``...`` stands for any text, also for whole lines). A command must exit 0, unless its last expected line is
  ``[exit N]``. Write ``2>&1`` to show what a command writes to stderr (diagnostics go there).
* ``python``: a doctest (``>>>`` lines and their output), run from the repository root.
* ``yaml``: a block whose first line is ``# file: PATH`` is an excerpt of that file of the repository, verbatim,
  and the file, if it is a rule, tier table, scenario or account snapshot, must pass ``margin-verifier check``; any other block must be valid YAML for our strict reader (a
  fragment of a rule, say), and a GitHub Actions workflow's ``margin-verifier`` commands must parse.
* ``json``: valid JSON; an account snapshot must read as one (``verifier.read.account``).
* ``text``: not code (a sample of output, a grammar); not run.

Any other language fails, so nothing slips through unrun.
"""

from __future__ import annotations

import doctest
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from shared_derivations import own_cache

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
FENCE = re.compile(r"^(?P<indent>[ ]*)```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```[ ]*$", re.M | re.S)
LANGUAGES = ("sh", "python", "yaml", "json", "text")
CHECKER = doctest.OutputChecker()


def blocks():
    for page in sorted(DOCS.rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        for found in FENCE.finditer(text):
            indent = len(found["indent"])
            body = "".join(line[indent:] + "\n" for line in found["body"].rstrip("\n").split("\n"))
            line = text[:found.start()].count("\n") + 1
            yield pytest.param(found["lang"], body, id=f"{page.relative_to(DOCS)}:{line}")


BLOCKS = list(blocks())


def test_the_docs_have_code_blocks_of_every_runnable_kind():
    assert {p.values[0] for p in BLOCKS} >= {"sh", "python", "yaml", "json"}


@pytest.fixture(scope="session")
def shell_env(tmp_path_factory):
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "MARGIN_VERIFIER_NO_CACHE")}
    # a cache of the docs' own, the suite's derivations shared (tests/shared_derivations.py): no page shows a cold
    # derivation, and the unified page's check derived its three rules from nothing
    env.update({"PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}", "NO_COLOR": "1",
                "COLUMNS": "100", "MARGIN_VERIFIER_CACHE": str(own_cache(tmp_path_factory.mktemp("docs-cache")))})
    return env


def commands(body: str):
    """(command, expected output, expected exit code) for each ``$`` line of a shell block."""
    out, command, expected = [], None, []
    lines = iter(body.splitlines())
    for line in lines:
        if line.startswith("$ "):
            if command is not None:
                out.append((command, expected))
            command, expected = line[2:], []
            while command.endswith("\\"):
                command = command[:-1] + "\n" + next(lines)
        elif command is None:
            raise AssertionError(f"a shell block starts with a line that is not a '$ ' command: {line!r}")
        else:
            expected.append(line)
    if command is not None:
        out.append((command, expected))
    result = []
    for command, expected in out:
        code = 0
        if expected and re.fullmatch(r"\[exit \d+\]", expected[-1].strip()):
            code = int(expected.pop().strip()[6:-1])
        result.append((command, "".join(line + "\n" for line in expected), code))
    return result


@pytest.mark.parametrize("lang, body", BLOCKS)
def test_code_block(lang, body, shell_env):
    assert lang in LANGUAGES, f"code block language {lang!r}: use one of {', '.join(LANGUAGES)}"
    if lang == "sh":
        for command, expected, code in commands(body):
            proc = subprocess.run(["bash", "-c", command], cwd=ROOT, env=shell_env, capture_output=True, text=True,
                                  timeout=600)
            assert proc.returncode == code, f"$ {command}\nexit {proc.returncode}\n{proc.stdout}{proc.stderr}"
            assert CHECKER.check_output(expected, proc.stdout, doctest.ELLIPSIS), \
                f"$ {command}\n--- expected\n{expected}--- got\n{proc.stdout}"
    elif lang == "python":
        _run_doctest(body)
    elif lang == "yaml":
        _yaml_block(body, shell_env)
    elif lang == "json":
        _json_block(body)


def _run_doctest(body: str) -> None:
    parser = doctest.DocTestParser()
    test = parser.get_doctest(body, {}, "docs", "docs", 0)
    assert test.examples, "a python block holds a doctest: '>>> ' lines and what they print"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    old = os.getcwd()
    os.chdir(ROOT)
    try:
        runner.run(test, out=lambda text: pytest.fail(text, pytrace=False))
    finally:
        os.chdir(old)


def _yaml_block(body: str, env) -> None:
    from verifier.read import read_document

    first, _, rest = body.partition("\n")
    if first.startswith("# file: "):
        path = ROOT / first[len("# file: "):].strip()
        assert path.is_file(), f"{path} does not exist"
        assert rest in path.read_text(encoding="utf-8"), f"the block is not an excerpt of {path} as it is now"
        from verifier.read import read_file
        from verifier.read.kinds import kind_of

        if kind_of(read_file(path).data) is None:
            return  # another tool's file (a pre-commit configuration, say): the excerpt is all there is to test
        proc = subprocess.run([sys.executable, "-m", "verifier", "check", str(path)], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return
    document = read_document(body, "<docs block>")
    data = document.data if isinstance(document.data, dict) else {}
    if "jobs" in data:  # a GitHub Actions workflow: every margin-verifier command it runs must parse
        from verifier.cli.main import build_parser

        found = 0
        for job in data["jobs"].values():
            for step in job.get("steps", []):
                for line in str(step.get("run", "")).splitlines():
                    words = shlex.split(line.split(">")[0])
                    if words and words[0].endswith("margin-verifier"):
                        build_parser().parse_args(words[1:])
                        found += 1
        assert found, "the workflow runs no margin-verifier command"


def _json_block(body: str) -> None:
    data = json.loads(body)
    from verifier.read.kinds import kind_of

    if kind_of(data) == "account":
        from verifier.read.account import account_from_data

        account_from_data(data)
