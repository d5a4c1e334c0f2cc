"""A story as a scenario, run by the one scenario runner, and what the world properties read from the run.

:func:`story_scenario` writes the story as a :class:`~verifier.model.scenario.Scenario` (printable as a scenario
file by :mod:`~verifier.verify.stories.document`, so ``margin-verifier simulate`` reproduces a failure);
:func:`trace_of` runs it with :func:`verifier.simulate.run_scenario` and keeps, per step, each account's state.
Mode switches the story expects to be refused are actions with ``refused: true``: when one goes through, the
next action switches back, so the story goes on as planned.

>>> from verifier.read import load_rule
>>> rule = load_rule("binance/usdm-perpetual")
>>> story = Story(None, "BTC/USDT:USDT", "ETH/USDT:USDT", Fraction(100), Fraction(1, 10), 1, Fraction(4),
...               Fraction(5), 0, Fraction(1), (Fraction(9, 10), Fraction(1, 2)), funds2=Fraction(20),
...               path2=(Fraction(11, 10), Fraction(1)))
>>> trace = run_story(rule, story)
>>> sorted(trace.opened), trace.refused_switches, len(trace.states), [int(a) for a in trace.added]
(['A', 'B-iso', 'C', 'E', 'F', 'F-iso', 'X'], {'A': True, 'D': True, 'B-iso': True}, 3, [1, 1, 1])
>>> [trace.states[2][acc][3] for acc in ("A", "B-iso", "F-iso")]  # liquidations: the isolated ones at half the price
[0, 1, 1]
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from hypothesis import assume

from verifier.errors import EvaluationError, SpecError
from verifier.model.scenario import AccountSpec, Action, Scenario, Step
from verifier.read import resolve_rule_path
from verifier.simulate import BindingError, ConservationError, run_scenario
from verifier.verify.stories.strategy import Story, memo, carried, inputs, instrument, modes, settle

START = _dt.datetime(2026, 1, 1)
"""When a story's clock starts (interest accrues from here)."""


@dataclass
class Trace:
    """Per state (after the set-up, then after each price of the path): account id -> (balances, debts,
    positions, liquidations, equity); what was added to bob's isolated account so far; the switches refused."""

    states: list = field(default_factory=list)
    added: list = field(default_factory=list)
    refused_switches: dict = field(default_factory=dict)  # account -> whether switching its market's mode was refused
    opened: set = field(default_factory=set)  # accounts whose opening went through
    error: str | None = None
    refusals: list = field(default_factory=list)  # why openings were refused
    scenario: Scenario | None = None
    adds_refused: dict = field(default_factory=dict)  # isolated account -> whether a margin it was to get was refused


@dataclass
class _Plan:
    """Which actions of the scenario play which part in the story: (step, action) positions."""

    openings: list = field(default_factory=list)  # (account, [(step, action), ...])
    switches: list = field(default_factory=list)  # (account, (step, action))
    adds: list = field(default_factory=list)  # (step, action, amount, account)


def story_scenario(rule, story: Story, *, with_bob: bool = True) -> tuple[Scenario, _Plan]:
    """The story as a scenario (and the plan saying which action is which)."""
    cross, isolated = modes(rule, story)
    m = story.market
    users = [("alice", "A"), ("carol", "C"), ("dave", "D"), ("erin", "E"), ("xavier", "X"), ("frank", "F")]
    users += [("bob", "B")] if with_bob else []
    accounts = [AccountSpec(acc, user, "cross", mode=cross) for user, acc in users]
    accounts.append(AccountSpec("F-iso", "frank", "isolated", market=m, mode=isolated))
    if with_bob:
        accounts.append(AccountSpec("B-iso", "bob", "isolated", market=m, mode=isolated))
    plan, actions = _Plan(), []
    for tag, action in (_funding(rule, story, with_bob) + _openings(rule, story, with_bob)
                        + [(None, Action("place_order", {"id": "d1", "account": "D", "market": m, "side": "buy",
                                                         "amount": story.size, "price": story.price}))]
                        + _switches(story, with_bob)):
        if tag and tag[0] == "open":
            if tag[2]:  # the first action of an opening
                plan.openings.append((tag[1], []))
            plan.openings[-1][1].append((0, len(actions)))
        elif tag and tag[0] == "switch":
            plan.switches.append((tag[1], (0, len(actions))))
        actions.append(action)
    steps = [Step("open", START if story.hours else None, _prices(rule, story, 1, 1), tuple(actions))]
    if story.hours:
        steps.append(Step(f"{story.hours} h of interest", START + _dt.timedelta(hours=story.hours)))
    first = len(steps)  # the path's first step
    moves2 = story.path2 or story.path
    for move, move2 in zip(story.path, moves2):
        steps.append(Step(f"price x {move}", None, _prices(rule, story, move, move2)))
    if story.add > 0 and story.add_at < len(story.path):
        at = first - 1 + story.add_at  # added before the path's price number add_at: at the end of the step before
        step = steps[at]
        adds = []
        for account in (("B-iso",) if with_bob else ()) + ("F-iso",):  # frank adds what bob adds
            plan.adds.append((at, len(step.actions) + len(adds), story.add, account))
            adds.append(Action("add_margin", {"account": account, "asset": settle(rule, m), "amount": story.add}))
        steps[at] = Step(step.label, step.at, step.prices, step.actions + tuple(adds))
    scenario = Scenario("verify-story", f"verify story of {rule.id}: {story.describe()}", rule, _date(rule, story),
                        tuple(accounts), tuple(steps), rule_ref=memo(rule, "ref", _rule_ref), inputs=inputs(rule),
                        file="<verify story>")
    return scenario, plan


def _funding(rule, story, with_bob) -> list:
    """What each user pays in.  Erin pays in alice's funds and xavier's; frank pays in bob's and xavier's, so that
    his cross wallet differs from bob's while his isolated account gets the same margin."""
    asset, asset2 = settle(rule, story.market), settle(rule, story.other_market)
    funds, funds2 = story.margin + story.spare, story.funds2
    out = []
    payments = [("A", [(asset, funds)]), ("C", [(asset, 2 * funds), (asset2, 2 * funds)]), ("D", [(asset, funds)]),
                ("X", [(asset2, funds2)]), ("E", [(asset, funds), (asset2, funds2)]),
                ("F", [(asset, funds), (asset2, funds2)])]
    payments += [("B", [(asset, funds)])] if with_bob else []
    for acc, amounts in payments:
        total: dict = {}
        for coin, amount in amounts:
            total[coin] = total.get(coin, Fraction(0)) + amount
        for coin, amount in total.items():
            if amount > 0:
                out.append((None, Action("deposit", {"account": acc, "asset": coin, "amount": amount})))
    for acc in (("B-iso", "F-iso") if with_bob else ("F-iso",)):
        if story.margin > 0:
            out.append((None, Action("add_margin", {"account": acc, "asset": asset, "amount": story.margin})))
    if story.hedge:
        out.append((None, Action("set_position_mode", {"user": "carol", "mode": "hedge"})))
    return out


def _openings(rule, story, with_bob) -> list:
    """Every position the story opens: futures trades, or borrow-and-buy / borrow-and-sell in spot margin.
    Tagged ('open', account, first action of this opening).  Erin's actions are alice's then xavier's, and
    frank's are bob's (isolated) and xavier's (cross), amount for amount: a pooled account is its parts summed."""
    m, m2, side, side2 = story.market, story.other_market, story.side, story.other_side
    funds = story.margin + story.spare
    cash = {"A": funds, "B-iso": story.margin, "C": 2 * funds, "X": story.funds2}  # spot: quote held
    alice = _opening(rule, story, "A", m, side, None, cash)
    xavier = _opening(rule, story, "X", m2, side2, None, cash)
    bob = _opening(rule, story, "B-iso", m, side, None, cash)  # frank's isolated opening copies it
    out = list(alice) + (list(bob) if with_bob else []) + list(xavier)
    if story.hedge:
        todo = [("C", m, 1, "long"), ("C", m, -1, "short"), ("C", m2, -side, "long" if side < 0 else "short")]
    else:
        todo = [("C", m, side, None), ("C", m2, -side, None)]
    for acc, market, direction, position_side in todo:
        out += _opening(rule, story, acc, market, direction, position_side, cash)
    out += _renamed(alice, "E", first=True) + _renamed(xavier, "E", first=False)
    out += _renamed(bob, "F-iso", first=True) + _renamed(xavier, "F", first=True)
    return out


def _opening(rule, story, acc, market, direction, position_side, cash) -> list:
    """One position's opening actions for ``acc``, tagged."""
    price = _prices(rule, story, 1, 1)[instrument(rule, market)]
    if not rule.product.spot:
        args = {"account": acc, "market": market, "side": "buy" if direction > 0 else "sell",
                "amount": story.size, **carried(rule, story)}
        if position_side:
            args["position_side"] = position_side
        actions = [Action("trade", args)]
    elif direction > 0:
        need = story.size * price - cash[acc]
        actions = [Action("borrow", {"account": acc, "asset": "USDT", "amount": need})] if need > 0 else []
        actions.append(Action("buy", {"account": acc, "market": market, "amount": story.size}))
        cash[acc] = max(cash[acc] - story.size * price, Fraction(0))
    else:
        actions = [Action("borrow", {"account": acc, "asset": market.split("/")[0], "amount": story.size}),
                   Action("sell", {"account": acc, "market": market, "amount": story.size})]
        cash[acc] += story.size * price
    return [(("open", acc, i == 0), action) for i, action in enumerate(actions)]


def _renamed(opening, account, *, first) -> list:
    """The same actions for ``account``; ``first``: whether they start a new opening of it (else they continue
    the previous one, so erin's two positions are one opening: both went through, or it was refused)."""
    return [(("open", account, first and i == 0), Action(a.verb, {**a.args, "account": account}, a.refused, a.note))
            for i, (_, a) in enumerate(opening)]


def _switches(story, with_bob) -> list:
    """Each holder tries to switch the market's margin mode (refused: it holds a position or an order there);
    a switch that goes through is undone by the next action, so the story goes on as planned."""
    out = []
    tries = [("alice", "A", "isolated", "cross"), ("dave", "D", "isolated", "cross")]
    if with_bob:
        tries.append(("bob", "B-iso", "cross", "isolated"))
    for user, acc, target, original in tries:
        holds = "an open order" if acc == "D" else "an open position"
        out.append((("switch", acc), Action("set_margin_mode", {"user": user, "market": story.market, "mode": target},
                                            refused=True, note=f"{acc} holds {holds} there")))
        out.append((None, Action("set_margin_mode", {"user": user, "market": story.market, "mode": original},
                                 refused=True, note="switches back if the switch above went through")))
    return out


def _prices(rule, story, move, move2) -> dict:
    """The market's price times ``move``, and the other market's (twice the first at opening) times ``move2``."""
    return {instrument(rule, story.market): story.price * move,
            instrument(rule, story.other_market): story.price * 2 * move2}


def _date(rule, story) -> _dt.date:
    """The story's date, or (for 'the latest values') the last date any parameter, formula regime or the story's
    markets' tier tables change."""
    if story.date is not None:
        return story.date
    changes = [since for view in rule.modes.values() for p in view.parameters.values() for since, _ in p.values
               if since is not None] + [r.since for r in rule.regimes if r.since is not None]
    if rule.tiers is not None:
        tables = [rule.tiers.table(m, None) for m in (story.market, story.other_market)]
        changes += [table.effective for table in tables if table is not None]
    return max(changes, default=START.date())


def _rule_ref(rule) -> str:
    """How the scenario file names the rule: its id when that finds this very file, else the file's path."""
    path = Path(rule.file).resolve()
    try:
        if resolve_rule_path(rule.id).resolve() == path:
            return rule.id
    except SpecError:  # the id names no rule under the rules folder
        pass
    return str(path)


def run_story(rule, story: Story, *, with_bob: bool = True) -> Trace:
    """Run the story's scenario and read, per state, every account as the properties compare them."""
    scenario, plan = story_scenario(rule, story, with_bob=with_bob)
    trace = Trace(scenario=scenario)
    try:
        run = run_scenario(scenario)
    except ConservationError as exc:
        trace.error = str(exc)
        return trace
    outcome = {(o.step, o.index): o for o in run.outcomes}
    for acc, positions in plan.openings:
        refusals = [outcome[p].refusal for p in positions if outcome[p].refusal]
        if refusals:
            trace.refusals.append(f"{acc}: {refusals[0]}")
        else:
            trace.opened.add(acc)
    for acc, position in plan.switches:
        trace.refused_switches[acc] = outcome[position].refusal is not None
    trace.adds_refused = {acc: any(outcome[(at, i)].refusal is not None for at, i, _, a in plan.adds if a == acc)
                          for acc in ("B-iso", "F-iso")}
    first = len(run.steps) - len(story.path) - 1  # the state before the path: after the set-up steps
    for index in range(first, len(run.steps)):
        trace.states.append({a.id: (a.balances, a.debts, a.positions, a.liquidations, a.equity)
                             for a in run.steps[index].accounts})
        trace.added.append(sum((amount for at, i, amount, acc in plan.adds
                                if acc == "B-iso" and at <= index and outcome[(at, i)].refusal is None), Fraction(0)))
    return trace


_TRACES: dict = {}


def trace_of(rule, story: Story, with_bob: bool = True) -> Trace:
    """The story's trace (memoised); a story the rule cannot run (no value for a symbol) is rejected."""
    key = (id(rule), story, with_bob)
    if key not in _TRACES or _TRACES[key][0] is not rule:
        if len(_TRACES) > 2000:
            _TRACES.clear()
        try:
            _TRACES[key] = (rule, run_story(rule, story, with_bob=with_bob))
        except (EvaluationError, BindingError) as exc:
            _TRACES[key] = (rule, exc)
    result = _TRACES[key][1]
    assume(not isinstance(result, Exception))
    return result
