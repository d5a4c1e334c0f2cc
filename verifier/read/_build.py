"""Turn a schema-valid rule document into a :class:`~verifier.model.Rule`, with the semantic checks.

Everything the JSON Schema cannot say is checked here: references (sources, symbols,
modes, tier tables) exist; units are known and formulas are unit-consistent;
definitions do not refer to each other in a cycle; dates are real and increasing;
examples give every input their expectations need.  Problems are collected, not
raised one at a time.
"""

from __future__ import annotations

import ast
import datetime as _dt
import difflib
import hashlib
from fractions import Fraction
from pathlib import Path

import sympy

from verifier.errors import Diagnostic, FormulaError
from verifier.formula import ANY, BOOLEAN, Term, UnitSyntaxError, parse_expression_tree, parse_formula, parse_unit
from verifier.model.rule import (Condition, Definition, Display, Example, ModeView, Published, Rule, Source)
from verifier.model.snapshot import FIELD_SYMBOLS, SNAPSHOT_FIELDS
from verifier.model.symbols import Parameter, SymbolSpec, in_domain, make_sympy_symbol, parse_domain
from verifier.model.tiers import TierSet
from verifier.read._policies import build_policies
from verifier.read._tierfile import load_tier_table
from verifier.read._yaml import Document

BUILTIN_UNITS = {"base": "the traded asset", "quote": "the pricing currency", "contract": "one contract",
                 "hour": "an hour of time"}
"""Unit names every rule may use; a rule adds its own under ``units``."""

FORMAT_SALT = b"margin-verifier rule format 1\n"


class _Ctx:
    """Collects diagnostics while building; knows how to locate a path."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.problems: list[Diagnostic] = []

    def error(self, code, message, path, hint=None, at_key=False):
        self.problems.append(self.doc.diagnostic(code, message, path, hint=hint, at_key=at_key))

    def formula_error(self, exc: FormulaError, path):
        line, col = self.doc.formula_position(path, exc.col)
        code = "MV303" if "cannot add" in str(exc) or "cannot subtract" in str(exc) or "cannot compare" in str(exc) \
            or "cannot choose" in str(exc) or "cannot pass" in str(exc) else (
            "MV302" if "unknown name" in str(exc) or "unknown function" in str(exc) else "MV300")
        from verifier.read._jsonpath import json_path
        self.problems.append(Diagnostic(code, str(exc), file=self.doc.file, line=line, col=col,
                                        json_path=json_path(path), hint=exc.hint))

    def suggest(self, name, known) -> str | None:
        close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
        return f"did you mean {close[0]!r}?" if close else None


def build_rule(doc: Document) -> tuple[Rule | None, list[Diagnostic]]:
    """Build the rule from a schema-valid document; returns (rule or None, diagnostics)."""
    ctx = _Ctx(doc)
    data = doc.data
    base = Path(doc.file).parent
    digest = hashlib.sha256(FORMAT_SALT + doc.text.encode("utf-8"))

    sources = {key: Source(key, **{k: v for k, v in value.items()}) for key, value in data["sources"].items()}
    for key, value in data["sources"].items():
        _check_date(ctx, value["retrieved"], ("sources", key, "retrieved"))

    def check_source(ref, path):
        if ref is not None and ref not in sources:
            ctx.error("MV400", f"unknown source {ref!r}", path,
                      hint=ctx.suggest(ref, sources) or "add it under 'sources' with title, url and retrieved")

    units = dict(BUILTIN_UNITS)
    units.update(data.get("units", {}))

    def unit_of(text, path):
        try:
            unit = parse_unit(text)
        except UnitSyntaxError as exc:
            ctx.error("MV301", str(exc), path)
            return None
        for dim in unit.dimensions:
            if dim not in units:
                ctx.error("MV301", f"unknown unit {dim!r}", path,
                          hint=ctx.suggest(dim, units) or "declare it under 'units' or use base, quote, contract, 1")
                return None
        return unit

    # -- symbols ------------------------------------------------------------
    snapshot_env = {name: Term(symbol, ANY) for name, symbol in FIELD_SYMBOLS.items()}

    def build_symbols(raw: dict, prefix: tuple) -> dict:
        out = {}
        for name, spec in raw.items():
            path = prefix + (name,)
            unit = unit_of(spec["unit"], path + ("unit",))
            try:
                domain = parse_domain(spec.get("domain"))
            except ValueError as exc:
                ctx.error("MV205", str(exc), path + ("domain",))
                domain = ()
            one_of = tuple(Fraction(v) for v in spec["one_of"]) if "one_of" in spec else None
            if one_of and domain:
                for index, value in enumerate(one_of):
                    if not in_domain(value, domain):
                        ctx.error("MV452", f"value {value} of one_of is outside the domain {spec['domain']!r}",
                                  path + ("one_of", index))
            check_source(spec.get("source"), path + ("source",))
            snapshot = spec.get("snapshot")
            readings = {"*": snapshot} if isinstance(snapshot, str) else dict(snapshot or {})
            parsed = {}
            for kind, text in readings.items():
                reading_path = path + ("snapshot",) + (() if kind == "*" else (kind,))
                try:  # parsed once here; derive, simulate and docs evaluate SymbolSpec.reading()
                    parsed[kind] = parse_formula(text, snapshot_env, what="snapshot reading").expr
                except FormulaError as exc:
                    exc.hint = exc.hint if "unknown name" not in str(exc) else \
                        (exc.hint or "") + f" (snapshot fields: {', '.join(SNAPSHOT_FIELDS)})"
                    ctx.formula_error(exc, reading_path)
            if "column" in spec and spec.get("from") != "tiers":
                ctx.error("MV420", "'column' only applies with 'from: tiers'", path + ("column",))
            out[name] = SymbolSpec(
                name=name, unit=unit, meaning=spec["meaning"], domain=domain, one_of=one_of,
                from_tiers=(spec.get("column", name) if spec.get("from") == "tiers" else None),
                others=spec.get("others"), snapshot=readings, source=spec.get("source"),
                sympy=make_sympy_symbol(name, domain, one_of), readings=parsed)
        return out

    symbols = build_symbols(data["symbols"], ("symbols",))

    def build_parameters(raw: dict, prefix: tuple) -> dict:
        out = {}
        for name, spec in raw.items():
            path = prefix + (name,)
            check_source(spec["source"], path + ("source",))
            unit = unit_of(spec["unit"], path + ("unit",)) if "unit" in spec else None
            values, previous = [], None
            for day, value in spec["values"].items():
                date = _check_date(ctx, day, path + ("values", day), at_key=True)
                if date is None:
                    continue
                if previous is not None and date <= previous:
                    ctx.error("MV403", f"effective date {day} is not after {previous.isoformat()}",
                              path + ("values", day), hint="list effective dates in increasing order", at_key=True)
                previous = date
                values.append((date, Fraction(value)))
            if not values:
                continue
            positive = all(v > 0 for _, v in values)
            out[name] = Parameter(name, unit, spec.get("meaning", name), spec["source"], tuple(values),
                                  spec.get("note"), sympy.Symbol(name, real=True, positive=positive or None))
        return out

    parameters = build_parameters(data.get("parameters", {}), ("parameters",))
    for name in parameters:
        if name in symbols:
            ctx.error("MV420", f"{name!r} is declared both as a symbol and as a parameter", ("parameters", name),
                      at_key=True)

    if data["price"] not in symbols:
        ctx.error("MV461", f"price symbol {data['price']!r} is not declared under 'symbols'", ("price",),
                  hint=ctx.suggest(data["price"], symbols))
    exchange_part = data["rule"].split("/")[0]
    if exchange_part != data["exchange"]:
        ctx.error("MV460", f"rule id {data['rule']!r} does not start with the exchange {data['exchange']!r}",
                  ("rule",), hint=f"use '{data['exchange']}/<product>'")
    collateral_unit = unit_of(data["collateral_unit"], ("collateral_unit",)) if "collateral_unit" in data else None

    # -- tiers --------------------------------------------------------------
    tiers = None
    if "tiers" in data:
        tables = {}
        check_source(data["tiers"].get("source"), ("tiers", "source"))
        for market, relative in data["tiers"]["tables"].items():
            path = ("tiers", "tables", market)
            file = base / relative
            if not file.is_file():
                ctx.error("MV410", f"tier table file {relative!r} does not exist", path,
                          hint=f"looked for {file}")
                continue
            table, problems, raw = load_tier_table(file)
            digest.update(b"\0" + relative.encode() + b"\0" + raw)
            if problems:
                ctx.problems.extend(problems)
                ctx.error("MV410", f"tier table {relative!r} has {len(problems)} problem(s), reported above", path)
                continue
            if table.market != market:
                ctx.error("MV418", f"tier file {relative!r} is for market {table.market!r}, not {market!r}", path)
            tables[market] = table
        basis_text = data["tiers"]["basis"]
        basis_name = basis_text.strip() if basis_text.strip().isidentifier() else None
        tiers = TierSet(basis_text, basis_name, tables, data["tiers"].get("source"))
        for name, spec in symbols.items():
            if spec.from_tiers:
                for market, table in tables.items():
                    column_unit = table.columns.get(spec.from_tiers)
                    if column_unit is None:
                        ctx.error("MV417", f"symbol {name!r} comes from tier column {spec.from_tiers!r}, which the "
                                           f"{market} table does not have", ("symbols", name),
                                  hint=ctx.suggest(spec.from_tiers, table.columns))
                    elif spec.unit is not None and column_unit != spec.unit:
                        ctx.error("MV416", f"symbol {name!r} is in {spec.unit} but the {market} table's column "
                                           f"{spec.from_tiers!r} is in {column_unit}", ("symbols", name, "unit"))
    elif any(spec.from_tiers for spec in symbols.values()):
        name = next(n for n, s in symbols.items() if s.from_tiers)
        ctx.error("MV410", f"symbol {name!r} comes from tiers, but the rule has no 'tiers' section", ("symbols", name))

    # -- definitions, conditions, modes -----------------------------------
    global_definitions = data["definitions"]
    global_conditions = data["conditions"]
    modes = {}
    reported: set = set()

    def report_once(code_path_msg):
        if code_path_msg in reported:
            return False
        reported.add(code_path_msg)
        return True

    for mode_name, mode in data["modes"].items():
        mode_path = ("modes", mode_name)
        check_source(mode.get("source"), mode_path + ("source",))
        mode_symbols = dict(symbols)
        for name, spec in build_symbols(mode.get("symbols", {}), mode_path + ("symbols",)).items():
            if name in symbols:
                ctx.error("MV420", f"symbol {name!r} is already declared for all modes", mode_path + ("symbols", name),
                          at_key=True, hint="rename it, or remove one of the two declarations")
            mode_symbols[name] = spec
        mode_parameters = dict(parameters)
        mode_parameters.update(build_parameters(mode.get("parameters", {}), mode_path + ("parameters",)))
        for name in mode.get("parameters", {}):
            if name in mode_symbols:
                ctx.error("MV420", f"{name!r} is declared both as a symbol and as a parameter",
                          mode_path + ("parameters", name), at_key=True)
        env = {n: Term(s.sympy, s.unit or ANY) for n, s in mode_symbols.items()}
        env.update({n: Term(p.sympy, p.unit or ANY) for n, p in mode_parameters.items()})

        raw_definitions = {name: (spec, ("definitions", name)) for name, spec in global_definitions.items()}
        for name, spec in mode.get("definitions", {}).items():
            raw_definitions[name] = (spec, mode_path + ("definitions", name))
        for name, (_, path) in raw_definitions.items():
            if name in env:
                if report_once(("clash", path)):
                    ctx.error("MV420", f"definition {name!r} has the name of a symbol or parameter", path, at_key=True)
        definitions = {}
        order, broken = _definition_order(ctx, raw_definitions, report_once)
        for name in broken:  # already reported: stand-ins keep their users from cascading errors
            env[name] = Term(sympy.Dummy(name), ANY)
        for name in order:
            spec, path = raw_definitions[name]
            if report_once(("src", path)):
                check_source(spec["source"], path + ("source",))
            if name in broken:
                continue
            try:
                formula = parse_formula(spec["formula"], env, what=f"definition {name!r}")
            except FormulaError as exc:
                if report_once(("formula", path, str(exc))):
                    ctx.formula_error(exc, path + ("formula",))
                env[name] = Term(sympy.Dummy(name), ANY)
                continue
            if formula.unit == BOOLEAN:
                if report_once(("bool", path)):
                    ctx.error("MV431", f"definition {name!r} is a condition; put it under 'conditions'",
                              path + ("formula",))
                continue
            if "unit" in spec:
                declared = unit_of(spec["unit"], path + ("unit",))
                if declared is not None and formula.unit not in (declared, ANY) and report_once(("unit", path)):
                    ctx.error("MV303", f"definition {name!r} is in {formula.unit}, but its declared unit is {declared}",
                              path + ("formula",))
            definitions[name] = Definition(name, spec["formula"], formula, spec["source"], spec.get("meaning"))
            env[name] = Term(formula.expr, formula.unit)

        for name, spec in mode_symbols.items():
            if spec.others:
                where = (mode_path + ("symbols", name)) if name in mode.get("symbols", {}) else ("symbols", name)
                target = definitions.get(spec.others)
                if target is None:
                    if spec.others not in raw_definitions and report_once(("others", where)):
                        ctx.error("MV421", f"symbol {name!r} sums definition {spec.others!r}, which mode "
                                           f"{mode_name!r} does not define", where + ("others",),
                                  hint=ctx.suggest(spec.others, raw_definitions))
                elif spec.unit is not None and target.unit not in (spec.unit, ANY) and report_once(("ou", where)):
                    ctx.error("MV303", f"symbol {name!r} is in {spec.unit} but {spec.others!r} is in {target.unit}",
                              where + ("unit",))

        conditions = {}
        raw_conditions = {name: (spec, ("conditions", name)) for name, spec in global_conditions.items()}
        for name, spec in mode.get("conditions", {}).items():
            raw_conditions[name] = (spec, mode_path + ("conditions", name))
        for name, (spec, path) in raw_conditions.items():
            if report_once(("src", path)):
                check_source(spec["source"], path + ("source",))
            try:
                formula = parse_formula(spec["when"], env, what=f"condition {name!r}")
            except FormulaError as exc:
                if report_once(("formula", path, str(exc))):
                    ctx.formula_error(exc, path + ("when",))
                continue
            if formula.unit != BOOLEAN or not isinstance(formula.expr, sympy.core.relational.Relational):
                if report_once(("notrel", path)):
                    ctx.error("MV430", f"condition {name!r} must be one comparison such as 'equity <= maintenance_margin'",
                              path + ("when",), hint="the comparison operator states the boundary: '<=' or '<'")
                continue
            solve_for = spec.get("solve_for", data["price"])
            if solve_for not in mode_symbols:
                if report_once(("solve", path)):
                    ctx.error("MV432", f"condition {name!r} solves for {solve_for!r}, which is not a symbol",
                              path + ("solve_for",), hint=ctx.suggest(solve_for, mode_symbols))
                continue
            conditions[name] = Condition(name, spec["when"], formula, solve_for, spec["source"], spec.get("note"))

        tier_basis = None
        if tiers is not None:
            try:
                tier_basis = parse_formula(tiers.basis_text, env, what="tier basis")
            except FormulaError as exc:
                if report_once(("basis", str(exc))):
                    ctx.formula_error(exc, ("tiers", "basis"))
            else:
                for market, table in tiers.tables.items():
                    want = table.columns.get("<basis>")
                    if want is not None and tier_basis.unit not in (want, ANY) and report_once(("bu", market)):
                        ctx.error("MV416", f"tier basis {tiers.basis_text!r} is in {tier_basis.unit} but the {market} "
                                           f"table's basis is in {want}", ("tiers", "basis"))
        modes[mode_name] = ModeView(mode_name, mode["account"], mode["meaning"], mode_symbols, mode_parameters,
                                    definitions, conditions, tier_basis)

    # -- published formulas -------------------------------------------------
    published = {}
    for quantity, entries in data.get("published", {}).items():
        condition_name = quantity[: -len("_price")]
        published[quantity] = []
        for index, entry in enumerate(entries):
            path = ("published", quantity, index)
            check_source(entry["source"], path + ("source",))
            item = _build_published(ctx, quantity, condition_name, entry, index, path, modes, build_symbols)
            if item is not None:
                published[quantity].append(item)

    # -- examples -----------------------------------------------------------
    examples = []
    for index, raw in enumerate(data.get("examples", [])):
        path = ("examples", index)
        check_source(raw["source"], path + ("source",))
        example = _build_example(ctx, raw, index, path, modes, tiers)
        if example is not None:
            examples.append(example)

    for index, item in enumerate(data.get("disagreements", [])):
        for position, ref in enumerate(item["sources"]):
            check_source(ref, ("disagreements", index, "sources", position))

    display_data = data.get("display", {}).get("price")
    if display_data:
        check_source(display_data.get("source"), ("display", "price", "source"))
    display = Display(Fraction(display_data["tick"]) if display_data else None,
                      display_data["rounding"] if display_data else None)

    policies = build_policies(ctx, data.get("policies", {}), modes, check_source)
    if ctx.problems:
        return None, ctx.problems
    rule = Rule(
        id=data["rule"], title=data["title"], exchange=data["exchange"], product=data["product"],
        description=data.get("description"), price=data["price"], collateral_unit=collateral_unit,
        position_modes=tuple(data.get("position_modes", ())), sources=sources, symbols=symbols,
        parameters=parameters, tiers=tiers, modes=modes, published=published, examples=examples,
        display=display, disagreements=list(data.get("disagreements", [])), file=doc.file,
        content_hash=digest.hexdigest(), document=doc, policies=policies)
    return rule, []


def _check_date(ctx, text, path, at_key=False):
    try:
        return _dt.date.fromisoformat(str(text))
    except ValueError:
        ctx.error("MV402", f"{text!r} is not a calendar date", path, hint="write dates as YYYY-MM-DD",
                  at_key=at_key)
        return None


def _definition_order(ctx, raw_definitions, report_once) -> tuple[list[str], set]:
    """Definitions in an order where each comes after those it uses, and the names caught in cycles."""
    uses, broken = {}, set()
    for name, (spec, _) in raw_definitions.items():
        try:
            tree = parse_expression_tree(str(spec["formula"]).replace("^", "**"))
            names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            names = set()  # the parser reports the syntax error with its position
        uses[name] = names & set(raw_definitions) - {name}
        if name in names:
            broken.add(name)
            _, path = raw_definitions[name]
            if report_once(("self", name)):
                ctx.error("MV422", f"definition {name!r} refers to itself", path + ("formula",))
    order, state = [], {}

    def visit(name, stack):
        if state.get(name) == "done":
            return
        if state.get(name) == "busy":
            cycle = stack[stack.index(name):] + [name]
            broken.update(cycle)
            _, path = raw_definitions[name]
            if report_once(("cycle", tuple(sorted(cycle)))):
                ctx.error("MV422", "definitions refer to each other in a cycle: " + " -> ".join(cycle),
                          path + ("formula",))
            return
        state[name] = "busy"
        for used in sorted(uses[name]):
            visit(used, stack + [name])
        state[name] = "done"
        order.append(name)

    for name in raw_definitions:
        visit(name, [])
    return order, broken


def _build_published(ctx, quantity, condition_name, entry, index, path, modes, build_symbols):
    extra = build_symbols(entry.get("symbols", {}), path + ("symbols",))
    item = None
    for position, mode_name in enumerate(entry["modes"]):
        mode = modes.get(mode_name)
        if mode is None:
            ctx.error("MV441", f"unknown mode {mode_name!r}", path + ("modes", position),
                      hint=ctx.suggest(mode_name, modes))
            continue
        condition = mode.conditions.get(condition_name)
        if condition is None:
            ctx.error("MV440", f"'{quantity}' needs a condition named {condition_name!r} in mode {mode_name!r}",
                      ("published", quantity), at_key=True, hint=ctx.suggest(condition_name, mode.conditions))
            return None
        env = {n: Term(s.sympy, s.unit or ANY) for n, s in mode.symbols.items()}
        env.update({n: Term(p.sympy, p.unit or ANY) for n, p in mode.parameters.items()})
        env.update({n: Term(s.sympy, s.unit or ANY) for n, s in extra.items()})
        where = {}
        for key, value in entry.get("where", {}).items():
            if key not in env:
                ctx.error("MV442", f"'where' fixes {key!r}, which is not a symbol", path + ("where", key),
                          hint=ctx.suggest(key, env), at_key=True)
                continue
            where[key] = Fraction(value)
        try:
            formula = parse_formula(entry["formula"], env, what=f"published {quantity}")
        except FormulaError as exc:
            ctx.formula_error(exc, path + ("formula",))
            return None
        target = mode.symbols[condition.solve_for].unit
        if target is not None and formula.unit not in (target, ANY):
            ctx.error("MV443", f"published {quantity} is in {formula.unit}, but {condition.solve_for!r} is in {target}",
                      path + ("formula",))
            return None
        item = Published(quantity, formula, tuple(entry["modes"]), entry.get("position_mode"), where, entry["source"],
                         entry.get("note"), index)
    return item


def _build_example(ctx, raw, index, path, modes, tiers):
    mode = modes.get(raw["mode"])
    if mode is None:
        ctx.error("MV450", f"example {raw['name']!r} uses unknown mode {raw['mode']!r}", path + ("mode",),
                  hint=ctx.suggest(raw["mode"], modes))
        return None
    date = _check_date(ctx, raw["date"], path + ("date",)) if "date" in raw else None
    known_inputs = {**mode.symbols, **mode.parameters}
    given = {}
    for key, value in raw["given"].items():
        spec = known_inputs.get(key)
        if spec is None:
            hint = ctx.suggest(key, known_inputs)
            if key in mode.definitions:
                hint = f"{key!r} is a definition (computed); give the symbols it uses, or put it under 'expect'"
            ctx.error("MV451", f"example gives {key!r}, which is not a symbol or parameter of mode {raw['mode']!r}",
                      path + ("given", key), hint=hint, at_key=True)
            continue
        value = Fraction(value)
        domain = getattr(spec, "domain", ())
        one_of = getattr(spec, "one_of", None)
        if (domain and not in_domain(value, domain)) or (one_of and value not in one_of):
            allowed = f"one of {[str(v) for v in one_of]}" if one_of else repr(" and ".join(f"{o} {b}" for o, b in domain))
            ctx.error("MV452", f"example gives {key} = {value}, outside its domain {allowed}", path + ("given", key))
        given[key] = value
    market = raw.get("market")
    if market is not None and (tiers is None or market not in tiers.tables):
        ctx.error("MV455", f"example names market {market!r}, which has no tier table",
                  path + ("market",), hint=ctx.suggest(market, tiers.tables if tiers else {}))
        return None
    expect = {}
    for key, value in raw["expect"].items():
        if (key in mode.conditions) != isinstance(value, bool):
            want = "true or false (does the condition hold?)" if key in mode.conditions else "a number"
            ctx.error("MV456", f"example expects {key!r} = {str(value).lower()}, but {key!r} needs {want}",
                      path + ("expect", key))
            continue
        needs = _inputs_needed(mode, key)
        if needs is None:
            names = list(mode.definitions) + list(mode.conditions) + [f"{c}_price" for c in mode.conditions]
            ctx.error("MV453", f"example expects {key!r}, which is neither a definition of mode {raw['mode']!r} "
                               "nor a condition nor '<condition>_price'", path + ("expect", key), hint=ctx.suggest(key, names),
                      at_key=True)
            continue
        missing = set(needs) - set(given) - set(mode.parameters)
        tier_missing = {name for name in missing if name in mode.tier_symbols}
        if tier_missing and tiers is not None and (market or len(tiers.tables) == 1) and mode.tier_basis is not None:
            missing -= tier_missing
            missing |= {s.name for s in mode.tier_basis.expr.free_symbols if s.name in mode.symbols} - set(given)
            if key.endswith("_price"):
                missing.discard(mode.conditions[key[: -len("_price")]].solve_for)
        elif tier_missing and key not in ("",):
            pass  # reported below as missing inputs, with the hint to name a market
        if missing:
            hint = "add them under 'given'"
            if tier_missing & missing:
                hint += ", or name a 'market' whose tier table supplies " + ", ".join(sorted(tier_missing & missing))
            ctx.error("MV454", f"example does not give {', '.join(sorted(missing))}, which {key!r} needs",
                      path + ("given",), hint=hint)
            continue
        expect[key] = value if isinstance(value, bool) else Fraction(value)
    return Example(raw["name"], raw["source"], raw["mode"], given, expect, Fraction(raw.get("tolerance", 0)),
                   date, market, raw.get("note"), index)


def _inputs_needed(mode: ModeView, key: str) -> set | None:
    """Names of symbols an expectation depends on; None when ``key`` is not a known quantity."""
    if key in mode.definitions:
        return {s.name for s in mode.definitions[key].expr.free_symbols}
    if key in mode.conditions:
        return {s.name for s in mode.conditions[key].relation.free_symbols}
    if key.endswith("_price") and key[: -len("_price")] in mode.conditions:
        condition = mode.conditions[key[: -len("_price")]]
        return {s.name for s in condition.relation.free_symbols} - {condition.solve_for}
    return None
