"""Shocks run by the reference simulator: each shock is a model Scenario holding both modes side by side.

The scenario rebuilds the account twice in one world.  Per settlement currency a user holds every position in
one cross account funded with that currency's cross wallet; another user holds each position in its own isolated
account funded with its allocation, the rest of each wallet outside them.  Every position opens at its entry
price, then the markets move to their marks, then the shock's steps follow.  What is liquidated, the realised loss
and the equity left are read from the run: no closed form is used, so the table is a second opinion on the
liquidation prices (:mod:`verifier.compare.crosscheck` holds them against each other).

Set-up: where opening at the entry prices is refused or liquidates (a wallet that was smaller than the
maintenance margin at entry, say: the position's profit kept it alive since), the scenario deposits a buffer
of the positions' entry notional beside each wallet, opens, moves to the marks, and takes the buffer back out.

>>> import datetime
>>> from verifier.read import load_rule
>>> from verifier.read.account import account_from_data
>>> from verifier.read.whatif import parse_shocks
>>> from verifier.compare.book import book_of
>>> from verifier.compare.allocation import allocate
>>> rule, day = load_rule("binance/usdm-perpetual"), datetime.date(2026, 11, 28)
>>> book = book_of(rule, [account_from_data({"marginMode": "isolated", "walletBalance": "4000", "positions": [{
...     "symbol": "BTC/USDT:USDT", "side": "long", "contracts": "0.25", "entryPrice": "60000",
...     "markPrice": "60000", "collateral": "1000"}]})], day)
>>> allocated, wallets = allocate(rule, book, (), day)
>>> outcome = simulate_shocks(rule, book, allocated, wallets, parse_shocks("-10%"), day)[0][0]
>>> outcome.last.isolated.liquidated, outcome.last.cross.equity, outcome.liquidated_at
(('BTC/USDT:USDT',), {'USDT': Fraction(3500, 1)}, {('cross', 'USDT'): None, ('isolated', 0): 1})
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from verifier.compare.outcome import ModeOutcome, ShockOutcome, StepOutcome
from verifier.errors import SpecError, UsageError
from verifier.model.account import Place
from verifier.model.scenario import CARRIED, AccountSpec, Action, Scenario, Step
from verifier.model.whatif import Shock, base_of
from verifier.simulate import run_scenario

ZERO = Fraction(0)
FUNDS = "isolated-funds"  # the isolated side's account of what it keeps outside the positions
ISOLATED_USER = "isolated"


@dataclass
class _Plan:
    """Which scenario account holds what, and where the shock's steps start."""

    cross: dict = field(default_factory=dict)  # currency -> cross account id
    isolated: dict = field(default_factory=dict)  # holding index -> isolated account id
    mark_step: int = 0  # index of the step that moves to the marks


def check_held(book, shocks) -> None:
    """Every market (or base asset) a shock or price path names is one a position holds: a move of a market no
    position holds changes nothing (a typo, or another account's market), as ``--allocate`` refuses (MV650).
    Raises MV657 at the command line (``--shock``) or at the step of the price-path file."""
    symbols = {h.symbol for h in book.holdings}
    bases = {base_of(symbol) for symbol in symbols}
    for shock in shocks:
        for step in shock.steps:
            named = [("move", m.key) for m in step.moves if m.key is not None] + [("prices", s) for s in step.prices]
            for part, key in named:
                if key in symbols or part == "move" and key in bases:
                    continue
                what = "--shock" if shock.source == "--shock" else f"step {shock.steps.index(step) + 1} of the path"
                message = f"{what} names {key}, which no position holds"
                diagnostic = shock.locator.diagnostic("MV657", message, Place(step.place.key + (part, key)),
                                                      "the positions: " + ", ".join(sorted(symbols)))
                error = UsageError if shock.source == "--shock" else SpecError
                raise error(message, [diagnostic], code="MV657")


def simulate_shocks(rule, book, allocated, wallets, shocks, date) -> tuple[tuple, str]:
    """(a :class:`ShockOutcome` per shock, the set-up used: 'plain' or 'buffered')."""
    setup = "plain"
    problem = _setup_problem(*_run(rule, book, allocated, wallets, None, date, False))
    if problem is not None:
        setup = "buffered"
        again = _setup_problem(*_run(rule, book, allocated, wallets, None, date, True))
        if again is not None:
            raise book.accounts[0].error(
                "MV655", f"the simulator cannot rebuild these positions: {problem}; with a buffer: {again}", Place(),
                hint="the account is at its liquidation condition both at its entry prices and at its marks; in "
                     "isolated, allocate more (--allocate)")
    outcomes = []
    for shock in shocks:
        run, plan = _run(rule, book, allocated, wallets, shock, date, setup == "buffered")
        outcomes.append(_outcome(book, shock, run, plan))
    return tuple(outcomes), setup


def shock_prices(book, step) -> dict:
    """Symbol -> the step's price of every market the user holds."""
    marks = {h.symbol: h.mark for h in book.holdings}
    return {symbol: step.price(symbol, mark) for symbol, mark in marks.items()}


# --------------------------------------------------------------------------------------------- the scenario


def _run(rule, book, allocated, wallets, shock: Shock | None, date, buffered: bool):
    scenario, plan = shock_scenario(rule, book, allocated, wallets, shock, date, buffered)
    return run_scenario(scenario, debug=True), plan


def shock_scenario(rule, book, allocated, wallets, shock, date, buffered=False) -> tuple[Scenario, _Plan]:
    """The scenario of ``shock`` (None: the set-up only) and the plan of its accounts."""
    plan, accounts = _Plan(), []
    for settle in wallets:
        plan.cross[settle] = f"cross-{settle}"
        # the mode a snapshot names (a rule with two cross modes, Bybit's UTA and classic, needs it said)
        accounts.append(AccountSpec(plan.cross[settle], plan.cross[settle], "cross", mode=book.modes.get("cross")))
    accounts.append(AccountSpec(FUNDS, ISOLATED_USER, "cross", mode=book.modes.get("cross")))
    for h in book.holdings:
        plan.isolated[h.index] = f"isolated-{h.index + 1}"
        accounts.append(AccountSpec(plan.isolated[h.index], ISOLATED_USER, "isolated", market=h.symbol,
                                    mode=book.modes.get("isolated"),
                                    position_side=h.side if book.position_mode == "hedge" else None))
    buffers = _buffers(rule, book, date) if buffered else {}
    entry_steps = _entry_steps(book, plan, _funding(book, allocated, wallets, plan, buffers))
    plan.mark_step = len(entry_steps)
    marks = {h.symbol: h.mark for h in book.holdings}
    steps = entry_steps + [Step("at the marks", prices=marks, actions=_unbuffer(book, plan, buffers))]
    for step in (shock.steps if shock is not None else ()):
        steps.append(Step(step.label, prices=shock_prices(book, step)))
    title = f"compare: {shock.label}" if shock is not None else "compare: set-up"
    return Scenario("compare", title, rule, date, tuple(accounts), tuple(steps), file="<compare>"), plan


def _buffers(rule, book, date) -> dict:
    """Account id -> (currency, buffer): the entry notional of what it holds (the rule's ``notional`` at the entry
    price), beside its wallet while opening."""
    out: dict = {}
    for h in book.holdings:
        notional = book.at_entry(rule, h, ("notional",), date)["notional"]
        for account in (f"cross-{h.settle}", f"isolated-{h.index + 1}"):
            currency, amount = out.get(account, (h.settle, ZERO))
            out[account] = (currency, amount + notional)
    return out


def _funding(book, allocated, wallets, plan, buffers) -> list:
    """Deposits and isolated allocations (with the buffers when buffered); hedge mode first."""
    actions = []
    if book.position_mode == "hedge":
        users = [plan.cross[s] for s in wallets] + [ISOLATED_USER]
        actions += [Action("set_position_mode", {"user": user, "mode": "hedge"}) for user in users]
    for settle, wallet in wallets.items():
        account = plan.cross[settle]
        actions += _deposit(account, settle, wallet.cross_wallet + buffers.get(account, (settle, ZERO))[1])
        isolated_buffers = sum((buffers[plan.isolated[h.index]][1] for h in book.holdings
                                if h.settle == settle and buffers), ZERO)
        actions += _deposit(FUNDS, settle, wallet.cross_wallet + isolated_buffers)
    for h in book.holdings:
        account = plan.isolated[h.index]
        amount = allocated[h.index].amount + (buffers[account][1] if buffers else ZERO)
        if amount > 0:
            actions.append(Action("add_margin", {"account": account, "asset": h.settle, "amount": amount}))
    return actions


def _deposit(account, asset, amount) -> list:
    return [Action("deposit", {"account": account, "asset": asset, "amount": amount})] if amount > 0 else []


def _entry_steps(book, plan, funding) -> list:
    """Open every position at its entry: one step per round of entry prices (hedge legs of one market may differ)."""
    entries: dict = {}
    for h in book.holdings:
        prices = entries.setdefault(h.symbol, [])
        if h.entry not in prices:
            prices.append(h.entry)
    rounds = max(len(p) for p in entries.values())
    steps, current = [], {}
    for r in range(rounds):
        for symbol, prices in entries.items():
            current[symbol] = prices[min(r, len(prices) - 1)]
        trades = []
        for h in book.holdings:
            prices = entries[h.symbol]
            if r < len(prices) and h.entry == prices[r]:
                trades += [_trade(book, h, plan.cross[h.settle]), _trade(book, h, plan.isolated[h.index])]
        label = "open at the entry prices" + (f" ({r + 1})" if rounds > 1 else "")
        steps.append(Step(label, prices=dict(current), actions=tuple((funding if r == 0 else []) + trades)))
    return steps


def _trade(book, holding, account) -> Action:
    args = {"account": account, "market": holding.symbol, "side": "buy" if holding.sign > 0 else "sell",
            "amount": holding.size}
    if book.position_mode == "hedge":
        args["position_side"] = holding.side
    args.update({name: holding.position.fields[name] for name in CARRIED if name in holding.position.fields})
    return Action("trade", args)


def _unbuffer(book, plan, buffers) -> tuple:
    """At the marks: the buffers go back out (isolated ones to the funds account, then out with the rest)."""
    if not buffers:
        return ()
    actions, out_of_funds = [], {}
    for h in book.holdings:
        currency, amount = buffers[plan.isolated[h.index]]
        actions.append(Action("remove_margin", {"account": plan.isolated[h.index], "asset": currency,
                                                "amount": amount}))
        out_of_funds[currency] = out_of_funds.get(currency, ZERO) + amount
    for currency, account in plan.cross.items():
        actions += [Action("withdraw", {"account": account, "asset": currency, "amount": buffers[account][1]})]
    actions += [Action("withdraw", {"account": FUNDS, "asset": c, "amount": a}) for c, a in out_of_funds.items()]
    return tuple(actions)


# --------------------------------------------------------------------------------------------- reading the run


def _setup_problem(run, plan) -> str | None:
    """Why the run did not rebuild the account as given (a refusal, or a liquidation before the marks)."""
    for step in run.steps[:plan.mark_step + 1]:
        for outcome in step.outcomes:
            if outcome.refusal:
                return f"{outcome.verb} in {outcome.who} refused at '{step.label}': {outcome.refusal}"
    for step in run.steps[:plan.mark_step]:
        for event in step.events:
            if event.kind == "liquidation":
                return f"{event.account} is liquidated at '{step.label}' (the entry prices)"
    return None


def _outcome(book, shock, run, plan) -> ShockOutcome:
    groups = {("cross", s): a for s, a in plan.cross.items()}
    groups.update({("isolated", i): a for i, a in plan.isolated.items()})
    liquidated_at = {}
    for group, account in groups.items():
        found = [k - plan.mark_step for k in range(plan.mark_step, len(run.steps))
                 if any(e.kind == "liquidation" and e.account == account for e in run.steps[k].events)]
        liquidated_at[group] = found[0] if found else None
    states = [_step_outcome(book, run.steps[k], k - plan.mark_step, liquidated_at, plan)
              for k in range(plan.mark_step, len(run.steps))]
    return ShockOutcome(shock, states[0], tuple(states[1:]), liquidated_at)


def _step_outcome(book, step, number, liquidated_at, plan) -> StepOutcome:
    by_id = {state.id: state for state in step.accounts}
    cross, isolated = ({}, {}), ({}, {})  # (realised loss, equity) per currency

    def add(into, currency, amount):
        into[currency] = into.get(currency, ZERO) + amount

    for settle, account in plan.cross.items():
        state, gone = by_id[account], _gone(liquidated_at, ("cross", settle), number)
        add(cross[1], settle, state.equity)
        add(cross[0], settle, state.loss if gone else ZERO)
    for currency, amount in by_id[FUNDS].balances.items():
        add(isolated[1], currency, amount)
    for h in book.holdings:
        state, gone = by_id[plan.isolated[h.index]], _gone(liquidated_at, ("isolated", h.index), number)
        add(isolated[1], h.settle, state.equity)
        add(isolated[0], h.settle, state.loss if gone else ZERO)
    cross_gone = tuple(h.label for h in book.holdings if _gone(liquidated_at, ("cross", h.settle), number))
    isolated_gone = tuple(h.label for h in book.holdings if _gone(liquidated_at, ("isolated", h.index), number))
    return StepOutcome(step.label, {k: v for k, v in step.prices.items()},
                       ModeOutcome(cross_gone, *cross), ModeOutcome(isolated_gone, *isolated))


def _gone(liquidated_at, group, number) -> bool:
    at = liquidated_at[group]
    return at is not None and at <= number
