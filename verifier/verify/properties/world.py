"""Account-level truths, checked on generated stories run by the reference simulator (``verifier.simulate``).

A story: four users on one rule and date.  *alice* holds a position in one cross account; *bob* holds the same
position in an isolated account with part of the same funds (the rest stays in his cross account and some of it is
added to the isolated account later); *carol* holds two positions in her cross account; *dave* has only an open
order.  The mark price then walks a generated path (tiny to huge moves).  The story is also run without bob, so
that "bob's liquidation changes nobody else" is a comparison, not a reading of the simulator's own bookkeeping.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from fractions import Fraction

from hypothesis import assume
from hypothesis import strategies as st

from verifier.simulate import BindingError, Refused, SimRule, simulator_for
from verifier.simulate.engine import ConservationError
from verifier.model.evaluate import EvaluationError
from verifier.verify.properties import register
from verifier.verify.properties._exact import Violation
from verifier.verify.strategies import PRICE_LEVELS, effective_dates, role


@dataclass(frozen=True)
class Story:
    date: object
    market: str
    other_market: str
    price: Fraction
    size: Fraction
    side: int
    margin: Fraction  # bob's isolated margin (alice has margin + spare in cross)
    spare: Fraction
    add_at: int
    add: Fraction
    path: tuple  # the mark price at each step, as a multiple of the opening price
    hours: int = 0  # hours of interest charged on loans before the price path starts
    hedge: bool = False  # carol in hedge mode: a long and a short in the same market, plus another market
    leverage: Fraction = Fraction(2)  # the positions' ccxt 'leverage' (bob's margin is the notional / leverage)
    fee: Fraction = Fraction(1, 1000)  # their 'takerFeeRate', where the rule reads one
    mmr: Fraction = Fraction(1, 100)  # their 'maintenanceMarginPercentage', where no tier table gives it

    def describe(self) -> str:
        moves = ", ".join(str(m) for m in self.path)
        return (f"date {self.date or 'latest'}; {self.market} at {self.price}; "
                f"{'long' if self.side > 0 else 'short'} {self.size}; isolated margin {self.margin}, spare {self.spare}; "
                f"add {self.add} at step {self.add_at}; {self.hours} h of interest; "
                f"{'carol hedged; ' if self.hedge else ''}leverage {self.leverage}, taker fee {self.fee}, "
                f"MMR {self.mmr}; price x [{moves}]")


def _modes(rule):
    cross = [n for n, m in rule.modes.items() if m.account == "cross"]
    isolated = [n for n, m in rule.modes.items() if m.account == "isolated"]
    return (cross[0] if cross else None), (isolated[0] if isolated else None)


def _inputs(rule) -> dict:
    """Values for symbols the account state does not hold (no snapshot reading), by what they are."""
    out = {}
    for view in rule.modes.values():
        for name, spec in view.symbols.items():
            if spec.from_tiers or spec.others or spec.snapshot_formula(view.account) or name == rule.price:
                continue
            kind = role(rule, view, name)
            out[name] = {"max_leverage": Fraction(50), "leverage": Fraction(10), "ratio": Fraction(1),
                                 "rate": Fraction(1, 1000)}.get(
                kind, Fraction(0))
    return out


def _markets(rule):
    spot = rule.product == "spot-margin"
    tables = sorted(rule.tiers.tables) if rule.tiers is not None else []
    default = (["BTC/USDT", "ETH/USDT"] if spot else ["BTC/USD:BTC", "ETH/USD:ETH"] if _inverse(rule)
               else ["BTC/USDT:USDT", "ETH/USDT:USDT"])
    markets = tables + [m for m in default if m not in tables and not tables]
    return markets


def _inverse(rule) -> bool:
    return rule.product.startswith("inverse")


def _settle(rule, market) -> str:
    return (market.partition(":")[2] or "USDT") if rule.product != "spot-margin" else "USDT"


def _read_fields(rule) -> set:
    """The ccxt fields a position must carry for this rule: read by a symbol (a tier symbol's only if no table)."""
    out = set()
    for view in rule.modes.values():
        for spec in view.symbols.values():
            text = spec.snapshot_formula(view.account)
            if not text or spec.others or (spec.from_tiers and rule.tiers is not None):
                continue
            out |= {f for f in ("leverage", "takerFeeRate", "maintenanceMarginPercentage", "maintenanceAmount")
                    if f in text}
    return out


def max_leverage(rule) -> int:
    """The story's leverage cap: 20, or the rule's maximum-leverage input where it is lower."""
    caps = [v for n, v in _inputs(rule).items() if any(
        n in view.symbols and role(rule, view, n) == "max_leverage" for view in rule.modes.values())]
    return int(min([Fraction(20)] + caps))


def carried(rule, story) -> dict:
    """The fields each opened position carries: the story's leverage, fee rate and maintenance rate."""
    given = {"leverage": story.leverage, "takerFeeRate": story.fee, "maintenanceMarginPercentage": story.mmr,
             "maintenanceAmount": Fraction(0)}
    return {k: v for k, v in given.items() if k in _read_fields(rule)} or None


_SUPPORT: dict = {}


def support(rule) -> str | None:
    """None when the simulator can run stories of this rule; else why not (e.g. a field it does not model)."""
    key = id(rule)
    if key in _SUPPORT and _SUPPORT[key][0] is rule:
        return _SUPPORT[key][1]
    cross, isolated = _modes(rule)
    reason = None
    if cross is None or isolated is None:
        missing = "cross" if cross is None else "isolated"
        reason = (f"the rule defines no {missing} mode (modes: {', '.join(rule.modes)}); these stories compare a "
                  "cross account with an isolated one")
    else:
        try:
            base = Fraction(1, 10)
            size, notional = (base * 100, base) if _inverse(rule) else (base, base * 100)
            story = Story(None, _markets(rule)[0], _markets(rule)[-1], Fraction(100), size, 1, notional / 2,
                          notional / 2, 0, notional / 100, (Fraction(1),))
            trace = _run(rule, story, with_bob=True)
            if not trace.opened & {"A", "B-iso"}:
                reason = ("the simulator refuses to open a 2x position under this rule"
                          + (f" ({trace.refusals[0]})" if trace.refusals else ""))
        except BindingError as exc:
            reason = f"the simulator cannot run this rule: {exc}"
        except (Refused, EvaluationError, ConservationError, KeyError, ValueError):
            reason = None  # it runs; this story was just refused somewhere
    _SUPPORT[key] = (rule, reason)
    return reason


def _applies(rule, view):
    return support(rule)


@st.composite
def stories(draw, rule) -> Story:
    """A strategy of :class:`Story` for ``rule``."""
    markets = _markets(rule)
    dates = effective_dates(rule, rule.mode(_modes(rule)[0] or next(iter(rule.modes))))
    price = draw(st.sampled_from(PRICE_LEVELS[4:])) * Fraction(draw(st.integers(1000, 9999)), 1000)
    base = Fraction(draw(st.integers(1, 5000)), 100) / (price if price > 1000 else 1)
    # linear and spot: size in base units, notional in quote; inverse: size in quote (USD), notional in coin
    size, notional = (base * price, base) if _inverse(rule) else (base, base * price)
    cap = max_leverage(rule)
    leverage = draw(st.one_of(st.just(1), st.just(cap), st.integers(1, cap)))
    fee = draw(st.sampled_from([Fraction(0), Fraction(2, 10000), Fraction(5, 10000), Fraction(6, 10000),
                                Fraction(1, 1000)]))
    mmr = draw(st.sampled_from([Fraction(4, 1000), Fraction(5, 1000), Fraction(1, 100), Fraction(2, 100)]))
    mmr = min(mmr, Fraction(1, 2 * leverage))  # maintenance below initial margin, as every exchange sets it
    margin = notional / leverage
    spare = notional * draw(st.one_of(st.just(Fraction(0)), st.just(Fraction(1, 1000)),
                                      st.integers(0, 200).map(lambda n: Fraction(n, 100))))
    moves = st.one_of(st.sampled_from([Fraction(1, 2), Fraction(9, 10), Fraction(99, 100), Fraction(101, 100),
                                       Fraction(11, 10), Fraction(2), Fraction(1, 10**6), Fraction(10**3)]),
                      st.integers(1, 3000).map(lambda n: Fraction(n, 1000)))
    side = draw(st.sampled_from([1, -1]))
    if draw(st.booleans()):
        path = tuple(draw(st.lists(moves, min_size=1, max_size=6)))
    else:  # a walk against the position over 1.5x its margin: the boundaries are met, not jumped over
        steps = draw(st.integers(12, 36))
        step = Fraction(3, 2 * leverage * steps)
        path = tuple(max(1 - side * step * k, Fraction(1, 10**6)) for k in range(1, steps + 1))
    return Story(draw(st.sampled_from(dates)), markets[0], markets[-1], price, size,
                 side, margin, spare, draw(st.integers(0, len(path))),
                 spare * Fraction(draw(st.integers(0, 100)), 100), path,
                 draw(st.sampled_from([0, 0, 24, 200])) if rule.product == "spot-margin" else 0,
                 draw(st.booleans()) if "hedge" in rule.position_modes and rule.product != "spot-margin" else False,
                 Fraction(leverage), fee, mmr)


@dataclass
class Trace:
    states: list  # per step: account id -> (cash, positions/debts, status, liquidations)
    added: list  # per step: margin moved into bob's isolated account so far
    refused_switches: dict  # who -> whether switching the margin mode was refused
    opened: set  # accounts whose opening trade went through
    error: str | None = None
    refusals: list = None  # why opening trades were refused


def _state(sim) -> dict:
    out = {}
    for id, a in sim.accounts.items():
        out[id] = ({k: v for k, v in a.cash.items() if v}, {k: v for k, v in a.debt.items() if v},
                   tuple(sorted((k, p.side, p.size) for k, p in a.positions.items())), a.liquidations,
                   sim.equity(a))
    return out


def _open(sim, rule, account, market, side, size, price, position_side=None, fields=None):
    """Open a position of ``size`` at ``price`` in ``account`` (a futures trade, or borrow-and-buy/sell in spot)."""
    if rule.product != "spot-margin":
        sim.trade(account, market, "buy" if side > 0 else "sell", size, position_side, fields)
        return
    base, quote = market.split("/")
    if side > 0:
        need = size * price - sim.accounts[account].cash[quote]
        if need > 0:
            sim.borrow(account, quote, need)
        sim.buy(account, market, size)
    else:
        sim.borrow(account, base, size)
        sim.sell(account, market, size)


def _run(rule, story, *, with_bob: bool) -> Trace:
    cross, isolated = _modes(rule)
    sim = simulator_for(SimRule(rule, story.date, inputs=_inputs(rule)), debug=True)
    m, m2 = story.market, story.other_market
    asset, asset2 = _settle(rule, m), _settle(rule, m2)
    sim.set_prices(_prices(rule, {m: story.price, m2: story.price * 2}))
    trace = Trace([], [], {}, set(), None, [])
    users = [("alice", "A"), ("carol", "C"), ("dave", "D")] + ([("bob", "B")] if with_bob else [])
    for user, acc in users:
        sim.add_account(acc, user, "cross", mode=cross)
    funds = story.margin + story.spare
    for acc, amount in (("A", funds), ("C", 2 * funds), ("D", funds)) + ((("B", funds),) if with_bob else ()):
        if amount > 0:
            sim.deposit(acc, asset, amount)
            if acc == "C" and asset2 != asset:  # carol's second position settles in another coin
                sim.deposit(acc, asset2, amount)
    if with_bob:
        sim.add_account("B-iso", "bob", "isolated", market=m, mode=isolated)
        if story.margin > 0:
            sim.transfer("B", "B-iso", asset, story.margin)
    hedged = False
    if story.hedge:
        try:
            sim.set_position_mode("carol", "hedge")
            hedged = True
        except Refused:
            pass
    plan = [("A", m, story.side, None)]
    if hedged:
        plan += [("C", m, 1, "long"), ("C", m, -1, "short"), ("C", m2, -story.side, "long" if story.side < 0 else
                                                                  "short")]
    else:
        plan += [("C", m, story.side, None), ("C", m2, -story.side, None)]
    if with_bob:
        plan.insert(1, ("B-iso", m, story.side, None))
    for acc, market, side, position_side in plan:
        try:
            _open(sim, rule, acc, market, side, story.size, sim.prices[_instrument(rule, market)], position_side,
                  carried(rule, story))
            trace.opened.add(acc)
        except Refused as exc:
            trace.refusals.append(f"{acc}: {exc}")
    try:
        sim.place_order("d1", "D", m, "buy", story.size, story.price)
    except Refused:
        pass
    for who, acc, target in (("alice", "A", "isolated"), ("dave", "D", "isolated")) + (
            (("bob", "B-iso", "cross"),) if with_bob else ()):
        before = copy.deepcopy(sim.users[who].margin_modes)
        try:
            sim.set_margin_mode(who, m, target)
            trace.refused_switches[acc] = False
            sim.users[who].margin_modes = before  # undo, so the story goes on as planned
        except Refused:
            trace.refused_switches[acc] = True
    added = Fraction(0)
    if story.hours:
        import datetime as _dt

        start = _dt.datetime(2026, 1, 1)
        sim.advance(start)
        sim.advance(start + _dt.timedelta(hours=story.hours))
    trace.states.append(_state(sim))
    trace.added.append(added)
    price = story.price
    for step, move in enumerate(story.path):
        sim.step = step + 1
        if with_bob and step == story.add_at and story.add > 0:
            try:
                sim.transfer("B", "B-iso", asset, story.add)
                added += story.add
            except Refused:
                pass
        price = story.price * move
        try:
            sim.set_prices(_prices(rule, {m: price, m2: price * 2}))
        except ConservationError as exc:
            trace.error = str(exc)
            break
        trace.states.append(_state(sim))
        trace.added.append(added)
    return trace


def _instrument(rule, market):
    return market.split("/")[0] if rule.product == "spot-margin" else market


def _prices(rule, by_market):
    return {_instrument(rule, k): v for k, v in by_market.items()}


_TRACES: dict = {}


def trace_of(rule, story, with_bob=True) -> Trace:
    key = (id(rule), story, with_bob)
    if key not in _TRACES:
        if len(_TRACES) > 2000:
            _TRACES.clear()
        try:
            _TRACES[key] = _run(rule, story, with_bob=with_bob)
        except (Refused, EvaluationError, BindingError) as exc:
            _TRACES[key] = exc
    result = _TRACES[key]
    assume(not isinstance(result, Exception))
    return result


def _fail(message, story):
    raise Violation(f"{message} [story: {story.describe()}]")


@register("world", _applies, path=("modes",))
def funds_conserved_and_balances_nonnegative(rule, story):
    """No account balance ever goes negative and funds are conserved: user balances plus market, lender, insurance
    fund and fees always equal what was paid in."""
    trace = trace_of(rule, story)
    if trace.error:
        _fail(trace.error, story)
    for step, state in enumerate(trace.states):
        for acc, (cash, *_) in state.items():
            negative = {a: v for a, v in cash.items() if v < 0}
            if negative:
                _fail(f"step {step}: account {acc} has a negative balance {negative}", story)


@register("world", _applies, path=("modes",))
def isolated_loss_bounded_by_collateral(rule, story):
    """An isolated account can lose at most the collateral allocated to it (margin added later included): it never
    ends below zero and never draws on the owner's other funds."""
    trace = trace_of(rule, story)
    assume("B-iso" in trace.opened)
    asset = _settle(rule, story.market)
    start = trace.states[0]["B"][0].get(asset, Fraction(0))
    for step, state in enumerate(trace.states):
        cash = state["B"][0].get(asset, Fraction(0))
        expected = start - trace.added[step]
        if cash != expected:
            _fail(f"step {step}: bob's cross account holds {cash}, expected {expected}: the isolated account drew "
                  "on it", story)
        iso_cash = state["B-iso"][0]
        if any(v < 0 for v in iso_cash.values()):
            _fail(f"step {step}: bob's isolated account ends below zero: {iso_cash}", story)


@register("world", _applies, path=("modes",))
def isolated_liquidation_changes_no_other_account(rule, story):
    """Liquidating an isolated account changes no other account: everyone else's history is identical with and
    without it."""
    with_bob = trace_of(rule, story)
    assume("B-iso" in with_bob.opened)
    assume(any(state["B-iso"][3] for state in with_bob.states))  # bob's isolated account was liquidated
    without = trace_of(rule, story, with_bob=False)
    for step, (a, b) in enumerate(zip(with_bob.states, without.states)):
        for acc in ("A", "C", "D"):
            if a[acc] != b[acc]:
                _fail(f"step {step}: account {acc} differs when bob's isolated account exists: {a[acc]} vs {b[acc]}",
                      story)


@register("world", _applies, path=("modes",))
def cross_liquidation_closes_every_position(rule, story):
    """A cross liquidation liquidates every position (and debt) of the cross account, not just the losing one."""
    trace = trace_of(rule, story)
    for step, state in enumerate(trace.states):
        for acc in ("A", "C"):
            cash, debt, positions, liquidations, _ = state[acc]
            before = trace.states[step - 1][acc][3] if step else 0
            if liquidations > before and (positions or debt):
                _fail(f"step {step}: cross account {acc} was liquidated but still holds {positions or debt}", story)


@register("world", _applies, path=("modes",))
def cross_liquidates_no_earlier_than_isolated(rule, story):
    """With the same position and the same total funds, a cross account is liquidated no earlier than an isolated
    one, because the spare balance backs it too."""
    trace = trace_of(rule, story)
    assume({"A", "B-iso"} <= trace.opened)
    first = {}
    for step, state in enumerate(trace.states):
        for acc in ("A", "B-iso"):
            if state[acc][3] and acc not in first:
                first[acc] = step
    if "A" in first and first["A"] < first.get("B-iso", len(trace.states)):
        _fail(f"the cross account was liquidated at step {first['A']}, before the isolated one "
              f"({first.get('B-iso', 'never')})", story)


@register("world", _applies, path=("modes",))
def mode_switch_refused_with_open_position_or_order(rule, story):
    """Switching a market's margin mode is refused while the user has an open position or an open order in it."""
    trace = trace_of(rule, story)
    for acc, refused in trace.refused_switches.items():
        holds = acc in trace.opened or acc == "D"
        if holds and not refused:
            what = "an open order" if acc == "D" else "an open position"
            _fail(f"switching {story.market}'s margin mode was allowed for {acc} with {what}", story)


@register("world", _applies, path=("conditions", "liquidation"))
def insolvent_account_is_liquidated(rule, story):
    """An account whose debts (interest included) or losses exceed its assets is always at its liquidation
    condition: the rule never leaves an insolvent account open."""
    trace = trace_of(rule, story)
    for step, state in enumerate(trace.states[1:], start=1):  # step 0 is before any price was evaluated
        for acc, (cash, debt, positions, liquidations, equity) in state.items():
            if (positions or debt) and equity < 0:
                _fail(f"step {step}: account {acc} is insolvent (equity {equity}) but not liquidated", story)
