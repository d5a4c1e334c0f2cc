"""Properties of ``compare`` over generated accounts (Hypothesis): what cross and isolated margin mean.

Each example runs the derive stage's liquidation prices and the reference simulator's shocks; the examples are
few (each is a real simulation) and the accounts stay in the markets' first brackets' neighbourhood.
"""

from __future__ import annotations

import datetime
import math
from fractions import Fraction as F

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from verifier.compare import compare
from verifier.model.whatif import Allocation, Move, PriceStep, Shock
from verifier.read import load_rule
from verifier.read.account import account_from_data
from verifier.report.compare import max_loss
from verifier.report.numbers import decimal_text

DATE = datetime.date(2026, 10, 1)
MARKS = {"BTC/USDT:USDT": F(60000), "ETH/USDT:USDT": F(3000), "SOL/USDT:USDT": F(150)}
FEW = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


STEPS = {"BTC/USDT:USDT": F(1, 1000), "ETH/USDT:USDT": F(1, 100), "SOL/USDT:USDT": F(1, 10)}
"""Contracts are a whole number of these (each worth 60, 30 and 15 USDT at the entry)."""
RULE = load_rule("binance/usdm-perpetual")  # module-level, not a fixture: Hypothesis would print its repr


def _position(symbol, side, steps, leverage, drift):
    mark = MARKS[symbol]
    return {"symbol": symbol, "side": side, "contracts": decimal_text(steps * STEPS[symbol]),
            "entryPrice": decimal_text(mark), "markPrice": decimal_text(mark * (1 + drift)),
            "leverage": str(leverage)}


@st.composite
def cross_accounts(draw, sides=st.sampled_from(["long", "short"]), markets=None):
    """A cross account of 1-3 markets, wallet 1-3x the positions' initial margins (so 'initial' fits)."""
    symbols = draw(st.lists(st.sampled_from(sorted(MARKS)), min_size=1, max_size=3, unique=True)
                   if markets is None else st.just(markets))
    positions, initial = [], F(0)
    for symbol in symbols:
        steps = draw(st.integers(20, 600))
        leverage = draw(st.integers(2, 10))
        positions.append(_position(symbol, draw(sides), steps, leverage, F(draw(st.integers(-10, 10)), 1000)))
        initial += steps * STEPS[symbol] * MARKS[symbol] / leverage
    wallet = math.ceil(initial * F(draw(st.integers(100, 300)), 100))
    return {"marginMode": "cross", "walletBalance": str(wallet), "positions": positions}


def _healthy(data, allocations=()):
    """The comparison at the marks, when no position is already at a margin call or worse in either mode (the
    simulator cannot open those: compare says so with MV655, and a property has nothing to say about them)."""
    result = compare(RULE, [account_from_data(data)], allocations=allocations, date=DATE)
    priced = list(result.closed.cross.values()) + list(result.closed.isolated.values())
    assume(all(p.status == "normal" for p in priced))
    return result


def _shock(label, moves) -> Shock:
    return Shock(label, (PriceStep(label, moves=tuple(moves)),))


def _uniform(move) -> Shock:
    return _shock(str(move), [Move(move)])


def _against(data, size) -> Shock:
    """Every market moved against the position in it by ``size`` (longs down, shorts up)."""
    moves = [Move(-size if p["side"] == "long" else size, p["symbol"]) for p in data["positions"]]
    return _shock(f"against {size}", moves)


@FEW
@given(data=cross_accounts(), share=st.integers(1, 30))
def test_isolated_max_loss_is_the_sum_of_allocations(data, share):
    rule = RULE
    """A move deep against every position loses at most the allocations: each isolated position liquidated loses
    exactly its allocation, the others nothing realised (at the default, initial margin at 2x-10x, every one is
    liquidated; a large percentage of the wallet can back a position beyond what the move can take)."""
    for allocations in ((), (Allocation("percent", F(share, 100)),)):
        _healthy(data, allocations)
        result = compare(rule, [account_from_data(data)], allocations=allocations, shocks=[_against(data, F(9, 10))],
                         date=DATE)
        allocated = sum(a.amount for a in result.allocated.values())
        assert max_loss(result)["isolated"] == {"USDT": allocated}
        step = result.outcomes[0].last
        gone = [h.index for h in result.book.holdings if h.label in step.isolated.liquidated]
        assert step.isolated.realised_loss == {"USDT": sum((result.allocated[i].amount for i in gone), F(0))}
        if not allocations:
            assert len(gone) == len(data["positions"]) and step.isolated.realised_loss == {"USDT": allocated}
        assert result.agrees, result.disagreements


@FEW
@given(data=cross_accounts(), moves=st.lists(st.integers(-60, 60), min_size=1, max_size=3))
def test_a_cross_liquidation_takes_every_cross_position(data, moves):
    rule = RULE
    _healthy(data)
    shocks = [_uniform(F(m, 100)) for m in moves] + [_against(data, F(abs(moves[0]), 100))]
    result = compare(rule, [account_from_data(data)], shocks=shocks, date=DATE)
    everyone = tuple(h.label for h in result.book.holdings)
    for outcome in result.outcomes:
        assert outcome.last.cross.liquidated in ((), everyone)
        if outcome.last.cross.liquidated:
            assert outcome.last.cross.equity["USDT"] <= 0 or outcome.last.cross.realised_loss["USDT"] > 0
    assert result.agrees, result.disagreements


@FEW
@given(data=cross_accounts(markets=["BTC/USDT:USDT"]), share=st.integers(1, 99))
def test_a_lone_position_backed_by_more_in_cross_liquidates_further_from_the_mark(data, share):
    rule = RULE
    result = compare(rule, [account_from_data(data)], allocations=[Allocation("percent", F(share, 100))], date=DATE)
    cross, isolated = result.closed.cross[0], result.closed.isolated[0]
    assert result.wallets["USDT"].cross_wallet > result.allocated[0].amount
    if isolated.liquidation_price is not None and cross.liquidation_price is not None:
        assert abs(cross.distance) > abs(isolated.distance)
    else:  # backed so well it never liquidates in cross (a short can always rise; a long's price stays above 0)
        assert cross.liquidation_price is None or isolated.liquidation_price is None


@FEW
@given(data=cross_accounts(sides=st.just("long")), sizes=st.lists(st.integers(1, 95), min_size=2, max_size=4,
                                                                   unique=True))
def test_losses_are_monotone_in_the_shock_size(data, sizes):
    """Long positions only and falls only: a larger fall never loses less nor leaves more equity, in either mode."""
    rule = RULE
    sizes = sorted(sizes)
    _healthy(data)
    result = compare(rule, [account_from_data(data)], shocks=[_uniform(F(-s, 100)) for s in sizes], date=DATE)
    for mode in ("cross", "isolated"):
        steps = [o.last.mode(mode) for o in result.outcomes]
        for smaller, larger in zip(steps, steps[1:]):
            assert larger.realised_loss["USDT"] >= smaller.realised_loss["USDT"]
            assert larger.equity["USDT"] <= smaller.equity["USDT"]
            assert set(smaller.liquidated) <= set(larger.liquidated)


@FEW
@given(data=cross_accounts(markets=["BTC/USDT:USDT"]), share=st.integers(5, 60),
       epsilon=st.sampled_from([F(1, 10**6), F(1, 10**4), F(1, 100)]))
def test_the_shock_table_agrees_with_the_liquidation_prices(data, share, epsilon):
    """A shock just past a liquidation price liquidates that position; one just short of it does not."""
    rule = RULE
    result = _healthy(data, [Allocation("percent", F(share, 100))])
    holding = result.book.holdings[0]
    for mode, priced in (("cross", result.closed.cross[0]), ("isolated", result.closed.isolated[0])):
        if priced.distance is None:
            continue
        outward = epsilon if priced.distance > 0 else -epsilon
        past, short = priced.distance + outward, priced.distance - outward
        if past <= -1:
            continue
        shocked = compare(rule, [account_from_data(data)], allocations=[Allocation("percent", F(share, 100))],
                          shocks=[_uniform(past), _uniform(short)], date=DATE)
        beyond, before = (o.last.mode(mode).liquidated for o in shocked.outcomes)
        assert beyond == (holding.label,), (mode, priced.liquidation_price, past)
        assert before == (), (mode, priced.liquidation_price, short)
        assert shocked.agrees, shocked.disagreements
