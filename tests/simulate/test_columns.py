"""An account judged in columns (``SimMode.check``: one program over all its positions, GMP rationals) says what
the same account judged position by position says (``SimMode._check_by_position``, the rule read one position at
a time, as the simulator did before): the same status, margin level and per-position values, on every shipped
rule and mode, including accounts with nothing owed (a zero denominator), several settlement pools and positions
carrying their own fields.  Where the columns cannot answer, check *is* the position-by-position answer.
"""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path

import pytest
from hypothesis import assume, event, given, strategies as st

from verifier.read import load_rule
from verifier.simulate import SimRule, SpotMarginSimulator, simulator_for
from verifier.simulate.accounts import Position
from verifier.simulate.binding import _REST
from verifier.verify.stories.strategy import carried, inputs, markets, max_leverage

ROOT = Path(__file__).resolve().parents[2]
RULES = sorted(str(p.relative_to(ROOT / "rules").with_suffix("")) for p in (ROOT / "rules").glob("*/*.yaml"))


def _rule(rule_id: str):
    rule = load_rule(rule_id)
    return rule, SimRule(rule, None, inputs=inputs(rule))


@pytest.mark.parametrize("rule_id", RULES)
def test_every_shipped_mode_is_judged_in_columns(rule_id):
    """A rule whose definitions the columns cannot take would silently run at the old speed: none does."""
    _, sim_rule = _rule(rule_id)
    assert {name: mode.program is not None for name, mode in sim_rule.modes.items()} == \
        {name: True for name in sim_rule.modes}


amounts = st.one_of(st.just(F(0)), st.integers(1, 10**6).map(lambda n: F(n, 1000)))
prices = st.integers(1, 10**7).map(lambda n: F(n, 100))


class _Story:
    """What a leverage/fee reading of a story position carries (the stories' own helper wants these names)."""

    leverage, fee, mmr = F(10), F(5, 10000), F(1, 100)


def _account(rule, sim, draw, kind: str, mode: str):
    """An account of ``kind`` in ``mode`` with drawn holdings, loans or positions, in the rule's story markets."""
    where = markets(rule)
    if kind == "isolated":
        if any(m.account == "cross" for m in rule.modes.values()):
            sim.add_account("A", "a", "cross", mode=next(n for n, m in rule.modes.items() if m.account == "cross"))
        sim.add_account("B", "a", "isolated", market=where[0], mode=mode)
        account, chosen = sim.accounts["B"], where[:1]
    else:
        sim.add_account("B", "a", "cross", mode=mode)
        account, chosen = sim.accounts["B"], draw(st.lists(st.sampled_from(where), min_size=1, unique=True))
    for market in chosen:
        base, _, rest = market.partition("/")
        quote, _, settle = rest.partition(":")
        if isinstance(sim, SpotMarginSimulator):
            sim.prices[base] = draw(prices)
            for asset in (base, quote):
                account.cash[asset], account.debt[asset], account.interest[asset] = draw(amounts), draw(amounts), \
                    draw(st.sampled_from((F(0), F(1, 10**4))))
        else:
            sim.prices[market] = draw(prices)
            size = F(draw(st.integers(1, 10**6)), 10**6)
            fields = carried(rule, _Story) if draw(st.integers(0, 3)) else {}
            if fields.get("leverage") is not None:
                fields["leverage"] = F(min(10, max_leverage(rule)))
            account.positions[(market, "both")] = Position(market, draw(st.sampled_from((1, -1))), size,
                                                           draw(prices), "both", fields)
            account.cash[settle or quote] = draw(amounts)
    return account


@st.composite
def judged(draw):
    rule_id = draw(st.sampled_from(RULES))
    rule, sim_rule = _rule(rule_id)
    name = draw(st.sampled_from(sorted(sim_rule.modes)))
    mode = sim_rule.mode(name)
    # the quote of the rule's story markets (USDT for most; USD for the unified rules' coins)
    sim = simulator_for(sim_rule, quote=markets(rule)[0].partition("/")[2].partition(":")[0])
    account = _account(rule, sim, draw, mode.account, name)
    return rule_id, mode, sim.position_fields(account)


@given(judged())
def test_columns_judge_as_position_by_position(case):
    rule_id, mode, positions = case
    assume(positions)  # an account with nothing is normal before either is asked
    try:
        expected = mode._check_by_position(positions)
    except Exception as exc:  # noqa: BLE001 - the same error, word for word, either way
        with pytest.raises(type(exc)) as raised:
            mode.check(positions)
        assert str(raised.value) == str(exc)
        event(f"both refuse: {type(exc).__name__} {str(exc)[:60]}")
        return
    got = mode.check(positions)
    plans, rows, _ = mode.rows(positions)
    in_columns = all(r.columnar for r in rows) and \
        mode.program([r.exact for r in rows], [p.pool for p in plans]) is not None
    event("columns" if in_columns else "by position (the columns cannot answer)")
    assert (got.status, type(got.margin_level), got.margin_level) == \
        (expected.status, type(expected.margin_level), expected.margin_level), rule_id
    assert got.values == expected.values, rule_id
    mode._rows.resting = 1  # the next judgement binds afresh, as while a replay repeats nothing
    fresh = mode.check(positions)
    assert (fresh.status, type(fresh.margin_level), fresh.margin_level, fresh.values) == \
        (expected.status, type(expected.margin_level), expected.margin_level, expected.values), rule_id


def test_a_replay_rests_the_memory_and_judges_every_update_as_position_by_position():
    """Prices that never repeat, then a stretch that repeats: the rows' memory rests and wakes, and every
    judgement is the position-by-position one."""
    _, sim_rule = _rule("binance/spot-margin")
    sim = simulator_for(sim_rule, debug=True)
    sim.add_account("A", "a", "cross")
    coins = ["BTC", "ETH", "SOL", "XRP", "ADA"]  # and the USDT loan: one row in six unchanged
    sim.set_prices({c: F(100) for c in coins})
    sim.deposit("A", "USDT", F(500))
    sim.borrow("A", "USDT", F(1000))
    for c in coins:
        sim.buy("A", f"{c}/USDT", F(3))
    mode, account, rested = sim_rule.mode("cross"), sim.accounts["A"], False
    reference = _rule("binance/spot-margin")[1].mode("cross")  # its own memories: judging does not feed ours
    steps = list(range(300)) + [i % 7 for i in range(_REST + 600)]  # new prices; then repeated, past the rest
    for i in steps:
        sim.set_prices({c: F(100 + (i * 7 + k * 13) % 11) + F(i, 10**6) for k, c in enumerate(coins)})
        rested = rested or mode._rows.resting > 0
        expected = reference._check_by_position(sim.position_fields(account))
        assert (account.status, account.margin_level) == (expected.status, expected.margin_level), i
    assert rested and mode._rows.resting == 0 and mode._checks  # rested on new prices, woke on repeated ones


def test_nothing_owed_is_an_infinite_margin_level_either_way():
    """A spot account with no loan divides by zero: the columns leave it to the position-by-position path."""
    rule, sim_rule = _rule("binance/spot-margin")
    sim = simulator_for(sim_rule)
    sim.add_account("A", "a", "cross")
    sim.prices["BTC"] = F(60000)
    sim.accounts["A"].cash["BTC"] = F(1)
    positions = sim.position_fields(sim.accounts["A"])
    mode = sim_rule.mode("cross")
    _, rows, _ = mode.rows(positions)
    assert mode.program([r.exact for r in rows], None) is None
    check = mode.check(positions)
    assert (check.status, check.margin_level) == ("normal", float("inf"))
