"""The corpus of invalid ccxt exports (tests/corpus/ccxt/invalid/, made by tests/corpus/make_invalid_exports.py from
recorded exports): each is refused by ``evaluate`` with exit 2 and its stated diagnostic, located at the position
(or balance entry) and field, nothing written to stdout."""

from __future__ import annotations

from pathlib import Path

import pytest

from diagnostic_lines import errors

from verifier.cli.main import main

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "ccxt" / "invalid"
CASES = sorted(CORPUS.glob("*.json"))


def expectation(path: Path) -> dict:
    lines = path.with_name(path.name + ".expect").read_text(encoding="utf-8").splitlines()
    return dict(line[2:].split(": ", 1) for line in lines[1:])


def test_the_corpus_is_as_its_generator_writes_it():
    from importlib import util

    spec = util.spec_from_file_location("make", CORPUS.parents[1] / "make_invalid_exports.py")
    make = util.module_from_spec(spec)
    spec.loader.exec_module(make)
    assert sorted(p.stem for p in CASES) == sorted(make.MISTAKES) and len(CASES) >= 20


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_invalid_export_is_refused_at_its_field(path, capsys):
    expected = expectation(path)
    code = main(["evaluate", expected["rule"], str(path), "--date", "2025-10-30"])
    out = capsys.readouterr()
    assert code == 2 and out.out == "", out.err
    found = errors(out.err)
    first = found[0]
    assert first["code"] == expected["expect"], out.err
    line = next(text for text in out.err.splitlines() if f"error[{first['code']}]" in text)
    assert expected["message"] in line, out.err  # the message or its hint (the rule that fits)
    assert (first["path"] or "$").startswith(expected["path"]), out.err
    assert first["file"] == str(path) and int(first["line"]) >= 1 and "Traceback" not in out.err
