"""The import job: ccxt market data (``load_markets()`` / ``fetch_leverage_tiers()`` dumps, or fetched live) added
to a rule's market catalog as new dated versions, the effect on a reference position's liquidation price, and the
catalog's shards written (unless ``dry_run``).

Read the catalog and the dumps (:mod:`verifier.read.catalog`) -> merge (:mod:`verifier.model.catalog_merge`) ->
reference moves (:mod:`verifier.derive.catalog_diff`) -> write the shards that changed, all checked before any
is written.
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from verifier.derive.catalog_diff import Reference, liquidation_moves
from verifier.errors import Diagnostic, SpecError, UsageError
from verifier.model.catalog_merge import merge_catalog
from verifier.read import load_rule
from verifier.read.catalog import catalog_folder_of, check_shard_texts, forget_read, read_catalog, shard_files
from verifier.read.catalog.imports import provenance_of, read_import
from verifier.read.dependencies import direct_references
from verifier.read.rule_sources import mark_noted, resolve_rule_path, shipped_root, shown, user_folders, write_problem
from verifier.read.today import today as today_of_check
from verifier.report.catalog import shards
from verifier.report.outputs import write_output


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
    notes: tuple = ()  # what the person running it should know (a shipped rule copied into their folder)

    @property
    def changes_catalog(self) -> bool:
        return bool(self.written or self.removed)


def import_market_data(rule, *, markets=None, tiers=None, live: str | None = None, source: str | None = None,
                       retrieved: _dt.date | None = None, effective: _dt.date | None = None, dry_run: bool = False,
                       reference_notional: Fraction | None = None, reference_leverage: Fraction = Fraction(10),
                       reference_text: tuple = (None, "10"), replace: bool = False) -> Imported:
    """Import ``markets`` and/or ``tiers`` (dump files), or both fetched by ccxt from exchange ``live``, into the
    catalog of ``rule`` (a rule file or id); ``replace``: data effective on a day the catalog already has a
    different version for corrects that version (else MV823)."""
    if not (markets or tiers or live):
        message = "give --markets FILE, --tiers FILE (or both), or --live EXCHANGE"
        raise UsageError(message, [Diagnostic("MV001", message, file="<command line>")], code="MV001")
    notes = ()
    if not dry_run:  # never into the installed package: the user's folder (a copy), or a checkout
        _, notes = writable_rule(rule)
    catalog, problems = read_catalog(catalog_folder_of(rule))
    if problems:
        raise SpecError(f"the market catalog of {rule} has {len(problems)} problem(s)", problems,
                        code=problems[0].code)
    provenance = provenance_of(catalog, source, retrieved or today_of_check(), effective)
    if live:
        from verifier.jobs.live import fetch  # ccxt: the optional 'live' extra

        markets, tiers = fetch(live, catalog)
    batch = read_import(catalog, provenance, markets=markets, tiers=tiers)
    merge = merge_catalog(catalog, batch.specs, batch.tiers, replace)
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
    written, removed, unchanged = _write(catalog, merge, dry_run, inputs=(markets, tiers))
    return Imported(str(rule), str(Path(catalog.file).parent), dict(batch.files), provenance, len(batch.skipped),
                    tuple(batch.ignored), merge, moves, reference, tuple(reference_text), why_not, tuple(written),
                    tuple(removed), unchanged, dry_run, tuple(notes))


def _moves_prices(change) -> bool:
    """Whether a change can move a liquidation price: a new tier table, or market fields (a tick alone cannot)."""
    if change.parts.get("tiers") in ("added", "changed", "replaced"):
        return True
    if change.parts.get("market") not in ("added", "changed", "replaced") or change.before is None:
        return False
    old, new = change.before.spec_at(None), change.after.spec_at(None)
    return old is None or {k: v for k, v in old.fields.items() if k != "tick"} != \
        {k: v for k, v in new.fields.items() if k != "tick"}


def writable_rule(rule) -> tuple:
    """(the file of ``rule`` whose market catalog import may write, notes): the rule in force when its folder is
    the user's or a checkout's; a shipped rule installed in site-packages is first copied, with every file it reads,
    into the user's first rule folder (where the copy then takes the shipped rule's place).  Without a user's
    folder: :class:`UsageError` MV005, naming ``--rules``."""
    path = resolve_rule_path(rule)
    problem = write_problem(catalog_folder_of(path))
    if problem is None:
        return path, ()
    if not user_folders():
        raise UsageError(problem.message, [problem], code="MV005")
    root, target = shipped_root(), user_folders()[0]
    copies = {source: target / os.path.relpath(os.path.abspath(source), root)
              for source in [path, *direct_references(path)]}
    existing = [str(shown(dest)) for dest in copies.values() if dest.exists()]
    if existing:
        raise SpecError(f"{existing[0]} exists", [Diagnostic(
            "MV005", f"copying the shipped rule {rule} into {shown(target)} would replace {existing[0]}",
            file=existing[0], hint="move it away, or put the rule file beside it so that import updates your copy")],
            code="MV005")
    for source, dest in copies.items():
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)
    rule_id = os.path.relpath(os.path.abspath(path), root).rsplit(".", 1)[0].replace(os.sep, "/")
    mark_noted(rule_id)
    return copies[path], (f"copied the shipped rule {rule_id} and the {len(copies) - 1} files it reads into "
                          f"{shown(target)}; the import updates that copy, which takes the shipped rule's place",)


def _write(catalog, merge, dry_run: bool, inputs=()) -> tuple:
    """Write the shards whose text changed and remove the ones no market belongs in; (written, removed, unchanged
    count), done or, with ``dry_run``, to be done."""
    folder = Path(catalog.file).parent
    problem = None if dry_run else write_problem(folder)
    if problem is not None:  # the last guard: nothing is ever written into the installed package
        raise UsageError(problem.message, [problem], code="MV005")
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
        for name in written:  # atomically, never over one of the run's inputs
            write_output(folder / name, texts[name], "import", [i for i in inputs if isinstance(i, (str, Path))])
        for name in removed:
            existing[name].unlink()
        forget_read()
    return written, removed, len(texts) - len(written)
