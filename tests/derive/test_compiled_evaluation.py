"""The compiled evaluation (derive/account/program.py, run.py) against the reference (evaluate_account): the same
result on every account, to the last field, or the same refusal with the same diagnostics -- the compiled path
hands what it does not answer to the reference, and the tests below show it answers most accounts itself.

The accounts are drawn for every shipped rule: futures positions in markets of the rule's catalog (and one it does
not list), with and without the fields a rule reads (collateral, wallet, contract size, leverage, the exchange's own
maintenance rate and amount), sizes and prices across orders of magnitude (zero and negative ones too), one-way and
hedge modes, modes named or picked by leverage, on dates before, between and after the rule's effective dates; spot
accounts for the spot-margin rules.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from tests.shipped import SHIPPED_RULES
from verifier.derive.account import evaluate_account
from verifier.derive.account.program import build_program, change_dates
from verifier.derive.account.run import Fallback, run_account
from verifier.errors import VerifierError
from verifier.jobs.evaluate import evaluate_accounts, evaluate_data
from verifier.model.account import AccountSet
from verifier.read import load_rule
from verifier.read.account import account_from_data

RULES = {rule_id: load_rule(rule_id) for rule_id in SHIPPED_RULES}
DATES = [None, dt.date(2019, 1, 1), dt.date(2023, 3, 27), dt.date(2024, 10, 1), dt.date(2025, 6, 1),
         dt.date(2026, 10, 1), dt.date(2026, 12, 1)]
LATEST = dt.date(2026, 10, 1)  # the market data of every shipped catalog is in force then
FUTURES_FIELDS = ("collateral", "contractSize", "leverage", "notional", "takerFeeRate",
                  "maintenanceMarginPercentage", "maintenanceAmount")


def _markets(rule) -> tuple:
    """(a few markets a clean account holds: ones with tiers when the rule has tiers, in force on every date the
    clean accounts are evaluated on; those and more, and one the catalog does not list)."""
    catalog = rule.markets
    if catalog is None:
        return ["BTC/USDT:USDT"], ["BTC/USDT:USDT", "NOPE/USDT:USDT"]
    symbols = catalog.symbols()
    ready = [s for s in symbols if catalog.market(s).spec_at(LATEST) is not None and (
        rule.tiers is None or catalog.market(s).tiers_at(LATEST) is not None)][:4]
    return ready or symbols[:2], ready + [s for s in symbols if s not in ready][:2] + ["NOPE/USDT:USDT"]


MARKETS = {rule_id: _markets(rule) for rule_id, rule in RULES.items()}
PROGRAMS = {rule_id: build_program(rule) for rule_id, rule in RULES.items()}


def _number(draw, low: int, high: int, clean: bool = True):
    """A decimal between 10**low and 10**high as a string, a float or an int (only where the range reaches 1: an
    int below it would be 1, out of range: a clean rate of 1 made most clean accounts of a rule reading rates
    invalid); not clean: now and then 0 or negative."""
    kinds = (["str"] * 6 + ["float"] * 6 + (["int"] * 4 if high >= 0 else [])
             + ([] if clean else ["zero", "negative"] * 2))
    kind = draw(st.sampled_from(kinds))
    if kind == "zero":
        return draw(st.sampled_from([0, "0", 0.0]))
    digits = draw(st.integers(1, 9))
    mantissa = draw(st.integers(10 ** (digits - 1), 10 ** digits - 1))
    value = Decimal(mantissa).scaleb(draw(st.integers(low, high)) - digits + 1)
    if kind == "negative":
        return str(-value)
    if kind == "float":
        return float(value)
    if kind == "int":
        return int(value) or 1
    return str(value)


def _needed_fields(rule_id: str, margin_mode: str) -> set:
    """The position fields the rule's first mode of ``margin_mode`` reads for the symbols its conditions need."""
    plan = next((p for p in PROGRAMS[rule_id].view(LATEST).plans.values() if p.account == margin_mode), None)
    if plan is None or not plan.compiled:
        return set()
    return {name for symbol in plan.symbols if symbol.needed and margin_mode in symbol.readings
            for name in symbol.readings[margin_mode].names} - {"side", "walletBalance"}


def _readable_modes(rule_id: str) -> list:
    """The margin modes the rule's modes can evaluate from a snapshot (a clean account is of one of them)."""
    plans = PROGRAMS[rule_id].view(LATEST).plans.values()
    found = [m for m in ("cross", "isolated") if any(p.account == m and p.readable.get(m) for p in plans)]
    return found or ["cross", "isolated"]


@st.composite
def futures_snapshots(draw, rule_id: str) -> dict:
    """Mostly clean accounts (every needed field, known markets, no zero or negative amount), else anything."""
    rule = RULES[rule_id]
    clean = draw(st.integers(0, 3)) < 3  # (Hypothesis draws 0, the simplest, often: clean)
    margin_mode = draw(st.sampled_from(_readable_modes(rule_id) if clean else ["cross", "isolated"]))
    hedge = draw(st.booleans()) and margin_mode == "cross"
    markets = MARKETS[rule_id][0 if clean else 1]
    # (a clean account holds one position a market and side, MV613; the hedge pair of one market is added below)
    symbols = draw(st.lists(st.sampled_from(markets), min_size=1, max_size=5, unique=clean))
    tierless = rule.tiers is None
    positions = []
    for symbol in symbols:
        price = _number(draw, -2, 5, clean)
        position = {"symbol": symbol, "side": draw(st.sampled_from(["long", "short"])),
                    "contracts": _number(draw, -3, 4, clean), "entryPrice": price,
                    "markPrice": draw(st.sampled_from([price, _number(draw, -2, 5, clean)]))}
        needed = _needed_fields(rule_id, margin_mode) if clean else set()
        chances = {"collateral": 15, "contractSize": 6, "maintenanceMarginPercentage": 5, "maintenanceAmount": 3}
        bracket = draw(st.integers(0, 4)) == 0  # the exchange's own rate and amount, both (clean) or either
        for name in FUTURES_FIELDS:
            if name in ("maintenanceMarginPercentage", "maintenanceAmount") and clean and not tierless:
                wanted = bracket
            else:
                wanted = name in needed or draw(st.integers(0, 19)) < chances.get(name, 1)
            if wanted:
                position[name] = {"maintenanceMarginPercentage": _number(draw, -3, -2, clean),
                                  "takerFeeRate": _number(draw, -4, -3, clean), "leverage": draw(st.integers(1, 125)),
                                  "contractSize": draw(st.sampled_from([1, "0.001", 10, "100"]))}.get(
                    name, _number(draw, -1, 6, clean))
        positions.append(position)
    if hedge and draw(st.booleans()):  # a long and a short of one market
        positions.append({**positions[0], "side": "short" if positions[0]["side"] == "long" else "long"})
    data = {"marginMode": margin_mode, "positions": positions}
    if hedge:
        data["positionMode"] = "hedge"
    if margin_mode == "cross" and (clean or draw(st.integers(0, 9)) < 8):
        data["walletBalance"] = _number(draw, 0, 7, clean)
    if not clean and draw(st.integers(0, 9)) == 0:
        data["mode"] = draw(st.sampled_from(list(rule.modes) + ["nope"]))
    if clean:
        data["clean"] = True  # taken off by the test: a date the data is in force on
    return data


@st.composite
def spot_snapshots(draw, rule_id: str) -> dict:
    clean = draw(st.integers(0, 3)) < 3  # (Hypothesis draws 0, the simplest, often: clean)
    assets = draw(st.lists(st.sampled_from(["BTC", "ETH", "SOL"]), min_size=1, max_size=3, unique=True))
    balances = {"USDT": {"total": _number(draw, 0, 5, clean), "debt": _number(draw, 0, 5, clean)}}
    for asset in assets:
        balances[asset] = {name: _number(draw, -2, 2, clean) for name in ("total", "debt", "interest")
                           if draw(st.booleans()) or (clean and name == "total")}
    data = {"marginMode": draw(st.sampled_from(_readable_modes(rule_id) if clean else ["cross", "isolated"])),
            "quote": "USDT", "balances": balances, "prices": {asset: _number(draw, 0, 5, clean) for asset in assets}}
    if draw(st.integers(0, 4)) == 0:
        data["leverage"] = draw(st.sampled_from([3, 5, 10]))
    if clean:
        data["clean"] = True
    return data


def snapshots(rule_id: str):
    return spot_snapshots(rule_id) if RULES[rule_id].product.spot else futures_snapshots(rule_id)


def outcome(call):
    """A call's result, or its refusal as (type, code, message, every diagnostic rendered)."""
    try:
        return call()
    except VerifierError as exc:
        return type(exc).__name__, exc.code, str(exc), [d.render() for d in exc.diagnostics]


@pytest.mark.parametrize("rule_id", SHIPPED_RULES)
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_the_compiled_evaluation_is_the_reference_one(rule_id, data):
    """Every drawn account: the same evaluation (every number, reason, tier, status ...) or the same refusal, by
    the API's path (the compiled check of the data, the compiled program) and by the reference."""
    rule = RULES[rule_id]
    snapshot = data.draw(snapshots(rule_id))
    date = data.draw(st.sampled_from(DATES + list(change_dates(rule)) + [None, LATEST] * 8))
    if snapshot.pop("clean", False):
        date = data.draw(st.sampled_from([None, LATEST]))
    found = outcome(lambda: evaluate_data(rule, snapshot, date=date))
    reference = outcome(lambda: evaluate_data(rule, snapshot, date=date, reference=True).evaluations)
    if isinstance(found, tuple):
        event(f"refused: {found[1]}")  # (pytest --hypothesis-show-statistics shows how the draws went)
        assert found == reference
    else:
        event("answered by the program" if not found.reference else f"handed over: {found.reference[0]}")
        assert found.evaluations == reference


@pytest.mark.parametrize("rule_id", SHIPPED_RULES)
@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_the_program_answers_or_hands_over_but_never_differs(rule_id, data):
    """The program itself on a read account: its answer is the reference's, and where it hands the account over,
    the reference still answers or refuses (the hand-over is never the only way to an answer)."""
    rule = RULES[rule_id]
    snapshot = data.draw(snapshots(rule_id))
    date = data.draw(st.sampled_from([None, LATEST] if snapshot.pop("clean", False) else DATES))
    try:
        account = account_from_data(snapshot)
    except VerifierError:
        assume(False)
    try:
        compiled = run_account(PROGRAMS[rule_id], account, date=date)
    except Fallback:
        return
    assert compiled == evaluate_account(rule, account, date=date)


VALID = {"marginMode": "isolated", "positions": [
    {"symbol": "BTC/USDT:USDT", "side": "long", "contracts": "0.5", "entryPrice": 60000, "markPrice": 59000.5,
     "collateral": "3000"},
    {"symbol": "ETH/USDT:USDT", "side": "short", "contracts": 12, "entryPrice": "3000", "markPrice": "3100.25",
     "collateral": 4000.5}]}


def test_valid_accounts_are_answered_by_the_program_not_handed_over():
    """Not vacuous: ordinary accounts (isolated and cross, every bracket, prices or none) never reach the
    reference."""
    rule = RULES["binance/usdm-perpetual"]
    cross = {"marginMode": "cross", "walletBalance": "25000", "positions": [
        {**p, "collateral": None} for p in VALID["positions"]]}
    for snapshot in (VALID, cross, {**VALID, "positions": [{**VALID["positions"][0], "collateral": "1e9"}]}):
        result = evaluate_data(rule, snapshot, date=dt.date(2026, 10, 1))
        assert result.reference == ()
        assert result.evaluations == evaluate_data(rule, snapshot, date=dt.date(2026, 10, 1),
                                                   reference=True).evaluations


def test_the_program_hands_over_what_it_does_not_compute():
    """Each kind of hand-over, and its result (or refusal) the reference's."""
    rule = RULES["binance/usdm-perpetual"]
    date = dt.date(2026, 10, 1)
    hedge = {"marginMode": "cross", "positionMode": "hedge", "walletBalance": "10000", "positions": [
        {**VALID["positions"][0], "collateral": None}, {**VALID["positions"][0], "side": "short", "collateral": None}]}
    missing = {"marginMode": "isolated", "positions": [{k: v for k, v in VALID["positions"][0].items()
                                                        if k != "collateral"}]}
    unknown = {"marginMode": "isolated", "positions": [{**VALID["positions"][0], "symbol": "NOPE/USDT:USDT",
                                                        "contractSize": "1"}]}
    early = dt.date(2019, 1, 1)  # before the rule's parameters
    for snapshot, on, why in ((hedge, date, "hedge partners"), (missing, date, "a missing field"),
                              (unknown, date, "a market the catalog lacks"), (VALID, early, "no value on that date")):
        account = account_from_data(snapshot)
        with pytest.raises(Fallback, match=why):
            run_account(PROGRAMS[rule.id], account, date=on)
        compiled = outcome(lambda: evaluate_accounts(rule, AccountSet("snapshot", (account,)), date=on))
        reference = outcome(lambda: evaluate_accounts(rule, AccountSet("snapshot", (account,)), date=on,
                                                      reference=True))
        if isinstance(compiled, tuple):
            assert compiled == reference  # the same refusal, located the same
        else:
            assert compiled.evaluations == reference.evaluations and why in compiled.reference[0]


def test_exact_values_are_fractions_as_the_reference_gives_them():
    result = evaluate_data(RULES["binance/usdm-perpetual"], VALID, date=dt.date(2026, 10, 1))
    position = result.evaluations[0].positions[0]
    assert type(position.liquidation_price) is Fraction and type(position.mark_price) is Fraction
    assert all(type(value) is Fraction for _, value in position.bracket)


def test_a_result_made_without_init_is_one_made_with_it():
    """run.py makes its PositionEvaluations without the dataclass's __init__ (for speed), its numbers GMP rationals
    until read (evaluation._Exact): every field is given or lazy (but the three only the reference fills), each
    number reads as the Fraction the reference gives, and the object is equal to, hashes, copies and pickles as, one
    made with __init__ -- before and after its numbers are read."""
    import copy
    import dataclasses
    import pickle

    from verifier.derive.account.evaluation import LAZY, PositionEvaluation, has_value
    from verifier.derive.account.run import run_account

    rule = RULES["binance/usdm-perpetual"]
    data = {"marginMode": "isolated", "positions": [
        {"symbol": "BTC/USDT:USDT", "side": "long", "contracts": 1, "entryPrice": 60000, "markPrice": 59000.5,
         "collateral": 1000},
        {"symbol": "ETH/USDT:USDT", "side": "short", "contracts": 3, "entryPrice": 2500, "markPrice": 2400,
         "collateral": 10 ** 9}]}  # over-collateralised: no price
    account = account_from_data(data)
    program = build_program(rule)
    names = [f.name for f in dataclasses.fields(PositionEvaluation)]

    def made():
        return run_account(program, account, date=dt.date(2026, 10, 1)).positions

    reference = evaluate_account(rule, account, date=dt.date(2026, 10, 1)).positions
    for fresh, expected in zip(made(), reference):
        given = set(fresh.__dict__) - {"_exact"}
        assert given | set(fresh.__dict__["_exact"]) == set(names) - {"differences", "lacks", "status_reason"}
        assert not given & set(fresh.__dict__["_exact"])
        assert pickle.loads(pickle.dumps(fresh)) == expected and copy.copy(fresh) == expected
        assert all(has_value(fresh, name) == (getattr(expected, name) is not None) for name in LAZY)
        assert fresh == expected and hash(fresh) == hash(expected) and repr(fresh) == repr(expected)
        assert all(type(getattr(fresh, name)) in (Fraction, type(None)) for name in LAZY)
    unread = made()[0]
    assert unread.mark_price == Fraction(118001, 2) and PositionEvaluation.mark_price is None
    assert dataclasses.replace(unread, tier=None).mark_price == Fraction(118001, 2)


def test_account_objects_made_without_init_hold_every_field():
    """The compiled check's Account, run.py's AccountEvaluation, the evaluate job's Evaluated and the API's
    AccountResult and PositionResult are made without their dataclasses' __init__ (for speed): each holds every
    field in its own __dict__ (a field added to the class and forgotten there would read the class's default
    instead), and equals one made the usual way."""
    import dataclasses

    import verifier
    from verifier.api import AccountResult, PositionResult
    from verifier.derive.account.evaluation import AccountEvaluation
    from verifier.derive.account.run import run_account
    from verifier.jobs.evaluate import Evaluated

    data = {"marginMode": "isolated", "positions": [
        {"symbol": "BTC/USDT:USDT", "side": "long", "contracts": 1, "entryPrice": 60000, "markPrice": 59000.5,
         "collateral": 1000}]}
    rule = RULES["binance/usdm-perpetual"]
    day = dt.date(2026, 10, 1)

    def names(cls):
        return {f.name for f in dataclasses.fields(cls)}

    from verifier.model.account import Account
    from verifier.read.account import fast_snapshot

    account = fast_snapshot(data)
    assert set(account.__dict__) == names(Account)
    assert account == Account(**{name: getattr(account, name) for name in names(Account)})
    evaluation = run_account(build_program(rule), account_from_data(data), date=day)
    assert set(evaluation.__dict__) == names(AccountEvaluation)
    assert evaluation == evaluate_account(rule, account_from_data(data), date=day)
    evaluated = evaluate_data(rule, data, date=day)
    assert set(evaluated.__dict__) == names(Evaluated)
    assert evaluated == Evaluated(**{name: getattr(evaluated, name) for name in names(Evaluated)})
    result = verifier.evaluate(rule, data, date=day)
    assert set(result.__dict__) == names(AccountResult)
    assert result == AccountResult(**{name: getattr(result, name) for name in names(AccountResult)})
    [position] = result.positions
    lazy = {"liquidation_price", "maintenance_margin", "unrealized_pnl"}
    assert set(position.__dict__) == names(PositionResult) - lazy | {"_evaluation"}
    assert position == PositionResult(**{name: getattr(position, name) for name in names(PositionResult)})
    assert set(position.__dict__) - {"_evaluation"} == names(PositionResult)  # each number now read, and kept


def _decimal(value: Fraction) -> str:
    return str(Decimal(value.numerator) / Decimal(value.denominator))


def test_own_values_brackets_lacks_and_leverage_are_the_references():
    """What the reference does beyond the program (a position's own values against the catalog's, reported as
    differences; a bracket given in part; an input only the status needs, lacking; a leverage above the market's
    limit): handed over, with the reference's result or refusal; a bracket the position gives that is the
    catalog's row at its mark is answered by the program itself."""
    rule = RULES["binance/usdm-perpetual"]
    date = dt.date(2026, 10, 1)
    plan = next(p for p in PROGRAMS[rule.id].view(date).plans.values() if p.account == "isolated")
    tier_fields = {s.name: s.readings["isolated"].names[0] for s in plan.symbols if s.from_tiers}
    base = {k: v for k, v in VALID["positions"][0].items()}
    bracket = evaluate_data(rule, {**VALID, "positions": [base]}, date=date).evaluations[0].positions[0].bracket
    catalog = {tier_fields[name]: _decimal(value) for name, value in bracket}
    rate, amount = sorted(catalog)  # maintenanceAmount, maintenanceMarginPercentage
    cases = [({"contractSize": "2"}, "own market values"),
             ({amount: catalog[amount]}, "a bracket given in part"),
             ({amount: catalog[amount], rate: "0.5"}, "bracket differs"),
             ({"leverage": 100000}, "leverage above"),
             ({"markPrice": None}, "a missing field"),
             (catalog, None)]
    for extra, why in cases:
        position = {k: v for k, v in {**base, **extra}.items() if v is not None}
        snapshot = {"marginMode": "isolated", "positions": [position]}
        found = outcome(lambda: evaluate_data(rule, snapshot, date=date))
        reference = outcome(lambda: evaluate_data(rule, snapshot, date=date, reference=True))
        if isinstance(found, tuple):
            assert found == reference and why is not None
            continue
        assert found.evaluations == reference.evaluations, extra
        if why is None:
            assert found.reference == () and found.evaluations[0].positions[0].bracket_source == "position"
        else:
            account = account_from_data(snapshot)
            with pytest.raises(Fallback, match=why):
                run_account(PROGRAMS[rule.id], account, date=date)
    differing = evaluate_data(rule, {"marginMode": "isolated", "positions": [{**base, "contractSize": "2"}]},
                              date=date).evaluations[0].positions[0]
    assert [d.symbol for d in differing.differences] == ["contractSize"]  # not vacuous: the reference's answer


def test_a_position_s_own_market_value_is_the_program_s_answer_with_the_difference_said(tmp_path):
    """Hyperliquid's ccxt export carries each position's own maxLeverage, which the rule uses over the catalog's
    (recorded as a difference): the program answers those accounts itself, with the reference's result and
    differences, at the recorded values and at others (equal to a catalog's, or not; absent)."""
    import json
    from pathlib import Path

    from verifier.jobs.evaluate import evaluate_file

    rule = RULES["hyperliquid/perpetual"]
    path = Path(__file__).parents[2] / "rules" / "hyperliquid" / "conformance" / "hyperliquid-cross-2024-10-10.json"
    found = evaluate_file(rule, path)
    assert found.reference == () and found.evaluations == evaluate_file(rule, path, reference=True).evaluations
    assert any(p.differences for e in found.evaluations for p in e.positions)  # not vacuous: own values differ
    for own in ("3", "20", "25", "40", "50", None):
        data = json.loads(path.read_text())
        for item in data["positions"]:
            item["info"]["position"]["maxLeverage"] = own
        changed = tmp_path / f"own-{own}.json"
        changed.write_text(json.dumps(data))
        mine = outcome(lambda: evaluate_file(rule, changed))
        reference = outcome(lambda: evaluate_file(rule, changed, reference=True))
        if isinstance(mine, tuple):
            assert mine == reference, own
        else:
            assert mine.evaluations == reference.evaluations and mine.reference == (), own


TABLES = {rule_id: {symbol: RULES[rule_id].tiers.table(symbol, LATEST) for symbol in MARKETS[rule_id][0]}
          for rule_id in SHIPPED_RULES if RULES[rule_id].tiers is not None and not RULES[rule_id].product.spot}
TIERED_FUTURES = [rule_id for rule_id, tables in TABLES.items() if any(t is not None and t.rows
                                                                       for t in tables.values())]


@pytest.mark.parametrize("rule_id", TIERED_FUTURES)
@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_no_price_at_its_boundaries_is_the_reference_s(rule_id, data):
    """Positions drawn at the edges where a price stops existing -- a tier basis on a row's floor or cap or past
    the table's last cap, a margin at, just under or just over the maintenance requirement, or far beyond it --
    get the reference's price or reason (over-collateralised, liquidated everywhere, outgrown, no root) from the
    fused functions, which write that reason out (fused._no_price), and from the steps."""
    rule = RULES[rule_id]
    margin_mode = data.draw(st.sampled_from(_readable_modes(rule_id)))
    symbol = data.draw(st.sampled_from([s for s, t in TABLES[rule_id].items() if t is not None and t.rows]))
    table = TABLES[rule_id][symbol]
    row = data.draw(st.sampled_from(table.rows))
    edge = data.draw(st.sampled_from(["floor", "cap", "past", "inside"]))
    last = table.rows[-1].cap
    basis = {"floor": row.floor, "cap": row.cap or row.floor * 2 + 1, "inside": (row.floor + (row.cap or row.floor
             * 2 + 2)) / 2, "past": (last or row.floor + 1) * data.draw(st.sampled_from([1, 2, 10, 1000]))}[edge]
    price = Fraction(10) ** data.draw(st.integers(-2, 5))
    contracts = max(basis, Fraction(1, 10 ** 6)) / price + data.draw(st.sampled_from([0, 0, Fraction(1, 10 ** 8)]))
    side = data.draw(st.sampled_from(["long", "short"]))
    entry = price * data.draw(st.sampled_from([Fraction(1), Fraction(99, 100), Fraction(101, 100)]))
    position = {"symbol": symbol, "side": side, "contracts": _decimal(contracts), "entryPrice": _decimal(entry),
                "markPrice": _decimal(price)}
    money = "collateral" if margin_mode == "isolated" else "walletBalance"

    def snapshot(amount):
        data = {"marginMode": margin_mode, "positions": [{**position, "collateral": amount}
                                                         if money == "collateral" else position]}
        if money == "walletBalance":
            data["walletBalance"] = amount
        return data

    first = outcome(lambda: evaluate_data(rule, snapshot("1"), date=LATEST))  # the requirement at the mark
    first = None if isinstance(first, tuple) else first.evaluations[0].positions[0].maintenance_margin
    requirement = first if first is not None and first > 0 else contracts * price / 100
    amount = requirement * data.draw(st.sampled_from([Fraction(1), Fraction(1), Fraction(10 ** 6 - 1, 10 ** 6),
                                                      Fraction(10 ** 6 + 1, 10 ** 6), Fraction(10 ** 9),
                                                      Fraction(1, 10 ** 3), Fraction(2), Fraction(10 ** 3)]))
    amount = _decimal(Fraction(round(amount * 10 ** 12), 10 ** 12)) if amount > 0 else "0"
    found = outcome(lambda: evaluate_data(rule, snapshot(amount), date=LATEST))
    reference = outcome(lambda: evaluate_data(rule, snapshot(amount), date=LATEST, reference=True).evaluations)
    if isinstance(found, tuple):
        assert found == reference
        return
    assert found.evaluations == reference
    [priced] = found.evaluations[0].positions
    event(f"{edge}: " + ("a price" if priced.reason is None else priced.reason.split(":")[0].split(" (")[0]))


def test_the_fused_functions_say_why_there_is_no_price_themselves(monkeypatch):
    """The fused function of a plain isolated Binance position gives each reason for no price (over-collateralised,
    liquidated everywhere, outgrown the table: a short whose price lies past the last cap) without the steps'
    helper, as the reference gives it."""
    from verifier.derive.account import run

    rule = RULES["binance/usdm-perpetual"]
    program = build_program(rule)

    def refuse(*args, **kwargs):
        raise AssertionError("the steps' reason was asked for")

    monkeypatch.setattr(run, "_reason", refuse)
    positions = [{"contracts": "28000", "entryPrice": "60000", "markPrice": "60000", "collateral": collateral}
                 for collateral in ("1000000", "1000000000", "5000000000")]  # notional 1.68e9, the last cap 1.8e9
    reasons = set()
    for side in ("long", "short"):
        for fields in positions:
            account = account_from_data({"marginMode": "isolated", "positions": [
                {"symbol": "BTC/USDT:USDT", "side": side, **fields}]})
            [ours] = run_account(program, account, date=LATEST).positions
            monkeypatch.undo()
            assert (ours,) == evaluate_account(rule, account, date=LATEST).positions
            monkeypatch.setattr(run, "_reason", refuse)
            reasons.add((ours.reason or "a price").split(":")[0].split(" (")[0])
    assert reasons == {"a price", "over-collateralised long", "outgrown the tier table",
                       "liquidated at the mark already, and at every price as it falls toward 0"}, reasons
