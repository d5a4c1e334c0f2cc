"""Fuzzing: arbitrary documents and formula strings raise only the project's own error types."""

import string

import sympy
from hypothesis import given
from hypothesis import strategies as st

from verifier.errors import FormulaError
from verifier.formula import DIMENSIONLESS, Term, parse_formula, parse_unit
from verifier.read import DocumentError, read_document
from verifier.read.rule import build_rule
from verifier.read._schema import schema_diagnostics

ENV = {name: Term(sympy.Symbol(name, positive=True), unit) for name, unit in
       [("P", parse_unit("quote/base")), ("q", parse_unit("base")), ("WB", parse_unit("quote")),
        ("MMR", DIMENSIONLESS)]}

formula_alphabet = st.sampled_from(list("PqWBMR+-*/^()<=>., 0123456789e_") + ["and", "or", "not", "min(", "abs(",
                                                                            "if", "else", "**", "__", "'"])


@given(st.one_of(st.text(max_size=80), st.lists(formula_alphabet, max_size=40).map("".join)))
def test_any_formula_text_parses_or_raises_formula_error(text):
    try:
        parse_formula(text, ENV)
    except FormulaError as exc:
        assert str(exc)


yaml_alphabet = st.sampled_from(list(string.printable) + ["- ", ": ", "{", "}", "[", "]", "&a ", "*a", "!!",
                                                         "\n  ", "---", "? ", "|", ">", "'", '"'])


@given(st.lists(yaml_alphabet, max_size=60).map("".join))
def test_any_text_reads_or_raises_document_error(text):
    try:
        read_document(text, "fuzz.yaml")
    except DocumentError as exc:
        assert all(d.line >= 1 for d in exc.diagnostics)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20)

RULE_KEYS = ["format", "rule", "title", "exchange", "product", "price", "sources", "symbols", "definitions", "modes",
             "conditions", "tiers", "examples", "published", "parameters"]


@given(st.dictionaries(st.sampled_from(RULE_KEYS), json_values, max_size=10))
def test_any_document_gives_diagnostics_not_exceptions(data):
    from verifier.read._yaml import Document

    doc = Document("fuzz.yaml", data, {(): (1, 1)}, {}, "")
    problems = schema_diagnostics(doc, "rule")
    if not problems:
        build_rule(doc)
