"""Hostile formulas and files: each is refused quickly, with a clear message, and has no side effect.

A canary file in the working directory must survive every input; nothing may be imported, executed,
read or written on the rule author's behalf.
"""

import time  # CPU time (process_time) bounds the work a hostile input can cause; wall time would measure the
#             machine's load (a shared CI runner), not the reader
from pathlib import Path

import pytest
import sympy

from verifier.errors import FormulaError
from verifier.formula import DIMENSIONLESS, Term, parse_formula
from verifier.read import check_file

ENV = {"x": Term(sympy.Symbol("x", real=True), DIMENSIONLESS)}

HOSTILE_FORMULAS = [
    "__import__('os').system('touch pwned')",
    "x.__class__.__mro__[1].__subclasses__()",
    "(lambda: 1)()",
    "[c for c in ().__class__.__base__.__subclasses__()]",
    "{k: 1 for k in x}",
    "(y := 1)",
    "__builtins__",
    "_x",
    "open('/etc/passwd').read()",
    "exec('1')",
    "eval('1')",
    "getattr(x, 'real')",
    "x[0]",
    "*x",
    "f'{x}'",
    "9**9**9**9",
    "x ** 99999999",
    "10 ** 1000",
    "(" * 10000 + "1" + ")" * 10000,
    "(" * 50 + "x" + ")" * 50,
    "x + " * 400 + "x",
    "1" * 5000,
    "1e99999999",
    "x if x > 0 else __import__('os')",
    "Symbol('x')",
    "sympify('x')",
    "x; import os",
    "x\nimport os",
    "yield x",
    "await x",
    "b'bytes'",
    "1j",
    "...",
    "None",
    "True",
]


@pytest.fixture(autouse=True)
def canary(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "canary.txt"
    marker.write_text("intact")
    yield
    assert marker.read_text() == "intact"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["canary.txt"] or not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("text", HOSTILE_FORMULAS, ids=lambda t: t[:30])
def test_hostile_formula_is_refused_quickly(text):
    start = time.process_time()
    with pytest.raises(FormulaError) as info:
        parse_formula(text, ENV)
    assert time.process_time() - start < 1.0
    assert str(info.value)  # a message a person can read
    assert not Path("pwned").exists()


RULE_HEAD = """format: 1
rule: x/y
title: t
exchange: x
product: linear-perpetual
price: P
sources: {s: {title: t, url: "https://x.example", retrieved: 2026-01-01}}
symbols: {P: {unit: quote/base, meaning: p}}
modes: {cross: {account: cross, meaning: m}}
conditions: {liquidation: {when: "P <= 0", source: s}}
"""

HOSTILE_FILES = {
    "python-object-tag": RULE_HEAD + "definitions: !!python/object/apply:os.system ['touch pwned']\n",
    "python-name-tag": RULE_HEAD + "definitions: !!python/name:os.system\n",
    "custom-tag": RULE_HEAD + "definitions: !Ref x\n",
    "alias-bomb": "a: &a [1,1,1,1,1,1,1,1,1,1]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)),
    "recursive-alias": "a: &a [*a]\n",
    "deep-nesting": "a: " + "[" * 5000 + "]" * 5000 + "\n",
    "formula-injection": RULE_HEAD + "definitions: {d: {formula: \"__import__('os').system('touch pwned')\", source: s}}\n",
    "billion-keys": "\n".join(f"k{i}: {i}" for i in range(300_000)) + "\n",
    "huge-number": RULE_HEAD + "definitions: {d: {formula: P, source: s}}\nexamples: [{name: n, source: s, mode: cross, given: {P: 1e999999}, expect: {d: 1}}]\n",
    "control-characters": "a: \x00\x01\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_hostile_file_is_refused_quickly_with_a_located_message(name, tmp_path):
    path = tmp_path / f"{name}.yaml"
    path.write_text(HOSTILE_FILES[name])
    start = time.process_time()
    result = check_file(path)
    elapsed = time.process_time() - start
    path.unlink()
    assert result.diagnostics, f"{name} was accepted"
    assert elapsed < 5.0, f"{name} took {elapsed:.1f}s"
    first = result.diagnostics[0]
    assert first.file.endswith(f"{name}.yaml") and first.message
    assert not Path("pwned").exists()


def test_huge_file_is_refused_without_reading_it_all(tmp_path):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as handle:
        handle.write(b"a: 1\n")
        handle.seek(64 * 1024 * 1024)
        handle.write(b"\n")
    start = time.process_time()
    result = check_file(path)
    path.unlink()
    assert result.diagnostics[0].code == "MV104"
    assert time.process_time() - start < 1.0
