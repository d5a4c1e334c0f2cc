"""Turn a schema-valid rule document into a :class:`~verifier.model.Rule`, with the semantic checks.

Everything the JSON Schema cannot say is checked by the part that reads it: references (sources, symbols, modes,
tier tables) exist; units are known and formulas are unit-consistent; definitions do not refer to each other in a
cycle; dates are real and increasing; examples give every input their expectations need.  Problems are collected,
not raised one at a time.

>>> from verifier.read._yaml import read_file
>>> rule, problems = build_rule(read_file("rules/binance/usdm-perpetual.yaml"))
>>> rule.id, problems
('binance/usdm-perpetual', [])
"""

from __future__ import annotations

import hashlib
import json
from fractions import Fraction
from pathlib import Path

from verifier.errors import Diagnostic
from verifier.formula import Unit, parse_unit
from verifier.model.products import Product
from verifier.model.regimes import Regime
from verifier.model.rule import Display, Rule
from verifier.read._yaml import Document
from verifier.read.rule.ccxt import read_ccxt
from verifier.read.rule.conformance import read_conformance
from verifier.read.rule.context import RuleContext
from verifier.read.rule.examples import read_examples
from verifier.read.rule.modes import RuleParts, read_modes
from verifier.read.rule.parameters import read_parameters
from verifier.read.rule.plausible import check_plausible
from verifier.read.rule.policies import read_policies
from verifier.read.rule.published import read_definitions, read_published
from verifier.read.rule.sources import read_sources, read_units
from verifier.read.rule.symbols import check_symbol_parameter_clash, read_symbols
from verifier.read.rule.markets import check_market_symbols, read_markets, read_tiers
from verifier.read.rule.versions import regimes

FORMAT_SALT = b"margin-verifier rule format 1\n"
"""Goes into every content hash, so a change of format invalidates caches keyed by it."""

NOT_DERIVED = ("title", "description", "sources", "display", "examples", "disagreements", "verify", "markets",
               "ccxt", "conformance")  # how exports are read, recorded responses: evaluate and check only
"""Top-level parts of a rule file the derivation and the proofs never read: editing them (a worked example, a
source, the display tick, the catalog's staleness threshold) keeps the derive cache
(:attr:`~verifier.model.Rule.derivation_hash`), so a re-check after such an edit proves nothing again.  Market data
(the catalog's files) is not hashed in either: a derivation is symbolic in every market field and tier column, so
an import does not re-derive."""


def build_rule(doc: Document) -> tuple[Rule | None, list[Diagnostic]]:
    """Build the rule from a schema-valid document; returns (rule or None, diagnostics)."""
    ctx = RuleContext(doc)
    data = doc.data
    digest = hashlib.sha256(FORMAT_SALT + doc.text.encode("utf-8"))
    derived = hashlib.sha256(FORMAT_SALT + _derived_parts(data))
    ctx.sources = read_sources(ctx, data)
    ctx.units = read_units(data)
    symbols = read_symbols(ctx, data["symbols"], ("symbols",))
    parameters = read_parameters(ctx, data.get("parameters", {}), ("parameters",))
    check_symbol_parameter_clash(ctx, parameters, symbols, ("parameters",))
    product = Product(data["product"])
    ctx.product = product
    collateral_unit = _check_header(ctx, data, symbols, product)
    catalog, stale_after_days = read_markets(ctx, data, symbols, Path(doc.file).parent, digest)
    tiers = read_tiers(ctx, data, symbols, catalog)
    consistent = collateral_unit if collateral_unit == parse_unit(product.collateral_unit) else None  # else MV462
    regimes = _regimes(ctx, data, RuleParts(data, symbols, parameters, tiers, product, consistent))
    modes, published = regimes[-1].modes or {}, regimes[-1].published
    if regimes[-1].modes is None and not ctx.problems:  # a version structure problem leaves today unknown
        ctx.error("MV403", f"the rule's formulas in force today are unknown: {regimes[-1].why}", ("definitions",))
    for regime in regimes:
        check_market_symbols(ctx, data, regime.modes or {}, catalog)
    definitions = read_definitions(ctx, data, modes)
    examples = read_examples(ctx, data, lambda date: _modes_at(regimes, date), tiers)
    display = _display(ctx, data)
    policies = read_policies(ctx, data.get("policies", {}), modes)
    ccxt = read_ccxt(ctx, data, catalog)
    conformance = read_conformance(ctx, data, Path(doc.file).parent)
    check_plausible(ctx, data, parameters, modes, tiers,
                    [e for r in regimes for entries in r.published.values() for e in entries])
    if ctx.problems:
        return None, ctx.problems
    rule = Rule(
        id=data["rule"], title=data["title"], exchange=data["exchange"], product=product,
        description=data.get("description"), price=data["price"], collateral_unit=collateral_unit,
        position_modes=tuple(data.get("position_modes", ())), sources=ctx.sources, symbols=symbols,
        parameters=parameters, tiers=tiers, modes=modes, published=published, examples=examples,
        published_definitions=definitions,
        display=display, disagreements=list(data.get("disagreements", [])), file=doc.file,
        content_hash=digest.hexdigest(), document=doc, verify_skip=_verify_skip(data),
        policies=policies, markets=catalog, stale_after_days=stale_after_days,
        ccxt=ccxt, derivation_hash=derived.hexdigest(), conformance=conformance,
        regimes=tuple(regimes) if len(regimes) > 1 else ())
    if rule.regimes:
        rule.views[len(regimes) - 1] = rule
    return rule, []


def _regimes(ctx: RuleContext, data: dict, parts: RuleParts) -> list:
    """The rule's formula regimes, oldest first, each with the modes and published formulas in force (one regime,
    on every date, when nothing is dated); the last one is in force today."""
    out = []
    for start, end in regimes(ctx, data):
        modes, why, partial = read_modes(ctx, parts, start)
        published = read_published(ctx, data, modes, start, end) if modes is not None else {}
        known = partial.get("partial") or {}
        partial_published = read_published(ctx, data, known, start, end, only_known=True) if known else {}
        out.append(Regime(start, end, modes, published, why, known if modes is None else {},
                          partial_published, partial.get("missing", {})))
    return out


def _modes_at(regimes: list, date):
    """The modes in force on ``date`` (the latest for None); None where the rule does not know them."""
    if date is None:
        return regimes[-1].modes
    return next((r.modes for r in regimes if r.holds(date)), None)


def _derived_parts(data: dict) -> bytes:
    """The rule's data that derivations depend on, written canonically (key order and layout do not matter).

    >>> _derived_parts({"title": "x", "price": "P", "symbols": {"P": {"unit": "quote"}}})
    b'{"price": "P", "symbols": {"P": {"unit": "quote"}}}'
    """
    kept = {key: value for key, value in data.items() if key not in NOT_DERIVED}
    return json.dumps(kept, sort_keys=True, default=str, ensure_ascii=False).encode("utf-8")


def _check_header(ctx: RuleContext, data: dict, symbols: dict, product: Product) -> Unit | None:
    """The price symbol is declared, the id starts with the exchange; returns the collateral unit.

    The product kind says which unit margin is counted in (base for inverse products, quote otherwise): a
    declared ``collateral_unit`` must agree with it, and an absent one is the product's.
    """
    if data["price"] not in symbols:
        ctx.error("MV461", f"price symbol {data['price']!r} is not declared under 'symbols'", ("price",),
                  hint=ctx.suggest(data["price"], symbols))
    if data["rule"].split("/")[0] != data["exchange"]:
        ctx.error("MV460", f"rule id {data['rule']!r} does not start with the exchange {data['exchange']!r}",
                  ("rule",), hint=f"use '{data['exchange']}/<product>'")
    implied = parse_unit(product.collateral_unit)
    if "collateral_unit" not in data:
        return implied
    declared = ctx.unit_of(data["collateral_unit"], ("collateral_unit",))
    if declared is not None and declared != implied:
        kind = "an inverse" if product.inverse else "a spot-margin" if product.spot else "a linear"
        ctx.error("MV462", f"{kind} product ({product}) is margined in {implied}, but collateral_unit is {declared}",
                  ("collateral_unit",), hint="inverse products are margined in the base asset, linear and spot-margin "
                                             "ones in the quote currency: fix 'product' or 'collateral_unit'")
    return declared


def _display(ctx: RuleContext, data: dict) -> Display:
    """How prices are shown (tick and rounding); the sources of the disagreements and the display exist."""
    for index, item in enumerate(data.get("disagreements", [])):
        for position, ref in enumerate(item["sources"]):
            ctx.check_source(ref, ("disagreements", index, "sources", position))
    price = data.get("display", {}).get("price")
    if not price:
        return Display(None, None)
    ctx.check_source(price.get("source"), ("display", "price", "source"))
    return Display(Fraction(price["tick"]) if "tick" in price else None, price["rounding"])


def _verify_skip(data: dict) -> dict:
    """``verify: {skip: {property: reason}}``: the properties the rule says do not hold by design, reasons on one
    line (the runner checks the names against its registry)."""
    skips = (data.get("verify") or {}).get("skip") or {}
    return {name: " ".join(str(reason).split()) for name, reason in skips.items()}
