"""The ccxt reader's written-out schema check (read/ccxt_export.py plainly_valid) against the schema itself: a
position it accepts is one the validator finds no error in (so skipping the validator for it changes no message),
and it accepts the ordinary positions (it is not a check that refuses everything).  Drawn positions mix valid and
broken values for every field the schema names; the invalid export corpus goes through it too."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from verifier.read.ccxt_export import _validator, plainly_valid

CORPUS = Path(__file__).parents[1] / "corpus" / "ccxt" / "invalid"

values = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 10**30), st.floats(), st.decimals(), st.fractions(),
    st.sampled_from(["1.5", " 2 ", "1e5", "1e1234", "+.5", "5.", "", "nan", "0x10", "1/3", "long", "short", "a\n",
                     "1\n", "isolated", "-0"]),
    st.lists(st.integers(0, 2), max_size=2), st.dictionaries(st.sampled_from(["a", "b"]), st.integers(), max_size=2))
"""Anything a JSON reader could hand over for a field (and what the exact reader gives: Decimal, Fraction)."""

FIELDS = ("symbol", "side", "marginMode", "isolated", "hedged", "info", "contracts", "contractSize", "entryPrice",
          "markPrice", "leverage", "collateral", "notional", "liquidationPrice", "maintenanceMarginPercentage",
          "unrealizedPnl", "timestamp", "id")


@st.composite
def positions(draw):
    """Mostly plausible positions (a symbol, a side, numbers), each field at times replaced by any value."""
    item = {"symbol": draw(st.sampled_from(["BTC/USDT:USDT", "ETH/USDT:USDT"])),
            "side": draw(st.sampled_from(["long", "short", None])),
            "contracts": draw(st.one_of(st.floats(0, 10**6), st.decimals(0, 10**6, places=4).map(str)))}
    for name in FIELDS:
        if draw(st.integers(0, 12)) == 0:
            item[name] = draw(values)
    for name in list(item):
        if draw(st.integers(0, 12)) == 0:
            del item[name]
    return draw(st.one_of(st.just(item), st.just(item), st.just(item), values))


@given(positions())
def test_what_it_accepts_the_schema_accepts(item):
    if plainly_valid(item):
        assert not list(_validator().iter_errors(item))


def test_it_accepts_ordinary_positions():
    ordinary = {"info": {"symbol": "BTCUSDT"}, "symbol": "BTC/USDT:USDT", "contracts": 0.5, "contractSize": 1.0,
                "entryPrice": "60000", "markPrice": Decimal("59000.5"), "side": "short", "marginMode": "isolated",
                "hedged": False, "isolated": None, "leverage": 10, "collateral": Fraction(1, 2),
                "liquidationPrice": None, "notional": " 1e3 ", "timestamp": 1700000000000}
    assert plainly_valid(ordinary) and not list(_validator().iter_errors(ordinary))


def test_the_invalid_corpus_is_never_plainly_valid_where_the_schema_refuses():
    seen = 0
    for path in sorted(CORPUS.glob("*.json")):
        try:
            data = json.loads(path.read_text())
        except ValueError:
            continue
        items = data if isinstance(data, list) else data.get("positions", []) if isinstance(data, dict) else []
        for item in items if isinstance(items, list) else []:
            seen += 1
            if plainly_valid(item):
                assert not list(_validator().iter_errors(item)), path.name
    assert seen
