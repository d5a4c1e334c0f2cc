"""The rule's tier section: one tier table file per market, the basis that picks a row, the columns symbols read."""

from __future__ import annotations

from pathlib import Path

from verifier.model.tiers import TierSet
from verifier.read._tierfile import load_tier_table
from verifier.read.rule.context import RuleContext


def read_tiers(ctx: RuleContext, data: dict, symbols: dict, base: Path, digest) -> TierSet | None:
    """The :class:`TierSet` of ``tiers:`` (None without one); each table file's bytes go into ``digest``."""
    if "tiers" not in data:
        tiered = [name for name, spec in symbols.items() if spec.from_tiers]
        if tiered:
            ctx.error("MV410", f"symbol {tiered[0]!r} comes from tiers, but the rule has no 'tiers' section",
                      ("symbols", tiered[0]))
        return None
    section = data["tiers"]
    ctx.check_source(section.get("source"), ("tiers", "source"))
    tables = {}
    for market, relative in section["tables"].items():
        table = _table(ctx, market, relative, base, digest)
        if table is not None:
            tables[market] = table
    basis_text = section["basis"]
    basis_name = basis_text.strip() if basis_text.strip().isidentifier() else None
    _check_columns(ctx, symbols, tables)
    return TierSet(basis_text, basis_name, tables, section.get("source"))


def _table(ctx: RuleContext, market: str, relative: str, base: Path, digest):
    path = ("tiers", "tables", market)
    file = base / relative
    if not file.is_file():
        ctx.error("MV410", f"tier table file {relative!r} does not exist", path, hint=f"looked for {file}")
        ctx.broken.add(market)
        return None
    table, problems, raw = load_tier_table(file)
    digest.update(b"\0" + relative.encode() + b"\0" + raw)
    if problems:  # the table's own problems are the root: nothing more is said of what uses the table
        ctx.problems.extend(problems)
        ctx.broken.add(market)
        return None
    if table.market != market:
        ctx.error("MV418", f"tier file {relative!r} is for market {table.market!r}, not {market!r}", path)
    return table


def _check_columns(ctx: RuleContext, symbols: dict, tables: dict) -> None:
    """Every tier symbol's column exists in every table, in the symbol's unit."""
    for name, spec in symbols.items():
        if not spec.from_tiers:
            continue
        for market, table in tables.items():
            column_unit = table.columns.get(spec.from_tiers)
            if column_unit is None:
                ctx.error("MV417", f"symbol {name!r} comes from tier column {spec.from_tiers!r}, which the "
                                   f"{market} table does not have", ("symbols", name),
                          hint=ctx.suggest(spec.from_tiers, table.columns))
            elif spec.unit is not None and column_unit != spec.unit:
                ctx.error("MV416", f"symbol {name!r} is in {spec.unit} but the {market} table's column "
                                   f"{spec.from_tiers!r} is in {column_unit}", ("symbols", name, "unit"))
