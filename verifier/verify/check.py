"""The ``check`` job: load files, run the worked examples that need no solving, summarise.

Examples whose expectations are closed-form prices are run by the derive stage when it
is installed (see :func:`register_price_example_runner`); until then they count as pending.
"""

from __future__ import annotations

from fractions import Fraction

from verifier.errors import Diagnostic
from verifier.model.evaluate import EvaluationError, evaluate
from verifier.spec import check_file, expand_paths

_PRICE_RUNNER = None


def register_price_example_runner(runner) -> None:
    """``runner(rule, example, key) -> Fraction`` computes a '<condition>_price' expectation."""
    global _PRICE_RUNNER
    _PRICE_RUNNER = runner


def _price_runner():
    global _PRICE_RUNNER
    if _PRICE_RUNNER is None:
        try:
            import verifier.derive
        except ImportError:
            return None
        _PRICE_RUNNER = verifier.derive.example_price
    return _PRICE_RUNNER


def check_paths(paths) -> tuple[list, list[Diagnostic]]:
    """Check every file under ``paths``; returns (results, diagnostics about the paths themselves)."""
    files, problems = expand_paths(paths)
    results = [check_file(path) for path in files]
    for result in results:
        if result.rule is not None:
            run_examples(result)
    return results, problems


def run_examples(result) -> None:
    """Run the rule's examples; a mismatch becomes an MV500 diagnostic at the example."""
    rule = result.rule
    for example in rule.examples:
        mode = rule.mode(example.mode)
        for key, expected in example.expect.items():
            path = ("examples", example.index, "expect", key)
            try:
                if key in mode.definitions:
                    actual = evaluate(mode, key, example.given, date=example.date, tiers=rule.tiers,
                                      market=example.market)
                else:
                    runner = _price_runner()
                    if runner is None:
                        result.examples_pending += 1
                        continue
                    actual = runner(rule, example, key)
            except (EvaluationError, LookupError) as exc:
                result.diagnostics.append(rule.document.diagnostic(
                    "MV501", f"example {example.name!r}: cannot compute {key}: {exc}", path))
                continue
            result.examples_checked += 1
            if actual is None:
                result.diagnostics.append(rule.document.diagnostic(
                    "MV500", f"example {example.name!r}: expected {key} = {_show(expected)}, but there is none",
                    path))
            elif abs(actual - expected) > example.tolerance:
                result.diagnostics.append(rule.document.diagnostic(
                    "MV500", f"example {example.name!r}: expected {key} = {_show(expected)} "
                             f"(tolerance {_show(example.tolerance)}), computed {_show(actual)}",
                    path, hint="check the inputs under 'given', the formula, or the tolerance"))


def _show(value: Fraction, digits: int = 12) -> str:
    """A readable exact-ish decimal: exact when it terminates within ``digits`` places."""
    if value.denominator == 1:
        return str(value.numerator)
    scaled = value * 10**digits
    text = f"{abs(round(scaled)) / 1:.0f}".rjust(digits + 1, "0")
    text = (text[:-digits] + "." + text[-digits:]).rstrip("0").rstrip(".")
    sign = "-" if value < 0 else ""
    approx = "" if scaled.denominator == 1 else "~"
    return f"{approx}{sign}{text}"
