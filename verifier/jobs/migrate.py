"""The migrate job: a rule of the previous format (``tiers.tables`` naming one tier file per market) moved to the
market-catalog format: its tier tables become dated versions in the rule's market catalog, the rule names the
catalog, and the old tier files go.

Read the rule and its tier files (:mod:`verifier.read.previous_format`, every problem located in them) -> the catalog:
the one the rule already names, else a new ``markets/<product>/`` beside the rule whose header comes from the tier
files' layout and sources, with what they cannot say (the ccxt exchange id, how ccxt writes prices, where ccxt gives
each column) from the options, else from the shipped catalog of the same rule id -> merge the tables as versions
(:mod:`verifier.model.catalog_merge`: effective on the file's ``effective``, or on its source's retrieval date as
``import`` dates an undated snapshot) -> write the shards (checked before they are written), rewrite the rule's text
(``tables`` out, ``markets`` in: its comments and layout kept), remove the old tier files -> load the rule again.
Anything refused is refused before a file changes; a rule that does not load afterwards is put back as it was.
``dry_run`` writes nothing and says what would be done.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from verifier.errors import Diagnostic, SpecError, UsageError
from verifier.model.catalog_merge import merge_catalog
from verifier.model.market import STANDARD_FIELDS, Provenance, TierVersion
from verifier.model.tiers import TierTable
from verifier.read.loader import rule_from_document
from verifier.read._yaml import DocumentError, read_file
from verifier.read.catalog import catalog_folder_of, check_shard_texts, forget_read, read_catalog, shard_files
from verifier.read.catalog.header import HEADER_NAME, read_header
from verifier.read.kinds import kind_of
from verifier.read.previous_format import listed_tables, previous_format_problems, read_old_table, tier_file_problem
from verifier.read.rule_sources import resolve_rule_path, rules_root, shown, write_problem
from verifier.report.catalog import header_text, shards
from verifier.report.outputs import write_output

PRICE_PRECISIONS = ("tick", "decimals", "significant")
UNIFIED = {"rate": "maintenanceMarginRate", "max_leverage": "maxLeverage"}
"""Where ccxt's unified ``fetch_leverage_tiers()`` gives a maintenance rate and a maximum leverage (every exchange)."""


@dataclass(frozen=True)
class Table:
    """One tier file moved: its market, file, effective date and where that date came from, rows, source id."""

    symbol: str
    file: str
    effective: _dt.date
    dated_by: str  # 'effective' (the file's) or 'retrieved' (its source's retrieval date)
    rows: int
    source: str


@dataclass(frozen=True)
class Migrated:
    """What a migration did (or, with ``dry_run``, would do)."""

    rule: str
    catalog: str  # the catalog folder
    created: bool  # a new catalog (its header written)
    header_from: tuple  # (what, where) pairs: which header values came from the options or the shipped catalog
    tables: tuple  # of Table
    sources: tuple  # ids of the sources the tables cite, added to the catalog
    merge: object  # verifier.model.catalog_merge.CatalogMerge
    written: tuple  # catalog files written (or that would be)
    rule_edits: tuple  # what changed in the rule's text
    removed: tuple  # old tier files removed
    dry_run: bool
    remaining: tuple = ()  # the rule's problems that have nothing to do with the format (check shows them)


def migrate_rule(rule, *, exchange: str | None = None, price_precision: str | None = None, ccxt: dict | None = None,
                 dry_run: bool = False) -> Migrated:
    """Migrate ``rule`` (a rule file or id) to the market-catalog format; ``exchange``, ``price_precision`` and
    ``ccxt`` (tier column -> ccxt key path) for a new catalog's header.  Raises located :class:`SpecError` (the tier
    files' problems, MV830-MV832) and :class:`UsageError` (MV831: header values no option or shipped catalog gives;
    MV005: a folder that is not the user's)."""
    path = resolve_rule_path(rule)
    doc = _read(path)
    if kind_of(doc.data) == "tiers":  # the tier file itself: say which rule to give
        raise SpecError(f"{path} is a tier file, not a rule", [tier_file_problem(doc)], code="MV211")
    if not isinstance(doc.data, dict) or not isinstance(doc.data.get("rule"), str):
        raise SpecError(f"{path} is not a rule file", [Diagnostic(
            "MV100", "not a rule file: migrate moves the tier files a rule lists (tiers.tables) into its market "
                     "catalog", file=str(path), line=1, col=1, hint="give the rule file")], code="MV100")
    tables_listed = listed_tables(doc)
    if not tables_listed:  # in the current format already: nothing to do (migrating twice is harmless)
        return Migrated(str(path), "", False, (), (), (), None, (), (), (), dry_run)
    blocking = [d for d in previous_format_problems(doc) if d.code != "MV210"]
    if blocking:  # a rule-wide tick over several markets: the author decides, migrate does not drop it
        raise SpecError(f"{path}: {blocking[0].message}", blocking, code=blocking[0].code)
    olds = _old_tables(path, doc, tables_listed)
    rule_id = doc.data.get("rule", "")
    folder = _catalog_folder(path, doc, rule_id)
    problem = None if dry_run else write_problem(folder)
    if problem is not None:
        raise UsageError(problem.message, [problem], code="MV005")
    created = not (folder / HEADER_NAME).is_file()
    sources, ids = _sources(olds)
    header, header_from = (_header(path, doc, rule_id, olds, sources, exchange, price_precision, ccxt or {})
                           if created else (None, ()))
    return _write(path, doc, folder, header, header_from, olds, (sources, ids), dry_run)


def _read(path):
    try:
        return read_file(path)
    except DocumentError as exc:
        raise SpecError(str(exc), exc.diagnostics, code=exc.code) from None


def _old_tables(path: Path, doc, listed: dict) -> list:
    """Every tier file listed, read; all their problems at once (located in them), and their layouts the same."""
    olds, problems = [], []
    for symbol, relative in listed.items():
        try:
            tier_doc = read_file(path.parent / relative)
        except DocumentError as exc:
            problems += [dataclasses.replace(d, code="MV830") if d.code == "MV100" else d for d in exc.diagnostics]
            continue
        old, found = read_old_table(tier_doc, symbol)
        problems += found
        if old is not None:
            olds.append(old)
    if not problems and olds:
        first = olds[0]
        for old in olds[1:]:
            if old.layout() != first.layout():
                problems.append(Diagnostic(
                    "MV832", f"this table's layout (basis unit, bounds, columns and their units) differs from "
                             f"{first.file}'s: one catalog has one layout", file=old.file, line=1, col=1,
                    hint=f"this file: {_layout_text(old)}; {first.file}: {_layout_text(first)}"))
    if problems:
        raise SpecError(f"{len(problems)} problem(s) in the tier files of {path}", problems, code=problems[0].code)
    return olds


def _layout_text(old) -> str:
    unit, bounds, columns = old.layout()
    return f"basis in {unit}, {bounds}, columns " + ", ".join(f"{name} ({u})" for name, u in columns)


def _catalog_folder(path: Path, doc, rule_id: str) -> Path:
    """The catalog the rule names, else ``markets/<product>`` beside the rule (the shipped rules' layout)."""
    if isinstance(doc.data.get("markets"), dict) and "catalog" in doc.data["markets"]:
        return catalog_folder_of(path)
    return path.parent / "markets" / rule_id.partition("/")[2]


def _sources(olds) -> tuple[dict, list]:
    """(source id -> the catalog's source entry, one per document the tier files cite (same title and url: their
    notes joined, each with its file); each table's source id).  An id is the title's first words."""
    out: dict = {}
    by_document: dict = {}
    ids = []
    for old in olds:
        document = (old.source["title"], old.source["url"])
        if document not in by_document:
            base = re.sub(r"[^a-z0-9]+", "-", old.source["title"].lower()).strip("-")
            base = (base[:33].rsplit("-", 1)[0] if len(base) > 32 else base) or "source"
            known, n = base, 2
            while known in out:
                known, n = f"{base}-{n}", n + 1
            by_document[document] = known
            out[known] = {key: old.source[key] for key in ("title", "url", "provenance", "publisher")
                          if key in old.source}
        known = by_document[document]
        if old.source.get("note"):
            note = f"{Path(old.file).name}: {old.source['note']}"
            out[known]["note"] = f"{out[known]['note']} {note}" if "note" in out[known] else note
        ids.append(known)
    return out, ids


def _shipped_header(rule_id: str):
    """The header of the shipped catalog of the same rule id (a template for what tier files do not say), or None."""
    shipped = rules_root() / f"{rule_id}.yaml"
    if not rule_id or not shipped.is_file():
        return None, None
    try:
        folder = catalog_folder_of(shipped)
    except SpecError:
        return None, None
    catalog, problems, _ = read_header(folder / HEADER_NAME)
    return (catalog, folder) if catalog is not None and not problems else (None, None)


def _header(path, doc, rule_id, olds, sources, exchange, price_precision, ccxt) -> tuple[dict, tuple]:
    """The new catalog's header: layout and sources from the tier files; the rest from the options, else from the
    shipped catalog of the same rule id; MV831 for each value neither gives."""
    template, where = _shipped_header(rule_id)
    same_layout = template is not None and _layout_of(template) == olds[0].layout()
    shipped = f"the shipped catalog of {rule_id} ({shown(where)})" if template is not None else None
    first, problems, header_from = olds[0], [], []
    exchange = exchange or (template.exchange if template else None)
    precision = price_precision or (template.price_precision if template else None)
    for value, given, option, what in ((exchange, exchange, "--exchange ID", "the ccxt exchange id (e.g. binanceusdm)"),
                                       (precision, price_precision, "--price-precision tick|decimals|significant",
                                        "how ccxt writes this exchange's precision.price")):
        if value is None:
            problems.append(Diagnostic("MV831", f"the new catalog needs {what}, which a tier file does not say",
                                       file="<command line>", hint=f"give {option}"))
    rate, amount = first.continuity.get("rate"), first.continuity.get("amount")
    columns = {}
    for name, unit, meaning in first.columns:
        from_template = template.layout.columns.get(name) if same_layout else None
        key = ccxt.get(name) or (from_template.ccxt if from_template else None) or \
            (UNIFIED["rate"] if name == rate else UNIFIED["max_leverage"] if name == "max_leverage" else None)
        meaning = meaning or (from_template.meaning if from_template else None)
        if key is None:
            problems.append(Diagnostic(
                "MV831", f"tier column {name!r} ({unit}) has no ccxt key: import would not know where "
                         "fetch_leverage_tiers() gives it", file=first.file, line=1, col=1,
                hint=f"give it: --ccxt {name}=info.<field> (the exchange's own field in each tier's info)"))
        if meaning is None:
            problems.append(Diagnostic("MV831", f"tier column {name!r} has no meaning", file=first.file, line=1, col=1,
                                       hint="add meaning: to the column in the tier file (a catalog states it)"))
        columns[name] = {"unit": unit, "meaning": meaning, "ccxt": key}
    unknown = sorted(set(ccxt) - set(columns))
    if unknown:
        problems.append(Diagnostic("MV831", f"--ccxt names {unknown[0]!r}, which is not a tier column", file="<command line>",
                                   hint="the columns: " + ", ".join(columns)))
    if problems:
        raise UsageError(f"the new catalog of {path} needs {len(problems)} value(s) the tier files do not give",
                         problems, code="MV831")
    if template is not None:
        header_from.append(("exchange, price precision, select and fields" + (", tier column keys" if same_layout
                                                                              else ""), shipped))
    if exchange and not template:
        header_from.append(("exchange, price precision, ccxt keys", "the options"))
    tiers = {"basis": {"unit": first.basis[0], "meaning": first.basis[1]}, "bounds": first.bounds,
             "floor": "minNotional", "cap": "maxNotional", "columns": columns}
    if first.continuity:
        tiers["continuity"] = dict(first.continuity)
    if "max_leverage" in columns:
        tiers["max_leverage"] = "max_leverage"
    header = {"format": 1, "catalog": rule_id, "title": f"{doc.data.get('title', rule_id)}: markets",
              "description": f"Tier tables moved from the previous rule format's tier files by margin-verifier migrate "
                             f"({', '.join(Path(o.file).name for o in olds)}).",
              "exchange": exchange, "price_precision": precision}
    if template is not None and template.select:
        header["select"] = dict(template.select)
    own_fields = {name: {"unit": f.unit, "meaning": f.meaning, "ccxt": f.ccxt}
                  for name, f in (template.fields.items() if template else ()) if name not in STANDARD_FIELDS}
    if own_fields:
        header["fields"] = own_fields
    header["tiers"] = tiers
    header["sources"] = sources
    return header, tuple(header_from)


def _layout_of(catalog) -> tuple | None:
    """A catalog's tier layout as :meth:`~verifier.read.previous_format.OldTable.layout` gives a tier file's."""
    layout = catalog.layout
    if layout is None:
        return None
    return (str(layout.basis_unit), layout.bounds, tuple((n, str(c.unit)) for n, c in layout.columns.items()))


def _versions(olds, ids, catalog) -> tuple[dict, list]:
    """Symbol -> TierVersion of each old table (columns in the catalog's units), and the :class:`Table` records.
    An undated table is effective from its source's retrieval date (as ``import`` dates a snapshot), and seen on its
    effective date only: nothing says it held later."""
    units = {"<basis>": catalog.layout.basis_unit, **{n: c.unit for n, c in catalog.layout.columns.items()}}
    versions, records = {}, []
    for old, source in zip(olds, ids):
        effective = old.effective or old.retrieved
        provenance = Provenance(source, effective, effective, old.retrieved)
        table = TierTable(old.symbol, old.bounds, effective, units, old.rows, old.file)
        versions[old.symbol] = TierVersion(table, provenance)
        records.append(Table(old.symbol, old.file, effective, "effective" if old.effective else "retrieved",
                             len(old.rows), source))
    return versions, records


def _write(path, doc, folder: Path, header, header_from, olds, cited, dry_run) -> Migrated:
    """Write the catalog (header when new, shards), rewrite the rule, remove the tier files; undo all of it when the
    rule does not load afterwards.  A dry run builds a new catalog in a scratch folder, to check it the same way."""
    sources, ids = cited
    saved = {}  # file -> its bytes before (None: did not exist), to put everything back
    made = [p for p in (folder, *folder.parents) if not p.exists()]  # folders created, removed again on failure
    before = {_key(d) for d in rule_from_document(doc)[1] if d.code not in ("MV210", "MV812")}
    remaining = ()

    def write(file: Path, text: str):
        saved.setdefault(file, file.read_bytes() if file.exists() else None)
        if not dry_run:
            file.parent.mkdir(parents=True, exist_ok=True)
            write_output(file, text, "migrate")  # atomically, as import writes its shards

    comment = (f"Market catalog of {doc.data.get('rule')} ({path.name}), written by margin-verifier migrate from the\n"
               "previous format's tier files. The markets-*.json files beside it are written by margin-verifier "
               "import;\nedit this header by hand (sources, fields).")
    header_file = folder / HEADER_NAME
    with tempfile.TemporaryDirectory() as scratch:
        checked_in = Path(scratch) if dry_run and header is not None else folder
        try:
            if header is not None:
                text = header_text(header, comment)
                if dry_run:
                    (checked_in / HEADER_NAME).write_text(text, encoding="utf-8")
                else:
                    write(header_file, text)
            catalog = _catalog(checked_in)
            if header is None:
                _fits(catalog, olds, sources)
            versions, records = _versions(olds, ids, catalog)
            merge = merge_catalog(catalog, {}, versions)
            texts = shards(catalog.id, merge.markets.values(), catalog.shard_layout, catalog.layout.row_keys)
            existing = {p.name: p.read_text(encoding="utf-8") for p in shard_files(folder)}
            changed = {name: text for name, text in texts.items() if existing.get(name) != text}
            problems = check_shard_texts(checked_in, changed)
            if problems:
                raise SpecError(f"the catalog migrate would write to {folder} does not pass check", problems,
                                code=problems[0].code)
            for name, text in changed.items():
                write(folder / name, text)
            new_text, edits = _rule_text(doc, folder, path)
            write(path, new_text)
            removed = [Path(o.file) for o in olds]
            if not dry_run:
                for old in removed:
                    saved.setdefault(old, old.read_bytes())
                    old.unlink()
                for parent in {old.parent for old in removed}:
                    if parent.name == "tiers" and parent.is_dir() and not any(parent.iterdir()):
                        parent.rmdir()  # put back with its files on failure (_restore makes parents)
                remaining = _new_problems(path, before)  # the migrated rule loads, or everything is put back
        except BaseException:
            if not dry_run:
                _restore(saved, made)
            raise
        finally:
            forget_read()
    written = ([str(header_file)] if header is not None else []) + [str(folder / name) for name in changed]
    return Migrated(str(path), str(folder), header is not None, header_from, tuple(records), tuple(sources), merge,
                    tuple(written), tuple(edits), tuple(str(p) for p in removed), dry_run, tuple(remaining))


def _key(d) -> tuple:
    """A problem regardless of its line (the rule's lines move when tables go)."""
    return d.code, d.message, d.json_path


def _new_problems(path: Path, before: set) -> list:
    """The migrated rule's problems, which must all have been there before (its other mistakes, independent of the
    format); a new one means the migration broke something: :class:`SpecError`, and everything is put back."""
    _, problems = rule_from_document(read_file(path))
    new = [d for d in problems if _key(d) not in before]
    if new:
        raise SpecError(f"the migrated rule {path} would have {len(new)} new problem(s); nothing was changed", new,
                        code=new[0].code)
    return problems


def _catalog(folder: Path):
    forget_read()
    catalog, problems = read_catalog(folder)
    if problems:
        raise SpecError(f"the market catalog in {folder} has problems", problems, code=problems[0].code)
    return catalog


def _fits(catalog, olds, sources) -> None:
    """An existing catalog takes the tables only in its own layout, citing sources it lists."""
    theirs = _layout_of(catalog)
    if theirs is None:
        raise SpecError(f"the catalog {catalog.id} declares no tier tables", [Diagnostic(
            "MV832", "this catalog declares no tier tables ('tiers' in catalog.yaml), so the rule's tier files "
                     "cannot move into it", file=catalog.file, line=1, col=1,
            hint="add its tiers layout (basis, bounds, columns with ccxt keys), then migrate again")], code="MV832")
    for old in olds:
        if old.layout() != theirs:
            raise SpecError(f"{old.file} does not fit the catalog {catalog.id}", [Diagnostic(
                "MV832", f"this table's layout differs from the catalog {catalog.id}'s", file=old.file, line=1, col=1,
                hint=f"the catalog: basis in {theirs[0]}, {theirs[1]}, columns "
                     + ", ".join(f"{n} ({u})" for n, u in theirs[2]))], code="MV832")
    missing = [key for key in sources if key not in catalog.sources]
    if missing:
        raise SpecError(f"the catalog {catalog.id} does not cite the tier files' sources", [Diagnostic(
            "MV832", f"the tier files cite sources this catalog does not list: {', '.join(missing)}",
            file=catalog.file, line=1, col=1,
            hint="add them under 'sources' in catalog.yaml (title, url, provenance), then migrate again")],
            code="MV832")


def _rule_text(doc, folder: Path, path: Path) -> tuple[str, list]:
    """The rule's text without ``tiers.tables`` and, unless it has one, with ``markets: {catalog: ...}`` after the
    ``tiers`` section; its comments and everything else as they were."""
    lines = doc.text.splitlines(keepends=True)
    start = doc.key_position(("tiers", "tables"))[0] - 1
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():  # blank lines after the block stay
        end -= 1
    edits = [f"removed tiers.tables (lines {start + 1}-{end})"]
    del lines[start:end]
    if not (isinstance(doc.data.get("markets"), dict) and "catalog" in doc.data["markets"]):
        tiers_line = doc.key_position(("tiers",))[0] - 1
        at = tiers_line + 1
        while at < len(lines) and (not lines[at].strip() or lines[at][0] in " \t"):
            at += 1
        while at > tiers_line + 1 and not lines[at - 1].strip():
            at -= 1
        relative = folder.relative_to(path.parent).as_posix()
        block = ["\n", "markets:\n", f"  catalog: {relative}\n"]
        lines[at:at] = block
        edits.append(f"added markets: {{catalog: {relative}}} (line {at + 2})")
    return "".join(lines), edits


def _restore(saved: dict, made: list) -> None:
    """Every file as it was before, and the folders made for the new catalog gone."""
    for file, content in saved.items():
        if content is None:
            if file.exists():
                file.unlink()
        else:
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_bytes(content)
    for folder in made:  # innermost first
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    forget_read()
