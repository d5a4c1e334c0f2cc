"""Symbols: the named inputs of a rule's formulas, each with a unit, a domain and how a snapshot supplies it."""

from __future__ import annotations

from fractions import Fraction

from verifier.errors import FormulaError
from verifier.formula import ANY, DIMENSIONLESS, Term, parse_formula
from verifier.model.snapshot import FIELD_SYMBOLS, SNAPSHOT_FIELDS
from verifier.model.symbols import DomainSyntaxError, SymbolSpec, in_domain, make_sympy_symbol, parse_domain
from verifier.read.rule.context import RuleContext

_SNAPSHOT_ENV = {name: Term(symbol, ANY) for name, symbol in FIELD_SYMBOLS.items()}


def read_symbols(ctx: RuleContext, raw: dict, prefix: tuple) -> dict:
    """The symbols declared under ``prefix`` (``symbols``, a mode's or a published formula's): name -> SymbolSpec."""
    return {name: _symbol(ctx, name, spec, prefix + (name,)) for name, spec in raw.items()}


def _symbol(ctx: RuleContext, name: str, spec: dict, path: tuple) -> SymbolSpec:
    unit = ctx.unit_of(spec["unit"], path + ("unit",))
    domain = _domain(ctx, spec, path)
    one_of = tuple(Fraction(v) for v in spec["one_of"]) if "one_of" in spec else None
    if one_of and domain:
        for index, value in enumerate(one_of):
            if not in_domain(value, domain):
                ctx.error("MV452", f"value {value} of one_of is outside the domain {spec['domain']!r}",
                          path + ("one_of", index))
    ctx.check_source(spec.get("source"), path + ("source",))
    snapshot = spec.get("snapshot")
    readings = {"*": snapshot} if isinstance(snapshot, str) else dict(snapshot or {})
    parsed = _parse_readings(ctx, readings, path)
    if "column" in spec and spec.get("from") != "tiers":
        ctx.error("MV420", "'column' only applies with 'from: tiers'", path + ("column",))
    if "role" in spec and unit is not None:
        _check_role(ctx, name, spec["role"], unit, one_of, path + ("role",))
    return SymbolSpec(
        name=name, unit=unit, meaning=" ".join(str(spec["meaning"]).split()), domain=domain, one_of=one_of,
        from_tiers=(spec.get("column", name) if spec.get("from") == "tiers" else None),
        others=spec.get("others"), snapshot=readings, source=spec.get("source"),
        sympy=make_sympy_symbol(name, domain, one_of), readings=parsed, role=spec.get("role"),
        market=spec.get("market"))


_DIMENSIONLESS_ROLES = ("leverage", "max_leverage", "rate", "ratio")
_AMOUNT_ROLES = ("entry", "price", "money", "signed_money")


def _check_role(ctx: RuleContext, name: str, role: str, unit, one_of, path: tuple) -> None:
    """A declared role fits the symbol: a leverage or rate has no unit, an amount has one, a side is +1 or -1."""
    problem = None
    if role in _DIMENSIONLESS_ROLES and unit != DIMENSIONLESS:
        problem = f"a {role} has no unit, but {name!r} is in {unit}"
    elif role in _AMOUNT_ROLES and unit == DIMENSIONLESS:
        problem = f"a {role} is an amount with a unit, but {name!r} has unit 1"
    elif role == "side" and set(one_of or ()) != {1, -1}:
        problem = f"a side is one_of [1, -1], but {name!r} is not"
    elif role == "choice" and not one_of:
        problem = f"a choice lists its values with one_of, but {name!r} has none"
    if problem:
        ctx.error("MV426", f"role {role!r} does not fit symbol {name!r}: {problem}", path,
                  hint="fix the role or the unit (see 'Symbol roles' in docs/writing-rules.md)")


def _domain(ctx: RuleContext, spec: dict, path: tuple) -> tuple:
    try:
        return parse_domain(spec.get("domain"))
    except DomainSyntaxError as exc:
        ctx.error(exc.code, str(exc), path + ("domain",))
        return ()


def _parse_readings(ctx: RuleContext, readings: dict, path: tuple) -> dict:
    """Each snapshot reading parsed once, here, over the snapshot fields; derive, simulate and docs evaluate
    :meth:`SymbolSpec.reading` and never see the text."""
    parsed = {}
    for kind, text in readings.items():
        reading_path = path + ("snapshot",) + (() if kind == "*" else (kind,))
        try:
            parsed[kind] = parse_formula(text, _SNAPSHOT_ENV, what="snapshot reading").expr
        except FormulaError as exc:
            if exc.code == "MV302":  # an unknown name: say which names a reading may use
                exc.hint = (exc.hint or "") + f" (snapshot fields: {', '.join(SNAPSHOT_FIELDS)})"
            ctx.formula_error(exc, reading_path)
    return parsed


def check_symbol_parameter_clash(ctx: RuleContext, parameters, symbols: dict, prefix: tuple) -> None:
    """A name is a symbol or a parameter, not both."""
    for name in parameters:
        if name in symbols:
            ctx.error("MV420", f"{name!r} is declared both as a symbol and as a parameter", prefix + (name,),
                      at_key=True)
