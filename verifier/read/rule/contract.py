"""Check a mode against the names code relies on (:mod:`verifier.model.contract`), with located errors.

MV424: a contract name declared as another kind (``upnl`` as a symbol) or in another unit (``maintenance_margin``
in quote in a coin-margined rule, ``margin_level`` with a unit).  MV425: a name the product kind requires is
missing (every mode needs ``liquidation``; a futures mode needs ``upnl``).
"""

from __future__ import annotations

from dataclasses import dataclass

from verifier.formula import ANY, Unit
from verifier.model.contract import CONTRACT, ContractName
from verifier.model.products import Product
from verifier.model.rule import ModeView
from verifier.read.rule.context import RuleContext

_SECTION = {"condition": "conditions", "definition": "definitions", "parameter": "parameters", "symbol": "symbols"}


@dataclass(frozen=True)
class Declared:
    """Where each name of one mode is declared: kind -> {name: path in the document}."""

    by_kind: dict

    def kinds_of(self, name: str) -> list:
        return [kind for kind, names in self.by_kind.items() if name in names]


def check_contract(ctx: RuleContext, view: ModeView, declared: Declared, product: Product,
                   collateral_unit: Unit | None) -> None:
    """Every contract name in ``view`` has its kind and unit; the names ``product`` requires are there."""
    for entry in CONTRACT.values():
        kinds = declared.kinds_of(entry.name)
        for kind in kinds:
            if kind != entry.kind:
                _wrong_kind(ctx, entry, kind, declared.by_kind[kind][entry.name])
        if entry.kind in kinds and collateral_unit is not None:
            _check_unit(ctx, entry, view, declared.by_kind[entry.kind][entry.name], collateral_unit)
        if entry.kind not in kinds and entry.required_for(product):
            _missing(ctx, entry, view, product)


def _wrong_kind(ctx: RuleContext, entry: ContractName, kind: str, path: tuple) -> None:
    if ctx.once(("contract-kind", path)):
        ctx.error("MV424", f"{entry.name!r} is declared as a {kind}, but {_readers(entry)} it as a "
                           f"{entry.kind}: {entry.meaning}", path, at_key=True,
                  hint=f"declare it under '{_SECTION[entry.kind]}', or give the {kind} another name")


def _check_unit(ctx: RuleContext, entry: ContractName, view: ModeView, path: tuple, collateral_unit: Unit) -> None:
    want = entry.unit_in(collateral_unit)
    unit, where = _unit_of(entry, view, path)
    if want is None or unit == ANY or unit == want or not ctx.once(("contract-unit", path)):
        return
    what = "the rule's collateral unit " if entry.unit == "collateral" else ""
    said = "declares no unit" if unit is None else f"is in {unit}"
    ctx.error("MV424", f"{entry.kind} {entry.name!r} {said}, but {_readers(entry)} it in {what}{want}: "
                       f"{entry.meaning}", where,
              hint=f"write it in {want}" if entry.kind == "definition" else f"declare unit: \"{want}\"")


def _unit_of(entry: ContractName, view: ModeView, path: tuple):
    """(unit, where to point) of a declared contract name; ANY when it was not read (its problem is reported)."""
    if entry.kind == "definition":
        definition = view.definitions.get(entry.name)
        return (definition.unit if definition is not None else ANY), path + ("formula",)
    parameter = view.parameters.get(entry.name)
    if parameter is None:
        return ANY, path
    return parameter.unit, (path + ("unit",) if parameter.unit is not None else path)


def _missing(ctx: RuleContext, entry: ContractName, view: ModeView, product: Product) -> None:
    path = ("modes", view.name)
    if entry.name not in ctx.broken and ctx.once(("contract-missing", entry.name, path)):
        which = "every mode" if entry.required == "all" else f"every mode of a {product} rule"
        ctx.error("MV425", f"mode {view.name!r} has no {entry.kind} {entry.name!r}, which {which} needs: "
                           f"{entry.meaning} ({_readers(entry)} it)", path, at_key=True,
                  hint=f"add it under '{_SECTION[entry.kind]}' (for every mode) or under this mode's "
                       f"'{_SECTION[entry.kind]}'")


def _readers(entry: ContractName) -> str:
    """'simulate reads' or 'simulate, derive and verify read'."""
    stages = list(entry.read_by)
    if len(stages) == 1:
        return f"{stages[0]} reads"
    return ", ".join(stages[:-1]) + " and " + stages[-1] + " read"
