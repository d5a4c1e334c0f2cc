"""Warnings about what a rule's worked examples leave unpinned (they never change the exit code):

* MV457: a tolerance wider than one unit of the expected value's last decimal, without ``tolerance_reason``
  (``tolerance: 100`` on a price printed to the cent would let a wrong formula pass);
* MV458: a liquidation or margin-call condition with no example exactly on its boundary: nothing tells '<' from
  '<=', so a rule with the wrong one passes (a warning, not an error: most sources never state the boundary, and
  an example derived from the rule's own operator would pin nothing; the warning keeps the choice visible);
* MV408: a dated regime no example covers: a parameter value (or a formula version) whose dates no example's
  expectation depends on, so swapping two effective dates passes.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction

from verifier.model.evaluate import EvaluationError, substitutions, to_fraction
from verifier.model.numbers import exact_text
from verifier.model.regimes import in_force, interval_text
from verifier.read.rule.examples import inputs_needed

BOUNDARY_CONDITIONS = ("liquidation", "margin_call")


SUMMARIES = {
    "MV457": "worked examples whose tolerance is wider than their expected value is written (a wrong formula within "
             "it would pass)",
    "MV458": "conditions with no worked example exactly on their boundary (nothing tells '<' from '<=')",
    "MV408": "dated regimes no worked example pins (swapping their effective dates would pass)",
}
"""What several warnings of one code say together (one line on stderr names each by its place: ``subject``)."""


def coverage_warnings(rule) -> list:
    """Every MV457, MV458 and MV408 warning for ``rule``, located in its file."""
    out = [_warning(rule, *w) for w in _tolerances(rule)]
    out += [_warning(rule, *w) for w in _boundaries(rule)]
    out += [_warning(rule, *w) for w in _regimes(rule)]
    return out


def _warning(rule, code, message, path, hint, about):
    found = rule.document.diagnostic(code, message, path, hint=hint)
    return dataclasses.replace(found, severity="warning", subject=f"{found.file}:{found.line}:{found.col} {about}",
                               summary=SUMMARIES[code])


def decimals(value: Fraction) -> int | None:
    """Decimal places of a terminating value (None for one that does not terminate)."""
    places = 0
    while (value * 10**places).denominator != 1:
        places += 1
        if places > 30:
            return None
    return places


def _tolerances(rule):
    for example in rule.examples:
        if not example.tolerance or example.tolerance_reason:
            continue
        for key, value in example.expect.items():
            if isinstance(value, bool):
                continue
            places = decimals(value)
            if places is None:
                continue
            unit = Fraction(1, 10**places)
            if example.tolerance > unit:
                yield ("MV457", f"example {example.name!r}: tolerance {exact_text(example.tolerance)} is wider than "
                                f"{key} = {exact_text(value)} is written ({exact_text(unit)}): a wrong formula within it "
                                "would pass", ("examples", example.index, "tolerance"),
                       "narrow it, or say why under 'tolerance_reason' (e.g. the source rounds its inputs)",
                       f"({example.name})")
                break


def _on_boundary(rule, example, condition) -> bool:
    mode = rule.at(example.date).mode(example.mode)
    relation = mode.conditions[condition].relation
    try:
        subs = substitutions(mode, example.given, date=example.date, tiers=rule.tiers, market=example.market,
                             needed={s.name for s in relation.free_symbols},
                             parameters={s.name for s in relation.free_symbols})
        lhs, rhs = relation.lhs.xreplace(subs), relation.rhs.xreplace(subs)
        return not lhs.free_symbols and not rhs.free_symbols and to_fraction(lhs) == to_fraction(rhs)
    except (EvaluationError, TypeError, ValueError):
        return False


def _boundaries(rule):
    raw_modes = rule.document.data.get("modes", {}) if rule.document is not None else {}
    reported = set()
    for condition in BOUNDARY_CONDITIONS:
        for name, mode in rule.modes.items():
            found = mode.conditions.get(condition)
            if found is None or found.operator not in ("<", "<=", ">", ">="):
                continue
            own = condition in raw_modes.get(name, {}).get("conditions", {})
            path = ("modes", name, "conditions", condition) if own else ("conditions", condition)
            if path in reported:
                continue
            users = [m for m, view in rule.modes.items() if view.conditions.get(condition) is not None and
                     (m == name if own else condition not in raw_modes.get(m, {}).get("conditions", {}))]
            if any(e.mode in users and condition in e.expect and _on_boundary(rule, e, condition)
                   for e in rule.examples):
                continue
            reported.add(path)
            yield ("MV458", f"condition {condition!r} ({found.text}) has no example exactly on its boundary: "
                            f"nothing tells its {found.operator!r} from the other comparison", path + ("when",),
                   "add an example whose inputs make both sides equal, expecting the condition true or false (e.g. "
                   "liquidation: true), from a source that states the boundary (or note in 'disagreements' that "
                   "none does)", f"({condition}: {found.text})")


def _regimes(rule):
    """Dated parameter values and formula versions no example's expectation depends on."""
    for name, spec_path, parameter, modes in _dated_parameters(rule):
        for index, (since, value) in enumerate(parameter.values):
            until = parameter.values[index + 1][0] if index + 1 < len(parameter.values) else None
            if not any(_depends(rule, e, name) and _dated_in(e, since, until) for e in rule.examples
                       if e.mode in modes):
                yield ("MV408", f"parameter {name!r} = {exact_text(value)} ({interval_text(since, until)}) is "
                                "pinned by no example: swapping its effective dates would pass",
                       spec_path + ("values",), "add an example dated in that interval whose expectation uses it",
                       f"({name} = {exact_text(value)} {interval_text(since, until)})")
    for regime in rule.regimes:
        if regime.modes is None:
            continue
        if not any(_dated_in(e, regime.since, regime.until) for e in rule.examples):
            yield ("MV408", f"the formulas in force {regime.label} are pinned by no example", ("definitions",),
                   "add an example dated in that interval whose expectation uses it", f"(formulas {regime.label})")


def _dated_parameters(rule):
    data = rule.document.data if rule.document is not None else {}
    for name, parameter in rule.parameters.items():
        if len(parameter.values) > 1:
            yield name, ("parameters", name), parameter, set(rule.modes)
    for mode_name, raw in data.get("modes", {}).items():
        for name in raw.get("parameters", {}):
            parameter = rule.modes[mode_name].parameters[name]
            if len(parameter.values) > 1:
                yield name, ("modes", mode_name, "parameters", name), parameter, {mode_name}


def _depends(rule, example, name) -> bool:
    try:
        mode = rule.at(example.date).mode(example.mode)
    except EvaluationError:
        return False
    return any(name in (inputs_needed(mode, key) or ()) and name not in example.given for key in example.expect)


def _dated_in(example, since, until) -> bool:
    if example.date is None:
        return until is None  # an undated example is judged on the latest values
    return in_force(example.date, since, until)
