"""The import job: ccxt market data (``load_markets()`` / ``fetch_leverage_tiers()`` dumps, or fetched live) added
to a rule's market catalog as new dated versions, the effect on a reference position's liquidation price, and the
catalog's shards written (unless ``dry_run``).

Read the catalog and the dumps (:mod:`verifier.read.catalog`) -> merge (:mod:`verifier.model.catalog_merge`) ->
reference moves (:mod:`verifier.derive.catalog_diff`) -> write the shards that changed, all checked before any
is written.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from verifier.derive.catalog_diff import Reference, liquidation_moves
from verifier.errors import SpecError, UsageError
from verifier.model.catalog_merge import merge_catalog
from verifier.read import load_rule
from verifier.read.catalog import catalog_folder_of, check_shard_texts, forget_read, read_catalog, shard_files
from verifier.read.catalog.imports import provenance_of, read_import
from verifier.read.today import today as today_of_check
from verifier.report.catalog import shards


@dataclass(frozen=True)
class Imported:
    """What an import did (or, with ``dry_run``, would do)."""

    rule: str  # the rule as the user named it
    catalog: str  # the catalog folder
    inputs: dict  # what -> the file or live source read ('markets', 'tiers')
    provenance: object  # verifier.model.market.Provenance of the new versions
    skipped: int  # markets the catalog's select left out
    ignored: tuple  # (symbol, field, value, why) of values out of their field's range
    merge: object  # verifier.model.catalog_merge.CatalogMerge
    moves: dict  # symbol -> verifier.derive.catalog_diff.Move of the reference position
    reference: Reference
    reference_given: tuple  # (notional text or None, leverage text) as asked
    not_computed: str | None  # why the reference moves were not computed
    written: tuple  # shard file names written (or that would be)
    removed: tuple  # shard file names removed (or that would be)
    unchanged: int  # shards left as they were
    dry_run: bool

    @property
    def changes_catalog(self) -> bool:
        return bool(self.written or self.removed)


def import_market_data(rule, *, markets=None, tiers=None, live: str | None = None, source: str | None = None,
                       retrieved: _dt.date | None = None, effective: _dt.date | None = None, dry_run: bool = False,
                       reference_notional: Fraction | None = None, reference_leverage: Fraction = Fraction(10),
                       reference_text: tuple = (None, "10")) -> Imported:
    """Import ``markets`` and/or ``tiers`` (dump files), or both fetched by ccxt from exchange ``live``, into the
    catalog of ``rule`` (a rule file or id)."""
    if not (markets or tiers or live):
        raise UsageError("give --markets FILE, --tiers FILE (or both), or --live EXCHANGE", code="MV001")
    catalog, problems = read_catalog(catalog_folder_of(rule))
    if problems:
        raise SpecError(f"the market catalog of {rule} has {len(problems)} problem(s)", problems,
                        code=problems[0].code)
    provenance = provenance_of(catalog, source, retrieved or today_of_check(), effective)
    if live:
        from verifier.jobs.live import fetch  # ccxt: the optional 'live' extra

        markets, tiers = fetch(live, catalog)
    batch = read_import(catalog, provenance, markets=markets, tiers=tiers)
    merge = merge_catalog(catalog, batch.specs, batch.tiers)
    reference = Reference(reference_notional, reference_leverage)
    changed = [c.symbol for c in merge.changes if c.kind == "changed" and _moves_prices(c)]
    moves, why_not = {}, None
    try:  # the rule may need this very import to load (an example naming a market not imported yet)
        loaded = load_rule(rule)
    except SpecError as exc:
        why_not = f"the rule does not load ({len(exc.diagnostics)} problem(s); run margin-verifier check)"
    else:
        after = loaded.with_catalog(catalog.with_markets(merge.markets))
        moves = liquidation_moves(loaded, after, changed, provenance.effective, reference)
    written, removed, unchanged = _write(catalog, merge, dry_run)
    return Imported(str(rule), str(Path(catalog.file).parent), dict(batch.files), provenance, len(batch.skipped),
                    tuple(batch.ignored), merge, moves, reference, tuple(reference_text), why_not, tuple(written),
                    tuple(removed), unchanged, dry_run)


def _moves_prices(change) -> bool:
    """Whether a change can move a liquidation price: a new tier table, or market fields (a tick alone cannot)."""
    if change.parts.get("tiers") in ("added", "changed"):
        return True
    if change.parts.get("market") not in ("added", "changed") or change.before is None:
        return False
    old, new = change.before.spec_at(None), change.after.spec_at(None)
    return old is None or {k: v for k, v in old.fields.items() if k != "tick"} != \
        {k: v for k, v in new.fields.items() if k != "tick"}


def _write(catalog, merge, dry_run: bool) -> tuple:
    """Write the shards whose text changed and remove the ones no market belongs in; (written, removed, unchanged
    count), done or, with ``dry_run``, to be done."""
    folder = Path(catalog.file).parent
    row_keys = catalog.layout.row_keys if catalog.layout is not None else ("floor", "cap")
    texts = shards(catalog.id, merge.markets.values(), catalog.shard_layout, row_keys)
    existing = {path.name: path for path in shard_files(folder)}
    written = [name for name, text in texts.items()
               if name not in existing or existing[name].read_text(encoding="utf-8") != text]
    removed = sorted(name for name in existing if name not in texts)
    problems = check_shard_texts(folder, {name: texts[name] for name in written})
    if problems:  # nothing is written unless all of it passes check
        raise SpecError(f"the catalog this import would write to {folder} does not pass check", problems,
                        code=problems[0].code)
    if not dry_run and (written or removed):
        for name in written:
            (folder / name).write_text(texts[name], encoding="utf-8")
        for name in removed:
            existing[name].unlink()
        forget_read()
    return written, removed, len(texts) - len(written)
