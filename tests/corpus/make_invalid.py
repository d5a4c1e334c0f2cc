"""Regenerate tests/corpus/invalid/ from valid/minimal-linear.yaml: one realistic mistake per file.

Each generated file starts with two comment lines the corpus test reads:
    # expect: <CODE> line <N>
    # message: <text the diagnostic must contain>
The line is where the mistake is (found by its marker text), computed here independently of the loader.
Each file holds one mistake, and checking it must report exactly one diagnostic: its root (issue 15).
Run: .venv/bin/python tests/corpus/make_invalid.py
"""

from pathlib import Path

HERE = Path(__file__).parent
BASE = (HERE / "valid" / "minimal-linear.yaml").read_text()
CATALOG = HERE / "valid" / "markets" / "example"
HEADER = (CATALOG / "catalog.yaml").read_text()
SHARD = (CATALOG / "markets-B.json").read_text()

# slug: (what an author did, old text, new text, code, message fragment, marker on the error line or None=line 1)
RULE_MISTAKES = {
    "typo-in-key": ("misspelt a top-level key", "title: Example linear", "titel: Example linear", "MV201", "unknown key 'titel'", "titel:"),
    "missing-required-key": ("forgot the price symbol", "price: P\n", "", "MV202", "missing required key 'price'", "format: 1"),
    "unknown-symbol": ("used an undeclared name", "{formula: q * P, source: doc}", "{formula: q * Px, source: doc}", "MV302", "unknown name 'Px'", "q * Px"),
    "unit-mismatch-add": ("added base to quote", "equity: {formula: WB + upnl, source: doc}", "equity: {formula: WB + q, source: doc}", "MV303", "cannot add quote and base", "WB + q"),
    "unit-mismatch-compare": ("compared quote with a rate", "when: equity <= maintenance_margin", "when: equity <= MMR", "MV303", "cannot compare quote and 1", "equity <= MMR"),
    "bad-retrieved-date": ("wrote month 13", "retrieved: 2026-11-21", "retrieved: 2026-13-01", "MV402", "'2026-13-01' is not a calendar date", "2026-13-01"),
    "unknown-source": ("cited a source that is not listed", "{formula: q * P, source: doc}", "{formula: q * P, source: docs}", "MV400", "unknown source 'docs'", "source: docs"),
    "yaml-bad-indentation": ("broke the indentation", "    title: Example liquidation page\n", "   title: Example liquidation page\n", "MV100", "YAML syntax error", "    url: https"),
    "duplicate-key": ("defined a key twice", "exchange: example\n", "exchange: example\nexchange: example\n", "MV101", "duplicate key 'exchange'", "exchange: example\nproduct"),
    "tab-indentation": ("indented with a tab", "  doc:\n    title", "  doc:\n\ttitle", "MV100", "tabs are not allowed for indentation; use spaces", "\ttitle"),
    "python-tag": ("pasted a Python object tag", "title: Example linear perpetual", "title: !!python/object/apply:os.system [ls]", "MV102", "is not allowed", "!!python"),
    "non-finite-number": ("wrote .nan for a rate", "2020-01-01: 0.005", "2020-01-01: .nan", "MV105", "non-finite number '.nan'", ".nan"),
    "format-as-text": ("quoted the format version", "format: 1", "format: \"1\"", "MV204", "is not one of 1", "format: \"1\""),
    "number-as-text": ("quoted an example number", "given: {q: 2, P: 30000}", "given: {q: \"2\", P: 30000}", "MV203", "expected a number, got the text '2'", "q: \"2\""),
    "product-typo": ("misspelt the product kind", "product: linear-perpetual", "product: linear-perp", "MV204", "'linear-perp' is not one of", "product: linear-perp"),
    "unknown-unit": ("misspelt a unit", "P: {unit: quote/base, meaning: mark price", "P: {unit: qoute/base, meaning: mark price", "MV301", "unknown unit 'qoute'", "qoute/base"),
    "unit-syntax": ("wrote a unit as a sum", "q: {unit: base,", "q: {unit: base+quote,", "MV301", "cannot read unit 'base+quote'", "base+quote"),
    "condition-not-comparison": ("wrote a difference instead of a comparison", "when: equity <= maintenance_margin", "when: equity - maintenance_margin", "MV430", "must be one comparison", "equity - maintenance_margin"),
    "definition-cycle": ("defined notional through maintenance margin", "{formula: q * P, source: doc}", "{formula: maintenance_margin / MMR, source: doc}", "MV422", "cycle", None),
    "definition-self-reference": ("used a definition inside itself", "{formula: s * q * (P - EP), source: doc}", "{formula: s * q * (P - EP) + upnl, source: doc}", "MV422", "refers to itself", "+ upnl"),
    "example-unknown-mode": ("misspelt the example's mode", "mode: isolated\n    market", "mode: isolate\n    market", "MV450", "unknown mode 'isolate'", "mode: isolate"),
    "example-unknown-input": ("gave an input the rule does not have", "given: {q: 2, P: 30000}", "given: {q: 2, P: 30000, qty: 1}", "MV451", "example gives 'qty'", "qty: 1"),
    "example-missing-input": ("left out the price", "given: {q: 2, P: 30000}", "given: {q: 2}", "MV454", "does not give P", "given: {q: 2}"),
    "example-unknown-expectation": ("expected a quantity the rule does not define", "expect: {maintenance_margin: 250}", "expect: {maint_margin: 250}", "MV453", "expects 'maint_margin'", "maint_margin"),
    "example-wrong-value": ("copied a wrong expected value", "expect: {maintenance_margin: 250}", "expect: {maintenance_margin: 251}", "MV500", "expected maintenance_margin = 251", "maintenance_margin: 251"),
    "example-outside-domain": ("gave a negative size", "given: {q: 2, P: 30000}", "given: {q: -2, P: 30000}", "MV452", "outside its domain", "q: -2"),
    "dates-not-increasing": ("listed effective dates backwards", "{2020-01-01: 0.005, 2024-08-12: 0.01}", "{2024-08-12: 0.01, 2020-01-01: 0.005}", "MV403", "is not after 2024-08-12", "2024-08-12: 0.01, 2020"),
    "impossible-effective-date": ("wrote 30 February", "2020-01-01: 0.005", "2020-02-30: 0.005", "MV402", "'2020-02-30' is not a calendar date", "2020-02-30"),
    "missing-catalog": ("misspelt the catalog folder's name", "catalog: markets/example", "catalog: markets/exampel", "MV810", "market catalog folder 'markets/exampel' does not exist", "markets/exampel"),
    "market-field-unknown": ("misspelt a market field", "  s: {unit: \"1\", meaning: side,", "  L: {unit: \"1\", meaning: max leverage, market: maxLeverge}\n  s: {unit: \"1\", meaning: side,", "MV811", "reads market field 'maxLeverge'", "market: maxLeverge"),
    "market-field-wrong-unit": ("read a fee rate into an amount", "  s: {unit: \"1\", meaning: side,", "  F: {unit: quote, meaning: fee, market: taker}\n  s: {unit: \"1\", meaning: side,", "MV811", "market field 'taker' is in 1", "F: {unit: quote"),
    "others-unknown-definition": ("summed a definition that does not exist", "others: maintenance_margin", "others: maintenance", "MV421", "sums definition 'maintenance'", "others: maintenance}"),
    "unknown-function": ("called a function the language lacks", "{formula: q * P, source: doc}", "{formula: \"mul(q, P)\", source: doc}", "MV302", "unknown function 'mul'", "mul(q, P)"),
    "attribute-access": ("used attribute access", "{formula: q * P, source: doc}", "{formula: q.real * P, source: doc}", "MV300", "attribute access", "q.real"),
    "rule-id-exchange-mismatch": ("copied a rule id from another exchange", "rule: example/linear-perpetual", "rule: other/linear-perpetual", "MV460", "does not start with the exchange", "rule: other"),
    "price-symbol-undeclared": ("named a price symbol that is not declared", "price: P", "price: Price", "MV461", "price symbol 'Price' is not declared", "price: Price"),
    "symbol-redeclared-in-mode": ("redeclared a global symbol in a mode", "      TMM1: {unit: quote,", "      WB: {unit: quote, meaning: again}\n      TMM1: {unit: quote,", "MV420", "symbol 'WB' is already declared", "WB: {unit: quote, meaning: again}"),
    "exponent-too-large": ("raised to a huge power", "{formula: q * P, source: doc}", "{formula: q * P ** 100, source: doc}", "MV300", "exponent 100 is beyond", "q * P ** 100"),
    "url-without-scheme": ("left out https://", "url: https://example.com/liquidation", "url: example.com/liquidation", "MV205", "is not in the expected form", "url: example.com"),
    "merge-key": ("used a YAML merge key", "  doc:\n    title:", "  doc:\n    <<: {note: x}\n    title:", "MV102", "merge keys", "<<:"),
    "solve-for-unknown": ("solved for an undeclared symbol", "when: equity <= maintenance_margin, source: doc}", "when: equity <= maintenance_margin, source: doc, solve_for: Q}", "MV432", "solves for 'Q'", "solve_for: Q"),
    "domain-in-words": ("wrote the domain in words", "q: {unit: base, meaning: position size, domain: \"> 0\"", "q: {unit: base, meaning: position size, domain: \"positive\"", "MV205", "'positive' is not in the expected form", "positive"),
    "published-formula-wrong": ("transcribed the exchange's formula with a sign flipped", "  liquidation: {when: equity <= maintenance_margin, source: doc}\n", "  liquidation: {when: equity <= maintenance_margin, source: doc}\npublished:\n  liquidation_price:\n    - modes: [isolated]\n      formula: (WB + cum + s * q * EP) / (q * MMR - s * q)\n      source: doc\n", "MV502", "published liquidation_price (isolated) differs from the derived one: at ", "formula: (WB + cum + s * q * EP)"),
    "condition-expected-as-number": ("expected a number for a condition", "expect: {maintenance_margin: 250}", "expect: {maintenance_margin: 250, liquidation: 1}", "MV456", "needs true or false", "liquidation: 1"),
    "unknown-mode-key": ("misspelt a mode's key", "    account: cross\n", "    acount: cross\n", "MV201", "unknown key 'acount'", "acount:"),
    "inverse-margined-in-quote": ("called a USDT-margined contract inverse", "product: linear-perpetual", "product: inverse-perpetual", "MV462", "an inverse product (inverse-perpetual) is margined in base, but collateral_unit is quote", "collateral_unit: quote"),
    "margin-level-with-unit": ("defined the margin level as an amount", "  upnl: {formula: s * q * (P - EP), source: doc}\n", "  upnl: {formula: s * q * (P - EP), source: doc}\n  margin_level: {formula: WB / 2, source: doc}\n", "MV424", "definition 'margin_level' is in quote, but simulate, derive and docs read it in 1", "WB / 2"),
    "contract-name-wrong-kind": ("named a parameter like a condition code reads", "  fee_rate:\n", "  margin_call:\n", "MV424", "'margin_call' is declared as a parameter, but simulate, derive and docs read it as a condition", "margin_call:"),
    # one root per mistake: what follows from a mistake is not reported again (issue 15)
    "misspelt-source-declaration": ("misspelt a source's id where it is declared (eight places cite it)", "  doc:\n    title: Example", "  dc:\n    title: Example", "MV401", "'dc' is declared but never used, and 'doc' is used but never declared", "dc:"),
    "misspelt-symbol-declaration": ("misspelt a tier symbol where it is declared", "  cum: {unit: quote, meaning: maintenance amount", "  cm: {unit: quote, meaning: maintenance amount", "MV401", "'cm' is declared but never used, and 'cum' is used but never declared", "cm: {unit"),
    "misspelt-definition-declaration": ("misspelt a definition where it is declared", "  notional: {formula: q * P", "  notionl: {formula: q * P", "MV401", "'notionl' is declared but never used, and 'notional' is used", "notionl:"),
    "misspelt-mode-definition": ("misspelt one mode's definition (the other mode spells it right)", "    definitions:\n      equity: {formula: WB + upnl, source: doc}", "    definitions:\n      equty: {formula: WB + upnl, source: doc}", "MV401", "'equty' is declared but never used, and 'equity' is used", "equty:"),
    "undeclared-name-used-twice": ("used an undeclared name in two formulas", "  notional: {formula: q * P, source: doc}\n  upnl: {formula: s * q * (P - EP), source: doc}", "  notional: {formula: qty * P, source: doc}\n  upnl: {formula: s * qty * (P - EP), source: doc}", "MV302", "unknown name 'qty' (also on line", "qty * P"),
    "broken-definition-used-by-examples": ("misspelt a name in a definition an example expects", "{formula: notional * MMR - cum, source: doc}", "{formula: notional * MMRR - cum, source: doc}", "MV302", "unknown name 'MMRR'", "MMRR"),
    "misspelt-example-input": ("misspelt an input of an example", "given: {q: 2, P: 30000}", "given: {qq: 2, P: 30000}", "MV451", "example gives 'qq'", "qq: 2"),
    "role-does-not-fit": ("declared a wallet balance's role as a leverage", "meaning: wallet balance,", "meaning: wallet balance, role: leverage,", "MV426", "role 'leverage' does not fit symbol 'WB'", "leverage,"),
}

# A catalog shard (JSON: the expectation goes to a .expect file beside it) checked against the valid header.
SHARD_MISTAKES = {
    "tier-gap": ("left a gap between brackets", "[50000, 250000, 0.005", "[60000, 250000, 0.005", "MV411", "gap between row 1", "[60000, 250000"),
    "tier-overlap": ("overlapped two brackets", "[250000, null", "[200000, null", "MV412", "overlaps row 2", "[200000, null"),
    "tier-cap-below-floor": ("swapped floor and cap", "[50000, 250000, 0.005", "[50000, 40000, 0.005", "MV413", "is not above floor", "[50000, 40000"),
    "tier-discontinuous-amount": ("mistyped a maintenance amount", "0.01, 1300, 50]", "0.01, 1250, 50]", "MV414", "continuity gives", "1250, 50]"),
    "tier-first-amount-nonzero": ("gave the first bracket an amount", "[0, 50000, 0.004, 0, 125]", "[0, 50000, 0.004, 5, 125]", "MV414", "must be 0", "[0, 50000, 0.004, 5"),
    "tier-unbounded-not-last": ("left a middle bracket unbounded", "[50000, 250000, 0.005", "[50000, null, 0.005", "MV415", "only the last row's cap", "[50000, null"),
    "tier-missing-column": ("forgot a column in one row", "[0, 50000, 0.004, 0, 125]", "[0, 50000, 0.004, 125]", "MV417", "has 4 values", "[0, 50000, 0.004, 125]"),
    "tier-rate-decreasing": ("wrote a lower rate for a bigger bracket (its amount continuous)", "0.01, 1300, 50]", "0.0045, -75, 50]", "MV805", "is below row 2's", "0.0045, -75"),
    "tier-rate-above-initial": ("gave a bracket more leverage than its rate allows", "[0, 50000, 0.004, 0, 125]", "[0, 50000, 0.004, 0, 250]", "MV806", "not below the initial rate 1/250", "0.004, 0, 250]"),
    "versions-not-increasing": ("listed a newer version first", "{\"effective\": \"2024-07-01\"", "{\"effective\": \"2023-07-01\"", "MV403", "is not after the previous version's 2024-01-01", "\"effective\": \"2023-07-01\""),
    "seen-before-effective": ("dated a version's last sighting before its first", "\"seen\": \"2024-06-30\"", "\"seen\": \"2023-06-30\"", "MV802", "is before effective", "\"seen\": \"2023-06-30\""),
    "version-unknown-source": ("cited a source the header does not list", "\"source\": \"brackets\", \"type\": \"linear\", \"base\": \"BTC\", \"quote\": \"USDT\", \"settle\": \"USDT\", \"contractSize\": 1, \"tick\": 0.1", "\"source\": \"bracket\", \"type\": \"linear\", \"base\": \"BTC\", \"quote\": \"USDT\", \"settle\": \"USDT\", \"contractSize\": 1, \"tick\": 0.1", "MV400", "unknown source 'bracket'", "\"bracket\""),
    "unknown-market-field": ("misspelt a market field", "\"tick\": 0.1,", "\"tickSize\": 0.1,", "MV804", "unknown market field 'tickSize'", "\"tickSize\""),
    "zero-tick": ("wrote a zero tick", "\"tick\": 0.1,", "\"tick\": 0,", "MV807", "tick must be > 0", "\"tick\": 0,"),
    "symbol-disagrees": ("copied another market's base", "\"base\": \"BTC\", \"quote\": \"USDT\", \"settle\": \"USDT\", \"contractSize\": 1, \"tick\": 0.1", "\"base\": \"ETH\", \"quote\": \"USDT\", \"settle\": \"USDT\", \"contractSize\": 1, \"tick\": 0.1", "MV808", "give 'ETH/USDT:USDT', not the symbol", "\"base\": \"ETH\""),
    "shard-of-another-catalog": ("pasted a shard of another catalog", "\"catalog\": \"example/linear-perpetual\"", "\"catalog\": \"example/inverse-perpetual\"", "MV801", "is for catalog 'example/inverse-perpetual'", "example/inverse-perpetual"),
    "market-type-typo": ("misspelt a market's type", "\"type\": \"linear\", \"base\": \"BTC\", \"quote\": \"USDT\", \"settle\": \"USDT\", \"contractSize\": 1, \"tick\": 0.1", "\"type\": \"lineal\", \"base\": \"BTC\", \"quote\": \"USDT\", \"settle\": \"USDT\", \"contractSize\": 1, \"tick\": 0.1", "MV204", "is not one of", "\"lineal\""),
    "bad-version-date": ("wrote 31 June", "\"effective\": \"2024-07-01\"", "\"effective\": \"2024-06-31\"", "MV402", "'2024-06-31' is not a calendar date", "2024-06-31"),
    # dates after today (MV405/MV406, as in rules; tests fix today at 2026-12-07, tests/conftest.py): a future
    # effective date is the one root, its seen date before it is not reported again
    "future-effective-date": ("typed 2027 for 2024 in a version's effective date", "\"effective\": \"2024-07-01\"", "\"effective\": \"2027-07-01\"", "MV406", "BTC/USDT:USDT market version 2: effective date 2027-07-01 is after today (2026-12-07)", "\"effective\": \"2027-07-01\""),
    "future-seen-date": ("typed 2027 for 2026 in a version's last sighting", "\"effective\": \"2024-07-01\", \"seen\": \"2026-11-21\"", "\"effective\": \"2024-07-01\", \"seen\": \"2027-11-21\"", "MV405", "market version 2: seen date 2027-11-21 is after today", "\"seen\": \"2027-11-21\""),
    "future-retrieved-date": ("typed 2062 for 2026 in a tier table's retrieval date", "\"retrieved\": \"2026-11-21\", \"source\": \"brackets\", \"rows\"", "\"retrieved\": \"2062-11-21\", \"source\": \"brackets\", \"rows\"", "MV405", "tier table version 1: retrieved date 2062-11-21 is after today", "\"retrieved\": \"2062-11-21\""),
    # one root per mistake: the rows after a mistyped amount are judged from the right amount (issue 15)
    "tier-amount-typo-in-middle": ("mistyped one amount (the rows after it are right)", "0.005, 50, 100]", "0.005, 60, 100]", "MV414", "row 2: cum is 60 but continuity gives 50000 * (0.005 - 0.004) + 0 = 50", "0.005, 60, 100]"),
}

# A catalog header (catalog.yaml), each in a folder of its own.
HEADER_MISTAKES = {
    "header-bounds-typo": ("wrote the bounds another way", "bounds: \"[floor, cap)\"", "bounds: \"[floor, cap[\"", "MV204", "is not one of", "bounds:"),
    "header-continuity-column": ("named an undeclared column for continuity", "continuity: {rate: MMR, amount: cum}", "continuity: {rate: MMR, amount: cums}", "MV417", "names column 'cums'", "continuity:"),
    "header-standard-field-unit": ("gave a standard field a unit", "fields:\n", "fields:\n  tick: {unit: quote, meaning: tick, ccxt: info.tickSize}\n", "MV804", "'tick' is a standard market field", "tick: {unit"),
    "header-unit-syntax": ("wrote a unit as a sum", "cum: {unit: quote,", "cum: {unit: quote+base,", "MV301", "cannot read unit", "quote+base"),
    "header-derived-not-the-amount": ("derived a column that is not the continuity amount", "max_leverage: {unit: \"1\", meaning: highest leverage of the bracket, ccxt: maxLeverage}", "max_leverage: {unit: \"1\", meaning: highest leverage of the bracket, derived: continuity}", "MV417", "'max_leverage' is derived by continuity but is not the continuity amount", "derived: continuity"),
    "header-derived-and-read": ("gave a column both a ccxt path and 'derived'", "cum: {unit: quote, meaning: maintenance amount, ccxt: info.cum}", "cum: {unit: quote, meaning: maintenance amount, ccxt: info.cum, derived: continuity}", "MV209", "gives both 'ccxt' and 'derived': give only one of them", "cum: {unit: quote, meaning: maintenance amount, ccxt"),
    "header-precision-typo": ("misspelt the price precision", "price_precision: tick", "price_precision: ticks", "MV204", "'ticks' is not one of", "price_precision"),
}


def emit(folder: Path, slug, base, mistake, suffix=".yaml", name=None):
    """Write one invalid file: ``base`` with the mistake, and its expectation (in the file, or beside a .json)."""
    what, old, new, code, message, marker = mistake
    assert base.count(old) == 1, f"{slug}: {old!r} is not unique in the base"
    body = base.replace(old, new)
    head = f"# expect: {code} line {{line}}\n# message: {message}\n# mistake: {what}\n"
    text = body if suffix == ".json" else head + body
    if marker is None:  # the mistake is reported at the first definition it involves
        marker = new.splitlines()[0]
    start = text.index(body)
    index = text.index(marker, start)
    line = text[:index].count("\n") + 1
    path = folder / (name or f"{slug}{suffix}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".json":
        path.write_text(body)
        path.with_name(path.name + ".expect").write_text(head.replace("{line}", str(line), 1))
    else:
        path.write_text(text.replace("{line}", str(line), 1))


def copy_catalog(folder: Path) -> None:
    """The valid catalog, beside files that need one (excluded from the corpus by its folder's name)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "catalog.yaml").write_text(HEADER)
    (folder / "markets-B.json").write_text(SHARD)


if __name__ == "__main__":
    out = HERE / "invalid"
    for slug, mistake in RULE_MISTAKES.items():
        emit(out, slug, BASE, mistake)
    copy_catalog(out / "markets" / "example")
    shards = out / "markets" / "shards"
    shards.mkdir(parents=True, exist_ok=True)
    (shards / "catalog.yaml").write_text(HEADER)
    for slug, mistake in SHARD_MISTAKES.items():
        emit(shards, slug, SHARD, mistake, suffix=".json", name=f"markets-{slug}.json")
    for slug, mistake in HEADER_MISTAKES.items():
        emit(out / "markets" / "headers" / slug, slug, HEADER, mistake, name="catalog.yaml")
    # a rule whose catalog has a broken tier table: the table's problem is its one diagnostic (located in the shard)
    broken = out / "markets" / "broken-tiers"
    broken.mkdir(parents=True, exist_ok=True)
    (broken / "catalog.yaml").write_text(HEADER)
    emit(broken, "broken-tiers", SHARD, SHARD_MISTAKES["tier-discontinuous-amount"], suffix=".json",
         name="markets-B.json")
    line = (broken / "markets-B.json.expect").read_text().splitlines()[0].split("line ")[1]
    (out / "rule-with-broken-tier-table.yaml").write_text(
        f"# expect: MV414 line {line}\n# message: continuity gives\n# mistake: used a catalog whose tier table has a "
        "mistyped amount (the line is the shard's)\n"
        + BASE.replace("catalog: markets/example", "catalog: markets/broken-tiers"))
    (out / "empty-file.yaml").write_text("# expect: MV100 line 1\n# message: file is empty\n")
    (out / "json-syntax.json").write_text('{"format": 1,\n "rule": "example/x",\n "title": }\n')
    (out / "json-syntax.json.expect").write_text("# expect: MV100 line 3\n# message: JSON syntax error\n")
    count = len(RULE_MISTAKES) + len(SHARD_MISTAKES) + len(HEADER_MISTAKES) + 4
    print(f"wrote {count} invalid files")
