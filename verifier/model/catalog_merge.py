"""Adding imported versions to a market's history: never overwriting, only dating.

An imported version (a market's specification or tier table, with its provenance) goes into the market's list of
versions by its effective date E:

* the version in force on E says the same: it is *confirmed*: its ``seen`` date moves up to the import's (nothing
  else changes; the same import twice changes nothing);
* the next later version says the same: that version is now known from E, so its effective date moves back to E;
* otherwise the imported version is inserted at E: the market *changed* (or was *added*).

A different version already effective on E is a conflict (:class:`MergeConflict`): two observations of the same
day disagree, and choosing one would overwrite the other.  Asked to (``replace``: ``import --replace``), the
imported version takes its place instead: a correction of that day's data (*replaced*), which the import's diff
shows bracket by bracket.

>>> import datetime as dt
>>> from fractions import Fraction as F
>>> from verifier.model.market import MarketSpec, Provenance
>>> def spec(tick, day): return MarketSpec("linear", "X", "USDT", "USDT", {"tick": F(tick)},
...                                         Provenance("s", dt.date(2024, 1, day), dt.date(2024, 1, day),
...                                                    dt.date(2024, 1, day)))
>>> versions, what = add_version((spec("0.1", 1),), spec("0.1", 5))
>>> what, versions[0].provenance.seen.day
('confirmed', 5)
>>> versions, what = add_version(versions, spec("0.01", 9))
>>> what, [v.fields["tick"] for v in versions]
('changed', [Fraction(1, 10), Fraction(1, 100)])
>>> add_version(versions, spec("0.01", 9))[1]
'unchanged'
>>> versions, what = add_version(versions, spec("0.05", 9), replace=True)
>>> what, [v.fields["tick"] for v in versions]
('replaced', [Fraction(1, 10), Fraction(1, 20)])
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from verifier.errors import SpecError
from verifier.model.market import Market


class MergeConflict(SpecError):
    """An import disagrees with a version already effective on the same date (``MV823``)."""

    code = "MV823"


def _with_provenance(version, **changes):
    return dataclasses.replace(version, provenance=dataclasses.replace(version.provenance, **changes))


def add_version(versions: tuple, new, replace: bool = False) -> tuple[tuple, str]:
    """(the versions with ``new`` added, 'added' | 'changed' | 'replaced' | 'confirmed' | 'unchanged');
    ``replace``: a different version effective on the same date is replaced, not a conflict."""
    day = new.provenance.effective
    before = [v for v in versions if v.provenance.effective <= day]
    after = [v for v in versions if v.provenance.effective > day]
    current = before[-1] if before else None
    if current is not None and current.same_data(new):
        seen = max(current.provenance.seen, new.provenance.seen)
        if seen == current.provenance.seen:
            return versions, "unchanged"
        return tuple(before[:-1]) + (_with_provenance(current, seen=seen),) + tuple(after), "confirmed"
    if current is not None and current.provenance.effective == day:
        if replace:
            return tuple(before[:-1]) + (new,) + tuple(after), "replaced"
        raise MergeConflict(f"a different version is already effective on {day.isoformat()}",
                            hint="if the new data corrects it, import again with --replace (the diff shows what "
                                 "changes); if it is newer, date it with --effective (a later day)")
    if after and after[0].same_data(new):
        moved = _with_provenance(after[0], effective=day, seen=max(after[0].provenance.seen, new.provenance.seen))
        return tuple(before) + (moved,) + tuple(after[1:]), "confirmed"
    return tuple(before) + (new,) + tuple(after), "added" if not versions else "changed"


@dataclass(frozen=True)
class MarketChange:
    """What an import did to one market: per part ('market', 'tiers') 'added' | 'changed' | 'replaced' |
    'confirmed' | 'unchanged', and the market before and after."""

    symbol: str
    parts: dict
    before: Market | None
    after: Market

    @property
    def kind(self) -> str:
        """'added' (new to the catalog), 'changed' (a new version of a part, or one replaced), 'confirmed' or
        'unchanged'."""
        kinds = set(self.parts.values())
        if self.before is None:
            return "added"
        if kinds & {"added", "changed", "replaced"}:
            return "changed"
        return "confirmed" if "confirmed" in kinds else "unchanged"


def merge_market(market: Market | None, symbol: str, spec=None, tiers=None, replace: bool = False) -> MarketChange:
    """``market`` (None: not in the catalog yet) with an imported specification and/or tier table added
    (``replace``: one effective on a day already recorded replaces that day's version)."""
    specs = market.specs if market is not None else ()
    tables = market.tiers if market is not None else ()
    parts = {}
    try:
        if spec is not None:
            specs, parts["market"] = add_version(specs, spec, replace)
        if tiers is not None:
            tables, parts["tiers"] = add_version(tables, tiers, replace)
    except MergeConflict as exc:
        raise MergeConflict(f"{symbol}: {exc}", hint=exc.hint) from None
    return MarketChange(symbol, parts, market, Market(symbol, specs, tables))


@dataclass(frozen=True)
class CatalogMerge:
    """An import's effect on a whole catalog: one change per imported market, the markets the import did not list
    (kept, with their history: an exchange that stops listing a market leaves its data dated), and every market
    after the merge."""

    changes: tuple
    absent: tuple
    markets: dict  # symbol -> Market, the whole catalog after the merge

    def count(self, kind: str) -> int:
        return sum(1 for change in self.changes if change.kind == kind)

    @property
    def changed(self) -> bool:
        return any(change.kind != "unchanged" for change in self.changes)


def merge_catalog(catalog, specs: dict, tiers: dict, replace: bool = False) -> CatalogMerge:
    """``catalog`` with the imported specifications (symbol -> MarketSpec) and tier tables (symbol -> TierVersion);
    ``replace``: see :func:`add_version`."""
    markets = {symbol: catalog.market(symbol) for symbol in catalog.symbols()}
    changes = []
    for symbol in sorted(set(specs) | set(tiers)):
        change = merge_market(markets.get(symbol), symbol, specs.get(symbol), tiers.get(symbol), replace)
        markets[symbol] = change.after
        changes.append(change)
    absent = sorted(symbol for symbol, market in markets.items()
                    if symbol not in specs and symbol not in tiers
                    and ((specs and market.specs) or (tiers and market.tiers)))
    return CatalogMerge(tuple(changes), tuple(absent), markets)
