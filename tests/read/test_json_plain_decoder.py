"""parse_json's decoder made once (verifier.read.inputs._PLAIN_DECODER, used where numbers are read as Decimal) gives
what the reading with its per-call hooks gives: the same data, or the same located refusal (a duplicate key, a
constant, a number beyond the limits, a value nested too deep, broken JSON).  The per-call reading is forced by a
``number`` that is not ``Decimal`` itself but reads the same Decimal."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.read.inputs import DocumentError, parse_json


def _slow_number(text):
    return Decimal(text)


def _outcome(text, **options):
    try:
        data = parse_json(text, "t.jsonl", line=7, **options)
    except DocumentError as exc:
        return "refused", [(d.code, d.message, d.line, d.col, d.json_path) for d in exc.diagnostics]
    return "read", data, repr(data)  # repr: Decimal('1.0') and Decimal('1') are equal, their texts are not


def _same(text, **options):
    fast = _outcome(text, **options)
    assert fast == _outcome(text, number=_slow_number, **options)
    return fast


NUMBERS = st.sampled_from(["0", "-0", "1", "1.0", "-12.5", "0.00000001", "1e5", "1E-5", "2.5e+3", "1" * 20,
                           "1" * 21, "0." + "0" * 19 + "1", "1" * 101, "1e308", "0.5e-100", "1" * 100, "-" + "9" * 21,
                           "123456789012345678.9", "NaN", "Infinity", "-Infinity", "007", "1.", ".5", "1e", "--1"])
KEYS = st.sampled_from(["a", "b", "info", "e1", "1e5", "NaN", "x" * 25])


def _json(depth=0):
    leaf = st.one_of(NUMBERS, st.sampled_from(['"s"', '"1e5"', '"NaN"', "true", "null", '""']))
    if depth >= 3:
        return leaf
    inner = _json(depth + 1)
    objects = st.lists(st.tuples(KEYS, inner), max_size=4).map(
        lambda items: "{" + ", ".join(f'"{k}": {v}' for k, v in items) + "}")
    arrays = st.lists(inner, max_size=4).map(lambda items: "[" + ",".join(items) + "]")
    return st.one_of(leaf, objects, arrays)


@settings(max_examples=400, deadline=None)
@given(_json(), st.booleans())
def test_the_plain_decoder_reads_what_the_hooks_read(text, infinity_allowed):
    _same(text, constants={"Infinity": None} if infinity_allowed else None)


@pytest.mark.parametrize("text", [
    '{"a": 1, "a": 2}',  # a duplicate key
    '[{"positions": [{"x": 1.5, "x": 1.5}]}]',
    '{"a": NaN}', '{"a": Infinity}', '[-Infinity]',  # constants
    '{"a": 1e400}', '[' + "1" * 150 + ']', '[0.' + "1" * 120 + ']',  # beyond the limits
    "[" * 70 + "]" * 70, "[" * 2000 + "]" * 2000,  # nested too deep (the second past Python's recursion)
    '{"a": 1,}', '{"a": }', "[1, 2", "",  # broken
    '[{"info": {"positionAmt": "-0.5"}, "contracts": 0.5, "side": "short", "entryPrice": 60000.1}]',
])
def test_each_kind_of_refusal_is_the_same(text):
    _same(text)


def test_a_ccxt_line_is_read_as_the_hooks_read_it():
    line = json.dumps([{"info": {"symbol": "BTCUSDT", "positionAmt": "0.009"}, "symbol": "BTC/USDT:USDT",
                        "contracts": 0.009, "contractSize": 1.0, "entryPrice": 67445.9, "leverage": 20.0,
                        "hedged": False, "collateral": None}])
    kind, data, _ = _same(line)
    assert kind == "read" and data[0]["entryPrice"] == Decimal("67445.9") and type(data[0]["leverage"]) is Decimal
