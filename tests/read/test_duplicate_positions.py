"""A group of positions in one market where the mode holds one (issue 28, item 4): one MV613 naming every position
of the group, at its second, in a snapshot (one-way; hedge: one side) -- not one error per extra duplicate.  The
ccxt export's reader says the same (tests/cli/test_ccxt_export.py)."""

from __future__ import annotations

import pytest

from verifier.errors import VerifierError
from verifier.read.account import account_from_data


def _position(symbol, side="long"):
    return {"symbol": symbol, "side": side, "contracts": "1", "entryPrice": "100", "markPrice": "100",
            "collateral": "10"}


def _problems(data):
    with pytest.raises(VerifierError) as caught:
        account_from_data(data)
    return [d for d in caught.value.diagnostics if d.code == "MV613"]


def test_three_positions_in_one_market_are_one_error_naming_all_three():
    data = {"marginMode": "isolated", "positions": [_position("BTC/USDT:USDT"), _position("BTC/USDT:USDT"),
                                                   _position("ETH/USDT:USDT"), _position("BTC/USDT:USDT")]}
    [problem] = _problems(data)
    assert problem.message == ("three positions in BTC/USDT:USDT (positions 0, 1 and 3): one-way mode holds one "
                               "position a market")
    assert problem.json_path == "$.positions[1].symbol"


def test_two_groups_are_two_errors_in_the_order_of_their_second_positions():
    data = {"marginMode": "isolated", "positions": [_position("ETH/USDT:USDT"), _position("BTC/USDT:USDT"),
                                                   _position("BTC/USDT:USDT"), _position("ETH/USDT:USDT"),
                                                   _position("ETH/USDT:USDT")]}
    problems = _problems(data)
    assert [p.message.split(":")[0] for p in problems] == ["two positions in BTC/USDT", "three positions in ETH/USDT"]
    assert "(positions 0, 3 and 4)" in problems[1].message


def test_hedge_mode_groups_by_side():
    data = {"marginMode": "isolated", "positionMode": "hedge",
            "positions": [_position("BTC/USDT:USDT"), _position("BTC/USDT:USDT", "short"),
                          _position("BTC/USDT:USDT"), _position("BTC/USDT:USDT")]}
    [problem] = _problems(data)
    assert problem.message.startswith("three positions in BTC/USDT:USDT on the long side (positions 0, 2 and 3)")
