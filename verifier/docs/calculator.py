"""The calculator on a rule's page: one position typed in, what ``evaluate`` answers for it, exactly, in the browser.

Everything the page computes is decided here, at build time, from the rule and its derivation: which ccxt fields
the reader types (the fields the mode's symbols read, less what the market catalog gives), each symbol's reading,
domain and messages, the parameters in force, the tier basis, the definitions and conditions ``evaluate`` uses and
the derived closed form of the liquidation price.  Expressions become JavaScript over exact rationals through
:mod:`verifier.docs.js_exact` (no rule text is evaluated anywhere); the engine ``static/mv-calculator.js`` runs the
same steps as :func:`verifier.derive.account.evaluate_account` does for an account of this one position, with the
runtime ``static/mv-exact.js`` (BigInt rationals).  The messages are made by the functions ``evaluate`` itself
uses (:mod:`verifier.read.account`, :mod:`verifier.derive.account.legs`, ``pricing``, ``evaluation``), with a
placeholder where the page fills in what was typed.

Each market's data (its contract size and other catalog fields, tick, leverage limit and tier table in force) is a
small script of its own under ``assets/calculators/<rule>/``, loaded when the market is picked: a catalog of 900
markets is not inlined in the page.  Scripts rather than JSON so that the site also works opened from disk.

A spot-margin rule gets no calculator: its account is balances of several assets, not a position (said on the page).

>>> from verifier.read import load_rule
>>> built = calculator(load_rule("binance/usdm-perpetual"), "rules/binance/usdm-perpetual.md", Options())
>>> built.lines[0], len(built.assets), built.scripts[-1]
('## Calculator', 637, 'assets/calculators/binance-usdm-perpetual.js')
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from fractions import Fraction

from verifier.derive.account import RATIOS
from verifier.derive.account import legs as _legs
from verifier.derive.account import pricing as _pricing
from verifier.derive.account.evaluation import undecidable_message
from verifier.derive.account.market import MarketData
from verifier.derive.account.setting import setting_for
from verifier.derive.derivation import derive_rule
from verifier.derive.exact import NotCompilable
from verifier.docs import compute
from verifier.docs.layout import Options, chart_position
from verifier.docs.js_exact import js_condition, js_function, js_value
from verifier.docs.markup import esc
from verifier.errors import VerifierError
from verifier.model.market import POSITION_FIELDS
from verifier.model.snapshot import SNAPSHOT_FIELDS, fields_of
from verifier.read import account as _account
from verifier.read import inputs as _inputs
from verifier.read import load_schema
from verifier.report.numbers import decimal_text

ASSETS = "assets/calculators"
RUNTIME = ("assets/javascripts/mv-exact.js", "assets/javascripts/mv-calculator.js")
"""The hand-written runtime (``verifier/docs/static/``), in load order, before a rule's generated script."""

PREFIX, SUFFIX = "(function (Q) {\nMVCalculator.define(", ");\n})(MVQ);\n"
"""A rule's script: ``PREFIX`` + its data (JSON) + ``,\\n`` + the generated code + ``SUFFIX``."""

STATIC = {"assets/javascripts/mv-exact.js": "mv-exact.js", "assets/javascripts/mv-calculator.js": "mv-calculator.js"}

SPOT_REASON = ("`{id}` is spot margin: its account is balances of several assets, borrowed and held, and its "
               "liquidation condition is on the margin level of all of them together; a calculator of one position "
               "(size, entry, mark, collateral) would not describe such an account. `margin-verifier evaluate` takes "
               "the account itself (balances and prices, see the account-snapshot format).")

ACCOUNT_FIELDS = ("walletBalance",)
REQUIRED = ("contracts", "entryPrice")
"""The position fields the snapshot requires beside symbol and side (a test keeps them equal to the schema's)."""
"""Fields of the snapshot itself, not of its position."""


class _Placeholder:
    """Stands in a message for what the page fills in (its repr is the placeholder, for ``{x!r}`` formats)."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text

    __str__ = __repr__


@dataclass
class Calculator:
    """The rule page's calculator section, the files it loads, and the scripts the page must carry."""

    lines: list
    assets: dict = field(default_factory=dict)
    scripts: tuple = ()


def slug(rule) -> str:
    return rule.id.replace("/", "-")


def spec_path(rule) -> str:
    """Where a rule's generated calculator script lives in the site."""
    return f"{ASSETS}/{slug(rule)}.js"


def calculator(rule, path: str, options: Options) -> Calculator:
    """The calculator section of ``rule``'s page at ``path``, with its generated assets."""
    lines = ["## Calculator", ""]
    if rule.product.spot:
        return Calculator(lines + [SPOT_REASON.format(id=rule.id), ""])
    modes, code = [], []
    for mode in rule.modes.values():
        data, functions = _mode(rule, mode)
        modes.append(data)
        code.append(functions)
    usable = [m for m in modes if "unusable" not in m]
    markets, excluded, assets = _markets(rule, usable)
    spec = {"rule": rule.id, "title": rule.title, "price": rule.price, "modes": modes,
            "inputs": _input_fields(modes), "decimalPattern": _account.DECIMAL_PATTERN,
            "messages": _messages(rule), "markets": {symbol: name for symbol, name in markets},
            "excluded": {symbol: reason for reason, symbols in excluded.items() for symbol in symbols},
            "positionFields": dict(POSITION_FIELDS), "catalog": rule.markets is not None,
            "rounding": rule.display.price_rounding}
    script = (PREFIX + json.dumps(spec, ensure_ascii=False, sort_keys=True) + ",\n" + _code_text(code) + SUFFIX)
    assets[spec_path(rule)] = script.encode()
    lines += _intro(rule, usable, markets, excluded)
    lines += [_form(rule, spec, options), ""]
    return Calculator(lines, assets, RUNTIME + (spec_path(rule),))


def _code_text(code: list) -> str:
    """The generated functions, one object per mode (the only generated code; checked by js_exact.problems)."""
    def obj(node, indent="  ") -> str:
        if isinstance(node, dict):
            inner = ",\n".join(f'{indent}"{key}": {obj(value, indent + "  ")}' for key, value in node.items())
            return "{\n" + inner + "\n" + indent[:-2] + "}" if node else "{}"
        if isinstance(node, list):
            return "[" + ", ".join(obj(item, indent) for item in node) + "]"
        return "null" if node is None else node
    return obj(code)


# --------------------------------------------------------------------------------------------- one mode


def _probe(mode) -> object:
    """An account of one position in this mode, for asking evaluate's own setting what the mode needs."""
    return _account.account_from_data({"marginMode": mode.account, "mode": mode.name, "positions": [
        {"symbol": "-", "side": "long", "contracts": 1, "entryPrice": 1, "markPrice": 1}]})


def _mode(rule, mode) -> tuple[dict, dict]:
    """(data, generated functions) of one mode; a mode ``evaluate`` cannot use says why, in its words."""
    data = {"name": mode.name, "account": mode.account, "meaning": mode.meaning}
    try:
        setting = setting_for(rule, _probe(mode), None)
        rule_now, mode = setting.rule, setting.mode
        form = derive_rule(rule_now).closed_form(mode.name, "liquidation")
    except VerifierError as exc:
        data["unusable"] = {"code": exc.code or "MV603", "message": str(exc)}
        return data, {}
    try:
        return _usable(rule_now, mode, setting, form, data)
    except NotCompilable as exc:
        data["unusable"] = {"code": "MV603", "message": f"the calculator cannot write this mode's formulas: {exc}"}
        return data, {}


def _usable(rule, mode, setting, form, data) -> tuple[dict, dict]:
    needed = setting.needed
    symbols, readings = [], {}
    for name, spec in mode.symbols.items():
        entry = {"name": name, "meaning": spec.meaning, "needed": name in needed}
        if spec.others:
            entry["others"] = True  # the sum over the account's other positions: none here, so 0
            symbols.append(entry)
            continue
        text = spec.snapshot_formula(mode.account)
        if text:
            reading = spec.reading(mode.account)
            readings[name] = js_function(js_value(reading))
            entry.update(text=text, fields=sorted(fields_of(reading)),
                         unreadable=_legs.unreadable_message(name, spec, text,
                                                             f"{reading} divides by zero at these values"),
                         missing=_legs.missing_message(_Placeholder("{where}"), [_Placeholder("{missing}")], name,
                                                       spec.meaning))
        if spec.market:
            entry["market"] = spec.market
        if spec.from_tiers:
            entry["fromTiers"] = spec.from_tiers
        if spec.domain or spec.one_of:
            entry["domain"] = [[op, _q(bound)] for op, bound in spec.domain]
            entry["oneOf"] = [_q(v) for v in spec.one_of] if spec.one_of else None
            entry["domainMessage"] = _legs.domain_message(name, spec, text, "{value}")
        symbols.append(entry)
    parameters = {symbol.name: _q(value) for symbol, value in setting.parameters.items()}
    tier_symbols = dict(mode.tier_symbols) if rule.tiers is not None else {}
    missing_tiers = [mode.symbols[name].sympy for name in tier_symbols]
    code = {"readings": readings,
            "basis": js_function(js_value(mode.tier_basis.expr)) if mode.tier_basis is not None and tier_symbols
            else None,
            "definitions": {}, "conditions": {},
            "roots": [js_function(js_value(root)) for root in form.roots],
            "validity": [js_function(js_condition(c)) for c in form.conditions],
            "excluded": [js_function(js_value(e)) for e in form.excluded]}
    others = {mode.symbols[n].sympy for n in mode.others}
    definitions = {}
    ratio = next((name for name in RATIOS if name in mode.definitions), None)
    for name in ("maintenance_margin", "upnl", ratio):
        if name is None or name not in mode.definitions:
            continue
        expr = mode.definitions[name].expr
        code["definitions"][name] = js_function(js_value(expr))
        definitions[name] = {"atMark": not (expr.free_symbols & others)}  # at_mark leaves out others' sums
    statuses = [name for name in ("liquidation", "margin_call") if name in mode.conditions]
    for name in dict.fromkeys(statuses + ["liquidation"]):
        code["conditions"][name] = js_function(js_condition(mode.conditions[name].relation))
    # the symbols the liquidation price uses (legs._price_inputs): one the position lacks outside them is not
    # refused; the quantities that need it are left out and the status is unknown, as evaluate says
    fixed = {symbol: Fraction(value) for symbol, value in setting.parameters.items()}
    used = set().union(*(root.xreplace(fixed).free_symbols for root in form.roots))
    if mode.tier_basis is not None:
        used |= mode.tier_basis.expr.free_symbols
    by_symbol = {spec.sympy: name for name, spec in mode.symbols.items()}
    price_inputs = sorted(({by_symbol[s] for s in used if s in by_symbol} - {form.solve_for})
                          | {name for name, spec in mode.symbols.items() if spec.others})
    data.update(symbols=symbols, parameters=parameters, tierSymbols=tier_symbols, definitions=definitions,
                priceInputs=price_inputs,
                ratio=ratio, statuses=statuses,
                undecidable={name: undecidable_message(name, mode.conditions[name].text) for name in statuses},
                rootsUseTiers=any(s in root.free_symbols for s in missing_tiers for root in form.roots),
                inputs=_mode_inputs(rule, mode, symbols), notes=_notes(mode, symbols))
    return data, code


def _q(value) -> str:
    """An exact number as text the page reads exactly (Fraction's str: '3', '-1/3')."""
    return str(Fraction(value))


def _mode_inputs(rule, mode, symbols) -> list:
    """The ccxt fields a reader types for this mode: every field a symbol's reading uses, less ``side`` (chosen),
    what the market catalog gives (``contractSize``, a symbol's ``market:`` field) and the tier columns a tiered
    rule takes from its table."""
    wanted = set()
    for entry in symbols:
        if "fields" not in entry:
            continue
        if entry.get("market") or (entry.get("fromTiers") and rule.tiers is not None):
            continue
        wanted.update(entry["fields"])
    wanted -= {"side", *POSITION_FIELDS}
    wanted |= set(REQUIRED)  # the snapshot needs them whatever the mode reads
    return [name for name in SNAPSHOT_FIELDS if name in wanted]


def _notes(mode, symbols) -> dict:
    """field -> what reads it in this mode (for the form's labels)."""
    notes: dict = {}
    for entry in symbols:
        for name in entry.get("fields", ()):
            spec = mode.symbols[entry["name"]]
            notes.setdefault(name, []).append(f"{entry['name']} = {entry['text']}: {spec.meaning.strip()}")
    return {name: "; ".join(texts) for name, texts in notes.items()}


def _input_fields(modes) -> dict:
    """Every field any mode asks for: whether the schema requires it, its description and where it goes."""
    schema = load_schema("account")
    position = schema["$defs"]["position"]
    required = set(position["required"])
    out = {}
    for mode in modes:
        for name in mode.get("inputs", ()):
            if name in out:
                continue
            where = "account" if name in ACCOUNT_FIELDS else "position"
            properties = position["properties"] if where == "position" else _account_properties(schema)
            description = properties.get(name, {}).get("description", "")
            out[name] = {"required": name in required, "level": where, "description": description}
            if name in required:
                out[name]["missing"] = _account.MISSING_KEY.format(where="position", key=name)
    return out


def _account_properties(schema) -> dict:
    for definition in schema["$defs"].values():
        if "walletBalance" in definition.get("properties", {}):
            return definition["properties"]
    return {}


def _messages(rule) -> dict:
    """The messages that do not belong to one mode, as evaluate words them (placeholders in braces)."""
    unknown = MarketData(rule.id, rule.markets, rule.tiers, _Placeholder("{symbol}"), None, None)
    return {"notDecimal": _account.NOT_DECIMAL, "negativeContracts": _account.NEGATIVE_CONTRACTS,
            "emptySymbol": _read_problem({"symbol": ""}), "marketMissing": str(unknown.missing("{what}")),
            "noTierRow": _legs.NO_TIER_ROW, "noRoot": _pricing.NO_ROOT, "outgrownAtMark": _legs.OUTGROWN_AT_MARK,
            "outgrown": _pricing.OUTGROWN, "numberLimit": _account.NUMBER_LIMIT,
            "numbers": {"maxDigits": _inputs.MAX_DIGITS, "maxExponent": _inputs.MAX_EXPONENT, **_inputs.NUMERAL_LIMITS},
            "overCollateralised": _pricing.OVER_COLLATERALISED, "liquidatedEverywhere": _pricing.LIQUIDATED_EVERYWHERE,
            "directions": _pricing.DIRECTIONS, "far": str(_pricing.FAR),
            "notOffered": "{symbol} is in the catalog, but the calculator does not offer it: it has {reason}",
            "notListed": _not_listed(unknown)}


def _not_listed(unknown: MarketData) -> str | None:
    """evaluate's refusal of a market its rule's catalog does not list (None: the rule has no catalog)."""
    try:
        unknown.check_listed()
    except VerifierError as exc:
        return str(exc)
    return None


def _read_problem(change: dict) -> str:
    """The message the account reader gives a position with ``change`` (asked of the reader itself)."""
    position = {"symbol": "-", "side": "long", "contracts": 1, "entryPrice": 1, "markPrice": 1, **change}
    try:
        _account.account_from_data({"marginMode": "isolated", "positions": [position]})
    except VerifierError as exc:
        return exc.diagnostics[0].message
    raise AssertionError(f"the reader accepts {change}")  # the reader's contract changed: fail the build loudly


# --------------------------------------------------------------------------------------------- markets


def _market_file(rule, symbol: str, taken: set) -> str:
    name = re.sub(r"[^A-Za-z0-9]+", "-", symbol).strip("-") or "market"
    candidate, n = name, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{name}-{n}"
    taken.add(candidate.lower())
    return f"{slug(rule)}/{candidate}.js"


def _markets(rule, modes) -> tuple[list, dict, dict]:
    """([(symbol, file)] of the markets the calculator offers, {reason: [symbols]} of those it cannot, assets)."""
    catalog = rule.markets
    if catalog is None or not modes:
        return [], {}, {}
    market_fields = {entry["market"] for mode in modes for entry in mode["symbols"] if entry.get("market")
                     and entry["needed"]}
    reads = {name for mode in modes for entry in mode["symbols"] for name in entry.get("fields", ())}
    columns = {column for mode in modes for column in mode["tierSymbols"].values()}
    offered, excluded, assets, taken = [], {}, {}, set()
    for symbol in catalog.symbols():
        data, reason = _market_data(rule, symbol, market_fields, reads, columns)
        if reason is not None:
            excluded.setdefault(reason, []).append(symbol)
            continue
        file = _market_file(rule, symbol, taken)
        assets[f"{ASSETS}/{file}"] = ("MVCalculator.market(" + json.dumps(rule.id) + ", " + json.dumps(symbol) + ", "
                                      + json.dumps(data, ensure_ascii=False, sort_keys=True) + ");\n").encode()
        offered.append((symbol, file))
    return offered, excluded, assets


def _market_data(rule, symbol, market_fields, reads, columns) -> tuple[dict | None, str | None]:
    """(what the page needs of one market on the latest date, None) or (None, why the calculator cannot offer it:
    the words of evaluate's refusal)."""
    market = MarketData.of(rule, symbol, None)
    try:
        market.check_type(rule.product)
    except VerifierError:
        return None, f"not {rule.product.market_type} markets"
    fields = {}
    wanted = set(market_fields) | {market_field for position_field, market_field in POSITION_FIELDS.items()
                                   if position_field in reads}
    for name in sorted(wanted):
        value = market.field(name)
        if value is None:
            return None, f"no {name} in the catalog"
        fields[name] = _q(value)
    data = {"fields": fields}
    display = market.display(rule.display)
    shown = display if display.price_tick is not None else rule.display
    data["tick"] = _q(shown.price_tick) if shown.price_tick is not None else None
    limit = market.leverage_limit()
    if limit is not None:
        data["leverageLimit"] = {"value": _q(limit[0]),
                                 "message": _legs.leverage_message(symbol, "{value}", limit[0], limit[1])}
    if rule.tiers is not None and columns:
        try:
            table = market.tier_table()
        except VerifierError:
            return None, "no tier table in the catalog"
        data["tiers"] = {"bounds": table.bounds, "rows": [
            [row.number, _q(row.floor), None if row.cap is None else _q(row.cap),
             {column: _q(row.values[column]) for column in sorted(columns)}] for row in table.rows]}
    dates = [f"{part} effective {p.effective}, seen {p.seen}" for part, p in market.provenance()]
    data["dates"] = "; ".join(dates)
    return data, None


# --------------------------------------------------------------------------------------------- the page


def _intro(rule, modes, markets, excluded) -> list:
    lines = ["Type a position: the calculator shows what `margin-verifier evaluate` answers for it, computed in "
             "your browser from this rule's derived closed forms and the market's tier table, in exact rational "
             "arithmetic (no floating point; the JavaScript is generated from the derivation when the site is "
             "built, and nothing is sent anywhere). The position is alone in its account: in cross mode no other "
             "position adds to or takes from the wallet. Market data is the latest in the catalog.", ""]
    if not modes:
        return lines + ["No mode of this rule can be evaluated from a position: see each mode's reason below.", ""]
    if rule.markets is not None:
        total = len(rule.markets.symbols())
        left = "; ".join(f"{len(symbols)} have {reason}" for reason, symbols in excluded.items())
        lines += [f"{len(markets)} of the catalog's {total} markets are offered" + (f" ({left}: `evaluate` "
                  "refuses a position in them without these values)." if left else "."), ""]
    return lines


def _form(rule, spec, options: Options) -> str:
    """The calculator's HTML: a form filled with the reference position (mkdocs.yml), results filled by the page."""
    defaults = _defaults(rule, options)
    markets = list(spec["markets"])
    market = options.market if options.market in spec["markets"] else (markets[0] if markets else "")
    rows = ['<div class="mv-calc-row"><label for="mv-calc-mode">margin mode</label><select id="mv-calc-mode" '
            'name="mode">' + "".join(f'<option value="{esc(m["name"])}">{esc(m["name"])}</option>'
                                     for m in spec["modes"]) + "</select></div>",
            '<div class="mv-calc-row"><label for="mv-calc-symbol">market</label><input id="mv-calc-symbol" '
            f'name="symbol" list="mv-calc-markets" value="{esc(market)}" spellcheck="false">'
            '<datalist id="mv-calc-markets">' + "".join(f'<option value="{esc(s)}">' for s in markets)
            + "</datalist></div>",
            '<div class="mv-calc-row"><label for="mv-calc-side">side</label><select id="mv-calc-side" name="side">'
            '<option value="long">long</option><option value="short">short</option></select></div>']
    for name, meta in spec["inputs"].items():
        required = " (required)" if meta["required"] else ""
        rows.append(f'<div class="mv-calc-row" data-field="{esc(name)}"><label for="mv-calc-{esc(name)}"><code>'
                    f'{esc(name)}</code>{required}</label><input id="mv-calc-{esc(name)}" name="{esc(name)}" '
                    f'inputmode="decimal" spellcheck="false" value="{esc(defaults.get(name, ""))}">'
                    f'<small class="mv-calc-note" title="{esc(meta["description"])}"></small></div>')
    results = "".join(f'<tr><th>{label}</th><td><output data-key="{key}"></output>'
                      + ('<br><small class="mv-calc-exact"></small>' if key == "liquidationPrice" else "")
                      + "</td></tr>" for key, label in (
        ("liquidationPrice", "liquidation price"), ("maintenanceMargin", "maintenance margin"),
        ("marginRatio", "margin ratio"), ("tier", "tier at the mark"), ("unrealizedPnl", "unrealised PnL"),
        ("status", "status")))
    return (f'<div class="mv-calculator" id="mv-calculator" data-rule="{esc(rule.id)}">'
            '<form class="mv-calc-form" autocomplete="off">' + "".join(rows) + "</form>"
            '<div class="mv-calc-out" aria-live="polite"><table class="mv-calc-results">' + results + "</table>"
            '<p class="mv-calc-mode-note"></p><ul class="mv-calc-errors"></ul><p class="mv-calc-market"></p>'
            "<noscript>The calculator needs JavaScript; `margin-verifier evaluate` gives the same answers.</noscript>"
            "</div></div>")


def _defaults(rule, options: Options) -> dict:
    """The reference position of the site (mkdocs.yml) as the form's first values, at the comparison leverage."""
    fields = compute._position_fields(rule, chart_position(rule, options), options.comparison_leverage)
    fields.setdefault("markPrice", fields["entryPrice"])
    return {name: decimal_text(value) for name, value in fields.items()}
