"""World properties share their stories: one Hypothesis search per rule feeds every world property at once.

A story is costly (the simulator walks a dozen accounts through a price path) and every world property reads the
same trace of it.  Searched apart, each property made mostly its own stories (Hypothesis steers its search by what
the property rejects), so a rule paid for five to ten times as many simulations as it needed.  Here each *round* is
one Hypothesis run of the profile's ``max_examples`` stories, every story judged by every property still running;
a property that met fewer than ``max_examples`` stories it applies to (its conditions: ``assume``) gets another
round with fresh stories, up to :data:`ROUNDS` rounds.  So each property is tried on at least as many stories as its
own search gave it, unless its conditions are rare: its row says how many it was tried on.

A property that fails is shrunk on its own failure alone (the other properties' verdicts are ignored while
Hypothesis shrinks); the rest go on in the next round.  Rounds are seeded from the round's number under a
derandomised profile (``ci``), so a run depends only on the rule, the code and the profile.

>>> from verifier.verify.check import check_file
>>> from verifier.verify.properties import properties
>>> rule = check_file("rules/okx/linear-swap.yaml").rule
>>> conserved = [p for p in properties() if p.name == "funds_conserved_and_balances_nonnegative"]
>>> rows = run_world_properties(conserved, rule, "dev")
>>> [(row.name, row.status, row.tried >= 50) for row in rows]
[('funds_conserved_and_balances_nonnegative', 'pass', True)]
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from hypothesis import given, seed, settings
from hypothesis.errors import UnsatisfiedAssumption

from verifier.verify.properties import Violation, properties
from verifier.verify.rows import Row, hypothesis_settings, no_source_constants
from verifier.verify.stories.strategy import stories

ROUNDS = 6
"""Most rounds a rule's world properties get: a property whose conditions hold on fewer than one story in six
is tried on fewer stories than ``max_examples`` (its row's count says how many)."""


@dataclass
class _Tally:
    """What one property met in the shared stories."""

    tried: int = 0
    seconds: float = 0.0
    failure: tuple | None = None  # (Violation, story) of the shrunk failure
    error: str | None = None  # a property that crashed (a bug of ours, not of the rule)


def run_world_properties(props, rule, profile: str) -> list:
    """Run the world properties ``props`` of ``rule`` on shared stories; one :class:`Row` each, in order."""
    tallies = {prop.name: _Tally() for prop in props}
    wanted = settings.get_profile(profile).max_examples
    for number in range(ROUNDS):
        running = [p for p in props if not _done(tallies[p.name], wanted)]
        if not running:
            break
        _round(rule, running, tallies, profile, number)
    return [_row(prop, rule, tallies[prop.name]) for prop in props]


def _done(tally: _Tally, wanted: int) -> bool:
    return tally.failure is not None or tally.error is not None or tally.tried >= wanted


def _round(rule, running, tallies, profile: str, number: int) -> None:
    """One Hypothesis run of stories judged by every property in ``running``; the first to fail is shrunk."""
    focus = {"prop": None}  # once a property fails, only its verdict counts (so Hypothesis shrinks its failure)
    now = {"prop": running[0]}  # the property being judged (the culprit when one crashes)

    def judge(story):
        for prop in running:
            if focus["prop"] is not None and prop is not focus["prop"]:
                continue
            tally = tallies[prop.name]
            now["prop"] = prop
            start = time.perf_counter()
            try:
                prop.func(rule, story)
            except UnsatisfiedAssumption:  # the story does not meet this property's conditions
                continue
            except Violation as exc:
                focus["prop"] = prop
                tally.failure = (exc, story)  # the last failure Hypothesis tries is the shrunk one
                raise
            finally:
                tally.seconds += time.perf_counter() - start
            if focus["prop"] is None:
                tally.tried += 1

    test = hypothesis_settings(profile)(given(stories(rule))(judge))
    if settings.get_profile(profile).derandomize:
        test = seed(number)(test)  # each round its own stories, the same in every run
    try:
        with no_source_constants():
            test()
    except Violation:
        pass  # kept in the focused property's tally
    except Exception as exc:  # noqa: BLE001 - a property that crashes is reported as an error row, never a traceback
        tallies[(focus["prop"] or now["prop"]).name].error = f"{type(exc).__name__}: {exc}"


def world_properties(rule) -> list:
    """The world properties ``rule`` runs: those that apply to it and that its file does not skip."""
    return [p for p in properties() if p.kind == "world" and p.name not in rule.verify_skip
            and not p.applies(rule, None)]


def _row(prop, rule, tally: _Tally) -> Row:
    line = rule.locate(*prop.path)[0] if rule.document is not None else 0
    if tally.error is not None:
        return Row(prop.name, "error", tally.tried, tally.seconds, tally.error, line, None, prop.name, None)
    if tally.failure is not None:
        exc, _ = tally.failure
        if exc.path:
            line = rule.locate(*exc.path)[0]
        return Row(prop.name, "fail", tally.tried, tally.seconds, exc.message, line, exc.example, prop.name, None,
                   exc.scenario)
    if tally.tried == 0:
        return Row(prop.name, "skip", 0, tally.seconds, "no generated input met the property's conditions", line,
                   None, prop.name, None)
    return Row(prop.name, "pass", tally.tried, tally.seconds, "", line, None, prop.name, None)
