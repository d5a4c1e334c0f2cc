"""Step 1 of evaluating an account: what the evaluation uses, decided once from the rule, the account and the date.

The rule as of the date (its dated formulas in force then), the mode that evaluates the account (named by the
file, else its margin mode, by leverage when several), every parameter in force on that date, the symbols the
answer needs, and the mode compiled.  What is missing is the rule's, not the account's: those errors are located
in the rule file (MV604 a date the rule does not cover, MV605 a symbol nothing can supply).

>>> from verifier.read import load_rule
>>> from verifier.read.account import account_from_data
>>> rule = load_rule("binance/spot-margin")
>>> spot = {"marginMode": "isolated", "quote": "USDT", "prices": {"BTC": "1"}, "balances": {"BTC": {"total": "1"}}}
>>> select_mode(rule, account_from_data({**spot, "leverage": 5})).name
'isolated-5x'
>>> setting_for(rule, account_from_data(spot), None).mode.name
'isolated'
"""

from __future__ import annotations

import datetime as _dt
import functools
from dataclasses import dataclass
from fractions import Fraction

from verifier.derive.account.compiled import CompiledMode, compiled_mode
from verifier.errors import Diagnostic, EvaluationError
from verifier.model.evaluate import to_rational, used_parameters


@dataclass(frozen=True)
class Setting:
    """An evaluation's fixed inputs: the rule version and mode, the date, the parameters in force (SymPy symbol ->
    Fraction), the names of the symbols the mode's conditions need, and the compiled mode."""

    rule: object  # verifier.model.rule.Rule, as of ``date``
    mode: object  # its ModeView
    date: _dt.date | None
    parameters: dict
    needed: frozenset
    compiled: CompiledMode
    reads: frozenset | None = None  # the symbols read from a position (None: every one that has a reading)
    definitions: tuple | None = None  # the definitions computed at a position's mark (None: every one)
    vanished: frozenset = frozenset()  # symbols nobody gives, put in as 0: gone from every condition at this account


def setting_for(rule, account, date, definitions=None) -> Setting:
    """Choose the rule's version for ``date`` and the mode for ``account``; check the rule can evaluate it: its
    conditions, or only the ``definitions`` named (then only their inputs are read from a position, and only they
    are computed at its mark).

    The setting depends on the account's positions only through :func:`vanishing`, which has nothing to decide
    when every symbol the answer needs can be read; such a setting is kept and given again for another account of
    the same margin mode, mode and leverage (a unified account sets up one product rule per position)."""
    key = (id(rule), date, account.margin_mode, account.mode, account.leverage,
           tuple(definitions) if definitions is not None else None)
    kept = _SETTINGS.get(key)
    if kept is not None and kept[0] is rule:
        return kept[1]
    given = rule
    rule = rule_at(rule, date, account)
    mode = select_mode(rule, account)
    check_date(rule, mode, date)
    parameters = parameter_values(mode, date)
    exprs = [mode.definitions[name].expr for name in definitions] if definitions is not None else \
        [c.relation for c in mode.conditions.values()]
    needed = needed_symbols(mode, parameters, exprs)
    names = unreadable(mode, account, needed)
    vanished = vanishing(mode, account, parameters, exprs, names)
    if vanished:  # each is multiplied by an input this account gives as 0 wherever it appears: any value gives
        parameters = {**parameters, **{mode.symbols[n].sympy: Fraction(0) for n in vanished}}  # the same answer
        needed -= vanished
    check_readable(rule, mode, account, needed)
    setting = Setting(rule, mode, date, parameters, needed, compiled_mode(mode),
                      reads=needed if definitions is not None else None,
                      definitions=tuple(definitions) if definitions is not None else None,
                      vanished=frozenset(vanished))
    if not names:  # nothing the positions could make vanish: the same for every account of this key
        if len(_SETTINGS) > 1024:
            _SETTINGS.clear()
        _SETTINGS[key] = (given, setting)
    return setting


_SETTINGS: dict = {}  # (id of the rule given, date, margin mode, mode, leverage, definitions) -> (rule, Setting)


def rule_at(rule, date, account=None):
    """The rule as of ``date`` (its dated formulas in force then, of the account's own mode: formulas are dated
    per mode); a date the rule's formulas do not cover is an error located at the rule's definitions (MV604, like
    a date before its parameters)."""
    try:
        if account is None:
            return rule.at(date)
        return rule.at(date, account=account.margin_mode, mode=account.mode)
    except EvaluationError as exc:
        raise _rule_error(rule, "MV604", str(exc), ("definitions",), exc.hint) from None


def select_mode(rule, account):
    """The rule's mode for this account: named by the file, else of its margin mode (by leverage when several)."""
    if account.mode is not None:
        if account.mode not in rule.modes:
            raise account.error("MV601", f"rule {rule.id} has no mode {account.mode!r}", account.at("mode"),
                                hint="one of " + ", ".join(rule.modes))
        return rule.modes[account.mode]
    matching = [m for m in rule.modes.values() if m.account == account.margin_mode]
    if not matching:
        raise account.error("MV601", f"rule {rule.id} has no {account.margin_mode} mode", account.at("marginMode"),
                            hint="its modes: " + ", ".join(f"{m.name} ({m.account})" for m in rule.modes.values()))
    if len(matching) > 1 and account.leverage is not None:
        for mode in matching:
            if mode.leverage == account.leverage:
                return mode
    return matching[0]  # the rule's first mode of that margin mode


def check_date(rule, mode, date) -> None:
    """Every parameter the mode uses has a value in force on ``date``, and the rule says something about it.

    A rule describes its product from its earliest dated value on; before that no value of it is known.
    """
    if date is None:
        return
    for parameter in used_parameters(mode):
        since = parameter.values[0][0]
        if since is not None and since > date:
            raise _rule_error(rule, "MV604", f"parameter {parameter.name!r} has no value on {date.isoformat()}: its "
                                             f"first value is from {since.isoformat()}",
                              _parameter_path(rule, mode, parameter.name),
                              f"evaluate on or after {since.isoformat()} (--date), or add the earlier value to the "
                              "rule with its source")
    dated = [(p.values[0][0], p.name, m) for m in rule.modes.values() for p in m.parameters.values()
             if p.values[0][0] is not None]
    if dated and min(dated, key=lambda item: item[:2])[0] > date:
        since, name, owner = min(dated, key=lambda item: item[:2])
        raise _rule_error(rule, "MV604", f"rule {rule.id} has no values before {since.isoformat()} (its earliest, "
                                         f"parameter {name!r}): it says nothing about {date.isoformat()}",
                          _parameter_path(rule, owner, name),
                          f"evaluate on or after {since.isoformat()} (--date), or add the earlier values to the rule "
                          "with their sources")


def parameter_values(mode, date) -> dict:
    """Symbol -> exact value of every parameter the mode uses that has a value in force on ``date``."""
    out = {}
    for parameter in used_parameters(mode):
        try:
            out[parameter.sympy] = Fraction(parameter.value_at(date))
        except EvaluationError:
            continue  # no value on that date: check_date said whether the mode needs it
    return out


def needed_symbols(mode, parameters: dict, exprs) -> frozenset:
    """Names of the symbols ``exprs`` (the mode's conditions, expanded, or some definitions) use with
    ``parameters`` (those in force): every input of the answer.  A symbol a parameter switches off on that date
    (multiplied by 0) is not needed."""
    used = _used(tuple(exprs), tuple(parameters.items()))
    return frozenset(name for name, spec in mode.symbols.items() if spec.sympy in used)


@functools.lru_cache(maxsize=1024)
def _used(exprs: tuple, parameters: tuple) -> frozenset:
    """The symbols ``exprs`` use with ``parameters`` substituted (cached: a unified account sets up one product
    rule per position, each with the same expressions and parameters)."""
    values = {symbol: to_rational(value) for symbol, value in parameters}
    return frozenset().union(*(expr.xreplace(values).free_symbols for expr in exprs))


def unreadable(mode, account, needed) -> frozenset:
    """Names of the ``needed`` symbols nothing can supply: no snapshot reading, market field, tiers or others."""
    return frozenset(name for name in needed if not (
        (spec := mode.symbols[name]).others or spec.from_tiers or spec.market or
        spec.snapshot_formula(account.margin_mode)))


def vanishing(mode, account, parameters: dict, exprs, names) -> frozenset:
    """Those of ``names`` (symbols nothing supplies) that leave the answer once every snapshot reading that is
    exactly 0 in every position of ``account`` is put in: then every term holding one is 0 whatever its value
    (Binance Portfolio Margin's loan rate BMMR in ``(D + I) * P * BMMR`` of an account that owes nothing), so the
    account is evaluated without it.  ``exprs`` (the conditions) and every definition of the mode (those the
    others-sums add up over the other positions, and those the report shows) are looked at; a symbol left in any of
    them stays needed (MV605).

    >>> from fractions import Fraction as F
    >>> from verifier.model.account import Account, Position
    >>> from verifier.read import load_rule
    >>> mode = load_rule("binance/portfolio-margin").modes["cross"]
    >>> exprs = [c.relation for c in mode.conditions.values()]
    >>> coin = {"total": F(100), "debt": F(0), "interest": F(0), "maintenanceMargin": F(5), "markPrice": F(1)}
    >>> sorted(vanishing(mode, Account("spot", "cross", (Position("USDT/USD", "long", coin),)), {}, exprs, {"BMMR"}))
    ['BMMR']
    >>> owing = {**coin, "interest": F(1, 100)}
    >>> sorted(vanishing(mode, Account("spot", "cross", (Position("USDT/USD", "long", owing),)), {}, exprs, {"BMMR"}))
    []
    """
    if not names or not account.positions:
        return frozenset()
    from verifier.model.snapshot import evaluate_reading

    values = {symbol: to_rational(value) for symbol, value in parameters.items()}
    for name, spec in mode.symbols.items():
        reading = spec.reading(account.margin_mode)
        if reading is not None and all(evaluate_reading(reading, p.fields) == 0 for p in account.positions):
            values[spec.sympy] = 0
    defined = [definition.expr for definition in mode.definitions.values()]  # the others-sums' and every one shown
    left = set().union(*(_left_in(expr, values) for expr in (*exprs, *defined)))
    return frozenset(name for name in names if mode.symbols[name].sympy not in left)


def _left_in(expr, values) -> set:
    """The free symbols of ``expr`` once ``values`` are put in; all of its own where putting them in is undefined
    (a 0 under a division: an inverse contract's ``1 / P`` at a mark of 0), so that nothing vanishes on the
    strength of an expression that has no value there.

    >>> from sympy import symbols
    >>> P, x = symbols("P x")
    >>> sorted(map(str, _left_in(x * P, {P: 0}))), sorted(map(str, _left_in(x / P, {P: 0})))
    ([], ['P', 'x'])
    """
    from sympy import S

    try:
        replaced = expr.xreplace(values)
    except (TypeError, ZeroDivisionError):
        return expr.free_symbols
    if replaced.has(S.NaN, S.ComplexInfinity, S.Infinity, S.NegativeInfinity):
        return expr.free_symbols
    return replaced.free_symbols


def check_readable(rule, mode, account, needed) -> None:
    """Every symbol the mode's conditions need can come from a snapshot (its reading), the market catalog (a
    ``market:`` field), the tiers or the others."""
    for name in sorted(needed):
        spec = mode.symbols[name]
        if spec.others or spec.from_tiers or spec.market or spec.snapshot_formula(account.margin_mode):
            continue
        raise _rule_error(rule, "MV605", f"the {mode.name} mode needs {name}, {spec.meaning}, which neither a "
                                         "snapshot field nor the market catalog gives: the symbol has no 'snapshot:' "
                                         "reading and no 'market:' field",
                          _symbol_path(rule, mode, name),
                          f"give {name} a 'snapshot:' reading over ccxt fields or a 'market:' field of the rule's "
                          "catalog, or evaluate with a rule that reads it; a snapshot cannot supply it (an account "
                          f"whose inputs make every term holding {name} 0, e.g. one that owes nothing where it is a "
                          "loan's rate, is evaluated without it)")


def _parameter_path(rule, mode, name) -> tuple:
    return ("parameters", name) if name in rule.parameters else ("modes", mode.name, "parameters", name)


def _symbol_path(rule, mode, name) -> tuple:
    return ("symbols", name) if name in rule.symbols else ("modes", mode.name, "symbols", name)


def _rule_error(rule, code, message, path, hint) -> EvaluationError:
    """An error located in the rule file (the rule, not the account, lacks what is needed)."""
    line, col = rule.locate(*path)
    diagnostic = Diagnostic(code, message, file=rule.file, line=line, col=col, json_path="$." + ".".join(path),
                            hint=hint)
    return EvaluationError(message, [diagnostic], code=code)
