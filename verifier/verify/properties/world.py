"""Account-level truths, checked on generated stories run by the reference simulator (``verifier.simulate``).

A story (:mod:`verifier.verify.stories`): users on one rule and date; alice holds a position in her cross
account, bob the same position in an isolated account with part of the same funds, carol two positions in her
cross account, dave only an open order, xavier another position X, erin alice's and xavier's positions pooled in
one cross account, frank bob's isolated account beside a cross wallet holding X; then the mark prices walk
generated paths (X's market its own).  Each story is a scenario run
by the one scenario runner; the story is also run without bob, so that "bob's liquidation changes nobody else" is
a comparison, not a reading of the simulator's own bookkeeping.  A failure carries the story's scenario file.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import assume

from verifier.errors import EvaluationError
from verifier.simulate import BindingError, ConservationError
from verifier.verify.properties._registry import register
from verifier.verify.properties._exact import Violation
from verifier.verify.stories.scenario import run_story, trace_of
from verifier.verify.stories.strategy import Story, is_inverse, markets, modes, settle

_SUPPORT: dict = {}


def support(rule) -> str | None:
    """None when the simulator can run stories of this rule; else why not (e.g. a field it does not model)."""
    key = id(rule)
    if key in _SUPPORT and _SUPPORT[key][0] is rule:
        return _SUPPORT[key][1]
    cross, isolated = modes(rule)
    reason = None
    if cross is None or isolated is None:
        missing = "cross" if cross is None else "isolated"
        reason = (f"the rule defines no {missing} mode (modes: {', '.join(rule.modes)}); these stories compare a "
                  "cross account with an isolated one")
    else:
        try:
            base = Fraction(1, 10)
            size, notional = (base * 100, base) if is_inverse(rule) else (base, base * 100)
            where = markets(rule)
            story = Story(None, where[0], where[-1], Fraction(100), size, 1, notional / 2, notional / 2, 0,
                          notional / 100, (Fraction(1),))
            trace = run_story(rule, story)
            if trace.error is None and not trace.opened & {"A", "B-iso"}:
                reason = ("the simulator refuses to open a 2x position under this rule"
                          + (f" ({trace.refusals[0]})" if trace.refusals else ""))
        except BindingError as exc:
            reason = f"the simulator cannot run this rule: {exc}"
        except (EvaluationError, ConservationError):
            reason = None  # it runs; this story was just refused somewhere
    _SUPPORT[key] = (rule, reason)
    return reason


def _applies(rule, view):
    return support(rule)


def _fail(message, story, trace):
    raise Violation(f"{message} [story: {story.describe()}]", scenario=trace.scenario)


@register("world", _applies, path=("modes",))
def funds_conserved_and_balances_nonnegative(rule, story):
    """No account balance ever goes negative and funds are conserved: user balances plus market, lender, insurance
    fund and fees always equal what was paid in."""
    trace = trace_of(rule, story)
    if trace.error:
        _fail(trace.error, story, trace)
    for step, state in enumerate(trace.states):
        for acc, (cash, *_) in state.items():
            negative = {a: v for a, v in cash.items() if v < 0}
            if negative:
                _fail(f"step {step}: account {acc} has a negative balance {negative}", story, trace)


@register("world", _applies, path=("modes",))
def isolated_loss_bounded_by_collateral(rule, story):
    """An isolated account can lose at most the collateral allocated to it (margin added later included): it never
    ends below zero and never draws on the owner's other funds."""
    trace = trace_of(rule, story)
    assume("B-iso" in trace.opened)
    asset = settle(rule, story.market)
    start = trace.states[0]["B"][0].get(asset, Fraction(0)) + trace.added[0]  # before any margin was added
    for step, state in enumerate(trace.states):
        cash = state["B"][0].get(asset, Fraction(0))
        expected = start - trace.added[step]
        if cash != expected:
            _fail(f"step {step}: bob's cross account holds {cash}, expected {expected}: the isolated account drew "
                  "on it", story, trace)
        iso_cash = state["B-iso"][0]
        if any(v < 0 for v in iso_cash.values()):
            _fail(f"step {step}: bob's isolated account ends below zero: {iso_cash}", story, trace)


@register("world", _applies, path=("modes",))
def isolated_liquidation_changes_no_other_account(rule, story):
    """Liquidating an isolated account changes no other account: everyone else's history is identical with and
    without it."""
    with_bob = trace_of(rule, story)
    assume("B-iso" in with_bob.opened)
    assume(any(state["B-iso"][3] for state in with_bob.states))  # bob's isolated account was liquidated
    without = trace_of(rule, story, with_bob=False)
    for step, (a, b) in enumerate(zip(with_bob.states, without.states)):
        for acc in ("A", "C", "D", "E", "X", "F", "F-iso"):
            if a[acc] != b[acc]:
                _fail(f"step {step}: account {acc} differs when bob's isolated account exists: {a[acc]} vs {b[acc]}",
                      story, with_bob)


@register("world", _applies, path=("modes",))
def cross_liquidation_closes_every_position(rule, story):
    """A cross liquidation liquidates every position (and debt) of the cross account, not just the losing one."""
    trace = trace_of(rule, story)
    for step, state in enumerate(trace.states):
        for acc in ("A", "C", "E", "X", "F"):
            cash, debt, positions, liquidations, _ = state[acc]
            before = trace.states[step - 1][acc][3] if step else 0
            if liquidations > before and (positions or debt):
                _fail(f"step {step}: cross account {acc} was liquidated but still holds {positions or debt}", story,
                      trace)


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
              f"({first.get('B-iso', 'never')})", story, trace)


@register("world", _applies, path=("modes",))
def mode_switch_refused_with_open_position_or_order(rule, story):
    """Switching a market's margin mode is refused while the user has an open position or an open order in it."""
    trace = trace_of(rule, story)
    for acc, refused in trace.refused_switches.items():
        holds = acc in trace.opened or acc == "D"
        if holds and not refused:
            what = "an open order" if acc == "D" else "an open position"
            _fail(f"switching {story.market}'s margin mode was allowed for {acc} with {what}", story, trace)


@register("world", _applies, path=("conditions", "liquidation"))
def insolvent_account_is_liquidated(rule, story):
    """An account whose debts (interest included) or losses exceed its assets is always at its liquidation
    condition: the rule never leaves an insolvent account open."""
    trace = trace_of(rule, story)
    for step, state in enumerate(trace.states[1:], start=1):  # step 0 is before any price was evaluated
        for acc, (cash, debt, positions, liquidations, equity) in state.items():
            if (positions or debt) and equity < 0:
                _fail(f"step {step}: account {acc} is insolvent (equity {equity}) but not liquidated", story, trace)
