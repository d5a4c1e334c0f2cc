"""Account-level truths about pooled and separated funds, on the stories (:mod:`verifier.verify.stories`).

* erin's cross account holds alice's position and xavier's position X, with both their funds: a cross account is
  its parts pooled (a part's profit helps the other, its requirement burdens it, each counted once);
* frank's isolated account is bob's (same margin, same additions) while his cross wallet holds more funds and
  X, whose price moves on its own: an isolated account knows nothing of its owner's other funds.
"""

from __future__ import annotations

from hypothesis import assume

from verifier.verify.properties._registry import register
from verifier.verify.properties.world import _applies, _fail
from verifier.verify.stories.scenario import trace_of


def first_liquidation(trace, account) -> int | None:
    """The first state at which ``account`` has been liquidated, or None."""
    return next((step for step, state in enumerate(trace.states) if state[account][3]), None)


@register("world", _applies, path=("modes",))
def cross_account_is_its_positions_pooled(rule, story):
    """A cross account holding two positions is the two positions' accounts pooled: when the first of the three is
    liquidated, the pooled one goes only if a part alone goes too, and goes if both parts alone go, so the other
    position's profit and requirement count once, each with its sign."""
    trace = trace_of(rule, story)
    assume({"A", "X", "E"} <= trace.opened)
    steps = {acc: first_liquidation(trace, acc) for acc in ("A", "X", "E")}
    known = [s for s in steps.values() if s is not None]
    assume(known)
    first = min(known)
    pooled, alice, xavier = (steps[acc] == first for acc in ("E", "A", "X"))
    if pooled and not (alice or xavier):
        _fail(f"step {first}: erin's cross account (alice's position and X, both their funds) is liquidated while "
              "alice's and xavier's accounts, each with one of the positions, are not", story, trace)
    if alice and xavier and not pooled:
        _fail(f"step {first}: alice's and xavier's accounts are both liquidated, but erin's, holding both positions "
              "with both their funds, is not", story, trace)


@register("world", _applies, path=("modes",))
def isolated_account_ignores_owner_other_funds(rule, story):
    """An isolated account's liquidation does not depend on its owner's other funds or positions: frank's isolated
    account, a copy of bob's beside a cross wallet with more funds and a position of its own, goes through the same
    states."""
    trace = trace_of(rule, story)
    assume({"B-iso", "F-iso"} <= trace.opened)
    assume(trace.adds_refused.get("B-iso") == trace.adds_refused.get("F-iso"))
    for step, state in enumerate(trace.states):
        if state["B-iso"] != state["F-iso"]:
            _fail(f"step {step}: frank's isolated account {state['F-iso']} differs from bob's {state['B-iso']}: the "
                  "isolated account reads its owner's other funds (frank's cross wallet holds more, and X)",
                  story, trace)
