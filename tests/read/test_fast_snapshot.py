"""The compiled snapshot check (read/account.py fast_snapshot, read_snapshot_text) against the schema and the located
reader: it accepts only what they read without a problem, reads the same exact numbers, and accepts the ordinary
snapshots (it is not a check that refuses everything).  Drawn snapshots are valid ones and broken ones (a field
misspelt, of the wrong type, missing, negative, null where a number must be, an unknown value); drawn texts are
their JSON with the texts a JSON reader and the YAML-based located reader might read differently (escapes, tabs,
control characters, duplicate keys, huge exponents, NaN, a byte-order mark)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from verifier.errors import VerifierError
from verifier.read import _yaml
from verifier.read import account as reader
from verifier.read.account import account_from_data, fast_snapshot, read_account, read_snapshot_text

SCHEMA = json.loads((Path(reader.__file__).parents[1] / "schemas" / "account.schema.json").read_text())

numbers = st.one_of(
    st.decimals(min_value=-10, max_value=10**7, places=6, allow_nan=False).map(str),
    st.floats(min_value=-10, max_value=10**7, allow_nan=False, allow_infinity=False),
    st.integers(-10, 10**7),
    st.sampled_from(["1e5", "+5", ".5", "5.", " 7 ", "1_000", "1/3", "0x10", "", "nan", "1e999", "-0"]),
    st.sampled_from(["1e100", "1.5e100", "1e101", "0.5e-100", "1e-100", "9" * 100, "9" * 101, "0." + "0" * 99 + "1",
                     "  0.000000000000000001", 10**100 - 1, 10**100, 1.5e100, 1e101, 1e-100, 1e-101, -1e-150,
                     "0.004", "1", "-0.1", "0"]),  # the reading layer's limits, and the ranges' bounds
    st.sampled_from([None, True, [], {}]))
"""Numbers as a snapshot may give them, and values the schema refuses for a decimal."""


@st.composite
def positions(draw):
    position = {"symbol": draw(st.sampled_from(["BTC/USDT:USDT", "ETH/USDT:USDT", "", 5])),
                "side": draw(st.sampled_from(["long", "short", "up"])),
                "contracts": draw(numbers), "entryPrice": draw(numbers), "markPrice": draw(numbers)}
    for name in ("contractSize", "collateral", "leverage", "maintenanceMarginPercentage", "maintenanceAmount",
                 "notional", "takerFeeRate", "id", "timestamp", "hedged", "entryprice", "info", "lastPrice",
                 "unrealizedPnl"):
        if draw(st.integers(0, 5)) == 0:
            position[name] = draw(numbers)
    for name in list(position):
        if draw(st.integers(0, 15)) == 0:
            del position[name]
    return position


@st.composite
def snapshots(draw):
    """Mostly valid futures snapshots (the draws Hypothesis finds simplest are clean ones), some broken."""
    clean = draw(st.integers(0, 2)) < 2
    if clean:
        items = draw(st.lists(st.fixed_dictionaries({
            "symbol": st.sampled_from(["BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT", "XRP/USDT:USDT"]),
            "side": st.sampled_from(["long", "short"]),
            "contracts": st.decimals(0, 10**4, places=4).map(str), "entryPrice": st.floats(0.01, 10**5),
            "markPrice": st.integers(1, 10**5)}, optional={
            "collateral": st.one_of(st.none(), st.floats(0, 10**6)), "contractSize": st.sampled_from([1, "0.01"]),
            "leverage": st.integers(1, 125), "maintenanceMarginPercentage": st.sampled_from(["0.004", 0.01]),
            "unrealizedPnl": st.one_of(st.none(), st.floats(-10, 10))}), min_size=1, max_size=4,
            unique_by=lambda p: p["symbol"]))  # one position a market (two: MV613, drawn among the broken)
    else:
        items = draw(st.lists(positions(), min_size=0, max_size=3))
    data = {"marginMode": draw(st.sampled_from(["cross", "isolated"] + ([] if clean else ["crossed", None]))),
            "positions": items}
    for name, values in (("walletBalance", numbers), ("positionMode", st.sampled_from(["one-way", "hedge", "x"])),
                         ("mode", st.sampled_from(["isolated", "", 3])), ("leverage", numbers),
                         ("balances", st.just({})), ("walletbalance", numbers)):
        if draw(st.integers(0, 5)) == 0 and (not clean or name in ("walletBalance", "positionMode")):
            data[name] = draw(values)
    if clean and "walletBalance" in data and not isinstance(data["walletBalance"], (int, float, str)):
        del data["walletBalance"]
    return data


def _fields(account) -> list:
    return [(p.symbol, p.side, {k: Fraction(v) for k, v in p.fields.items()}) for p in account.positions]


def _read(call):
    try:
        return call()
    except VerifierError:
        return None
    except (ValueError, TypeError, ArithmeticError):  # a value the reference cannot read at all
        return None


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(snapshots())
def test_the_compiled_check_accepts_only_what_the_reader_reads_and_reads_the_same(data):
    fast = fast_snapshot(data)
    event("checked" if fast is not None else "left to the reader")
    if fast is None:
        return
    reference = account_from_data(data)  # never raises for what the compiled check accepts
    assert _fields(fast) == _fields(reference)
    assert (fast.margin_mode, fast.position_mode, fast.wallet_balance, fast.mode, fast.leverage, fast.kind) == (
        reference.margin_mode, reference.position_mode, reference.wallet_balance, reference.mode,
        reference.leverage, reference.kind)


DOUBTS = ["\t", "\\u0041", "\u2028", "\ufeff", "\x07", "\x85", "NaN", "1e101", "-1E-150"]


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(snapshots(), st.sampled_from(["", "duplicate", *DOUBTS]), st.integers(0, 10**6), st.booleans())
def test_a_file_is_read_from_its_bytes_only_where_the_located_reader_reads_the_same(tmp_path_factory, data, doubt,
                                                                                     where, indented):
    text = json.dumps(data, indent=2 if indented else None)
    if doubt == "duplicate":
        text = text.replace('"marginMode"', '"marginMode": "cross", "marginMode"', 1)
    elif doubt:
        at = where % (len(text) + 1)
        if doubt[0].isalnum() or doubt[0] == "-":  # a number where a value is
            text = re.sub(r'("markPrice": )[^,}]+', lambda m: m.group(1) + doubt, text, count=1)
        elif doubt == "\\u0041":
            text = text.replace("BTC", "\\u0042TC", 1)
        else:
            text = text[:at] + doubt + text[at:]
    path = tmp_path_factory.mktemp("snapshot") / "s.json"
    path.write_bytes(text.encode("utf-8"))
    fast = read_snapshot_text(path.read_bytes(), str(path))
    event("read from its bytes" if fast is not None else "left to the located reader")
    if fast is None:
        return
    reference = read_account(path)  # never raises for what the compiled check reads
    assert _fields(fast) == _fields(reference)
    assert (fast.margin_mode, fast.wallet_balance) == (reference.margin_mode, reference.wallet_balance)


def test_ordinary_snapshots_pass_the_compiled_check(tmp_path):
    snapshot = {"marginMode": "isolated", "positions": [
        {"symbol": "BTC/USDT:USDT", "side": "long", "contracts": "0.5", "contractSize": 1, "entryPrice": 60000.1,
         "markPrice": "59000.5", "collateral": None, "leverage": 10, "id": "abc", "timestamp": 1700000000000}]}
    assert fast_snapshot(snapshot) is not None
    assert fast_snapshot({**snapshot, "walletBalance": Decimal("1.5E+3")}) is not None
    path = tmp_path / "s.json"
    path.write_text(json.dumps(snapshot, indent=2))
    account = read_snapshot_text(path.read_bytes(), str(path))
    assert account is not None and account.positions[0].fields["entryPrice"] == Fraction("60000.1")


def test_what_the_compiled_check_leaves_to_the_reader():
    base = {"marginMode": "isolated", "positions": [
        {"symbol": "BTC/USDT:USDT", "side": "long", "contracts": "1", "entryPrice": 1, "markPrice": 1}]}
    broken = [
        {**base, "positions": [{**base["positions"][0], "contracts": "-1"}]},  # MV602, said by the reader
        {**base, "positions": [{**base["positions"][0], "entryprice": 1}]},  # an unknown field
        {**base, "marginMode": "crossed"},
        {**base, "positions": []},
        {**base, "balances": {}},
        {**base, "positions": [{**base["positions"][0], "contracts": float("nan")}]},
        {**base, "positions": ({**base["positions"][0]},)},  # a tuple: the API's reader makes it a list first
    ]
    for data in broken:
        assert fast_snapshot(data) is None, data


def test_the_limits_and_fields_are_the_readers_and_the_schemas():
    assert (reader.MAX_FILE_BYTES, reader.MAX_NODES) == (_yaml.MAX_FILE_BYTES, _yaml.MAX_NODES)
    position = SCHEMA["$defs"]["position"]["properties"]
    assert set(position) == reader._UNREAD | set(reader.READ_FIELDS) | {"symbol", "side"}
    assert reader._DECIMALS == {name for name, spec in position.items() if spec.get("$ref") == "#/$defs/decimal"}
    optional = {name for name, spec in position.items() if spec.get("$ref") == "#/$defs/optionalDecimal"}
    assert reader._OPTIONAL == optional & set(reader.READ_FIELDS)
    assert reader._UNREAD_DECIMALS == optional - set(reader.READ_FIELDS)
    assert set(reader._decimal_fields()) == reader._DECIMALS | optional
    assert set(SCHEMA["$defs"]["futures"]["properties"]) == reader._TOP_KEYS
    assert reader._DECIMAL_TEXT.pattern == SCHEMA["$defs"]["decimal"]["anyOf"][1]["pattern"]


SEMANTIC_CHECKS = "1a5959da"  # the digest of read/account.py's _semantic_problems the compiled check mirrors


def test_the_checks_beyond_the_schema_are_the_ones_the_compiled_check_mirrors():
    """The compiled check refuses what _semantic_problems refuses in a futures snapshot (today: a number beyond
    the reading layer's limits, a negative contracts, a rate or amount out of its range, two positions in one market
    or on one side of it in hedge mode).  When those checks change, make fast_snapshot refuse what they now refuse, then update the digest."""
    import hashlib
    import inspect

    digest = hashlib.sha256(inspect.getsource(reader._semantic_problems).encode()).hexdigest()[:8]
    assert digest == SEMANTIC_CHECKS, "read/account.py's _semantic_problems changed: mirror it in fast_snapshot"
