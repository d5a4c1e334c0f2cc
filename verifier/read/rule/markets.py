"""The rule's market catalog (``markets:``) and tier basis (``tiers:``), and the symbols the catalog supplies.

Checks: the catalog folder reads cleanly; every ``from: tiers`` symbol names a declared tier column in its unit and
every ``market:`` symbol a catalog field in its unit; a rule-wide display tick only where the catalog lists one
market (ticks are per market).
"""

from __future__ import annotations

from pathlib import Path

from verifier.formula import UnitSyntaxError, parse_unit
from verifier.model.tiers import TierSet
from verifier.read.catalog import read_catalog
from verifier.read.rule.context import MARKET_CATALOG, RuleContext

DEFAULT_STALE_AFTER_DAYS = 30
"""evaluate warns about market data last seen longer ago than this, unless the rule says otherwise."""


def read_markets(ctx: RuleContext, data: dict, symbols: dict, base: Path, digest):
    """(the rule's :class:`~verifier.model.market.Catalog` or None, its staleness threshold in days)."""
    section = data.get("markets")
    catalog = None
    if section is not None:
        ctx.check_source(section.get("source"), ("markets", "source"))
        folder = base / section["catalog"]
        if not folder.is_dir():
            ctx.error("MV810", f"market catalog folder {section['catalog']!r} does not exist", ("markets", "catalog"),
                      hint=f"looked for {folder}")
            ctx.broken.add(MARKET_CATALOG)
            return None, DEFAULT_STALE_AFTER_DAYS
        catalog, problems = read_catalog(folder)
        if problems:  # the catalog's own problems are the root: nothing more is said of what uses the catalog
            ctx.problems.extend(problems)
            ctx.broken.add(MARKET_CATALOG)
        else:
            digest.update(b"\0catalog\0" + catalog.content_hash.encode())
    _check_display(ctx, data, catalog)
    stale = section.get("stale_after_days", DEFAULT_STALE_AFTER_DAYS) if section else DEFAULT_STALE_AFTER_DAYS
    return catalog, stale


def read_tiers(ctx: RuleContext, data: dict, symbols: dict, catalog) -> TierSet | None:
    """The :class:`TierSet` of ``tiers:`` over the catalog's tier tables (None without ``tiers:``)."""
    if "tiers" not in data:
        tiered = [name for name, spec in symbols.items() if spec.from_tiers]
        if tiered:
            ctx.error("MV410", f"symbol {tiered[0]!r} comes from tiers, but the rule has no 'tiers' section",
                      ("symbols", tiered[0]))
        return None
    section = data["tiers"]
    ctx.check_source(section.get("source"), ("tiers", "source"))
    if catalog is None or catalog.layout is None:
        if "markets" not in data:
            ctx.error("MV410", "tier tables come from the rule's market catalog, but the rule has no 'markets'",
                      ("tiers",), hint="add markets: {catalog: <folder with catalog.yaml>}")
        elif catalog is not None:
            ctx.error("MV410", f"the market catalog {catalog.id} declares no tier tables ('tiers' in its "
                               "catalog.yaml)", ("tiers",))
        return None
    _check_columns(ctx, symbols, catalog)
    basis_text = section["basis"]
    basis_name = basis_text.strip() if basis_text.strip().isidentifier() else None
    return TierSet(basis_text, basis_name, catalog, section.get("source"))


def _check_columns(ctx: RuleContext, symbols: dict, catalog) -> None:
    """Every tier symbol's column is declared by the catalog, in the symbol's unit."""
    columns = catalog.layout.columns
    for name, spec in symbols.items():
        if not spec.from_tiers:
            continue
        column = columns.get(spec.from_tiers)
        if column is None:
            ctx.error("MV417", f"symbol {name!r} comes from tier column {spec.from_tiers!r}, which the catalog "
                               f"{catalog.id} does not have", ("symbols", name),
                      hint=ctx.suggest(spec.from_tiers, columns) or f"its columns: {', '.join(columns)}")
        elif spec.unit is not None and column.unit is not None and column.unit != spec.unit:
            ctx.error("MV416", f"symbol {name!r} is in {spec.unit} but the catalog's column {spec.from_tiers!r} is "
                               f"in {column.unit}", ("symbols", name, "unit"))


def check_market_symbols(ctx: RuleContext, data: dict, modes: dict, catalog) -> None:
    """Every ``market:`` symbol (global or of a mode) names a field of the catalog, in the field's unit."""
    for mode_name, view in modes.items():
        own = data["modes"][mode_name].get("symbols", {})
        for name, spec in view.symbols.items():
            if spec.market is None:
                continue
            prefix = ("modes", mode_name, "symbols", name) if name in own else ("symbols", name)
            if ctx.once(("market-symbol", prefix)):
                _check_market_symbol(ctx, name, spec, catalog, prefix)


def _check_market_symbol(ctx: RuleContext, name: str, spec, catalog, prefix: tuple) -> None:
    if catalog is None:
        if "markets" not in ctx.doc.data:  # else the catalog could not be read: reported at 'markets'
            ctx.error("MV811", f"symbol {name!r} reads market field {spec.market!r}, but the rule has no market "
                               "catalog", prefix + ("market",), hint="add markets: {catalog: <folder with catalog.yaml>}")
        return
    field = catalog.fields.get(spec.market)
    if field is None:
        ctx.error("MV811", f"symbol {name!r} reads market field {spec.market!r}, which the catalog {catalog.id} "
                           "does not have", prefix + ("market",),
                  hint=ctx.suggest(spec.market, catalog.fields) or f"its fields: {', '.join(catalog.fields)}")
        return
    if field.unit is None or spec.unit is None:
        return
    try:
        field_unit = parse_unit(field.unit)
    except UnitSyntaxError:
        return
    if field_unit != spec.unit:
        ctx.error("MV811", f"symbol {name!r} is in {spec.unit} but market field {spec.market!r} is in {field_unit}",
                  prefix + ("unit",))


def _check_display(ctx: RuleContext, data: dict, catalog) -> None:
    """A rule-wide tick rounds every market's prices alike: only a rule with a single market may have one."""
    price = data.get("display", {}).get("price", {})
    if "tick" not in price:
        return
    count = len(catalog.entries) if catalog is not None else None
    if count != 1:
        listed = "has no market catalog" if count is None else f"'s catalog lists {count} markets"
        ctx.error("MV812", f"a rule-wide price tick applies one tick to every market, but this rule{listed}",
                  ("display", "price", "tick"),
                  hint="ticks are per market, in the market catalog: remove 'tick' and keep 'rounding'")
