"""A market catalog written out: the shard files ``import`` writes, one line per version and per tier row.

The layout is fixed so that a re-import of unchanged data writes the very same bytes, and a change shows in a
review as the lines of the versions it adds.  Numbers are exact decimals (:func:`verifier.report.numbers.decimal_text`).

>>> import datetime as dt
>>> from fractions import Fraction as F
>>> from verifier.model.market import Market, MarketSpec, Provenance
>>> p = Provenance("src", dt.date(2026, 1, 2), dt.date(2026, 1, 2), dt.date(2026, 1, 3))
>>> m = Market("BTC/USDT:USDT", (MarketSpec("linear", "BTC", "USDT", "USDT", {"tick": F(1, 10)}, p),), ())
>>> print(shard_text("binance/usdm-perpetual", [m], ("floor", "cap")), end="")
{
  "format": 1,
  "catalog": "binance/usdm-perpetual",
  "markets": {
    "BTC/USDT:USDT": {
      "market": [
        {"effective": "2026-01-02", "seen": "2026-01-02", "retrieved": "2026-01-03", "source": "src", "type": "linear", "base": "BTC", "quote": "USDT", "settle": "USDT", "tick": 0.1}
      ]
    }
  }
}
>>> shard_name("1000SATS/USDT:USDT", "initial"), shard_name("BTC/USDT:USDT", "market")
('markets-0-9.json', 'markets-BTC-USDT-USDT.json')
"""

from __future__ import annotations

import json
import re
from fractions import Fraction

from verifier.errors import SpecError
from verifier.model.market import STANDARD_FIELDS
from verifier.report.numbers import decimal_text, is_exact


def shard_name(symbol: str, layout: str) -> str:
    """The shard file a market belongs in under ``layout`` ('initial', 'single' or 'market')."""
    if layout == "single":
        return "markets.json"
    if layout == "market":
        return "markets-" + re.sub(r"[^A-Za-z0-9]+", "-", symbol).strip("-") + ".json"
    first = symbol[:1].upper()
    return f"markets-{'0-9' if first.isdigit() else first if first.isalpha() and first.isascii() else 'other'}.json"


def shards(catalog_id: str, markets, layout: str, row_keys: tuple) -> dict:
    """{file name: text} of every shard of ``markets`` (:class:`~verifier.model.market.Market`)."""
    groups: dict = {}
    for market in sorted(markets, key=lambda m: m.symbol):
        groups.setdefault(shard_name(market.symbol, layout), []).append(market)
    return {name: shard_text(catalog_id, group, row_keys) for name, group in sorted(groups.items())}


def shard_text(catalog_id: str, markets, row_keys: tuple) -> str:
    """One shard file's text."""
    lines = ["{", '  "format": 1,', f'  "catalog": {_text(catalog_id)},', '  "markets": {']
    for index, market in enumerate(markets):
        lines.append(f"    {_text(market.symbol)}: {{")
        parts = []
        if market.specs:
            parts.append(['      "market": ['] + _joined([f"        {_spec(s)}" for s in market.specs]) + ["      ]"])
        if market.tiers:
            parts.append(['      "tiers": ['] + _joined([_tiers(v, row_keys) for v in market.tiers]) + ["      ]"])
        for position, part in enumerate(parts):
            if position < len(parts) - 1:
                part[-1] += ","
            lines += part
        lines.append("    }" + ("," if index < len(markets) - 1 else ""))
    return "\n".join(lines + ["  }", "}"]) + "\n"


def _joined(items: list) -> list:
    return [item + ("," if index < len(items) - 1 else "") for index, item in enumerate(items)]


def _version_head(provenance) -> list:
    return [f'"effective": "{provenance.effective.isoformat()}"', f'"seen": "{provenance.seen.isoformat()}"',
            f'"retrieved": "{provenance.retrieved.isoformat()}"', f'"source": {_text(provenance.source)}']


def _spec(spec) -> str:
    items = _version_head(spec.provenance) + [f'"type": "{spec.type}"', f'"base": {_text(spec.base)}',
                                              f'"quote": {_text(spec.quote)}']
    if spec.settle is not None:
        items.append(f'"settle": {_text(spec.settle)}')
    order = [name for name in STANDARD_FIELDS if name in spec.fields] + \
        sorted(name for name in spec.fields if name not in STANDARD_FIELDS)
    items += [f'"{name}": {_number(spec.fields[name])}' for name in order]
    return "{" + ", ".join(items) + "}"


def _tiers(version, row_keys: tuple) -> str:
    head = "        {" + ", ".join(_version_head(version.provenance)) + ', "rows": ['
    rows = ["          [" + ", ".join(_row_values(row, row_keys)) + "]" for row in version.table.rows]
    return "\n".join([head] + _joined(rows) + ["        ]}"])


def _row_values(row, row_keys: tuple) -> list:
    values = [_number(row.floor), "null" if row.cap is None else _number(row.cap)]
    return values + [_number(row.values[key]) for key in row_keys[2:]]


def _number(value) -> str:
    if not is_exact(value):  # catalog values come from decimal text; a repeating decimal would be rounded here
        raise SpecError(f"{value} has no exact decimal form", code="MV822")
    return decimal_text(value)


def _text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def header_text(header: dict, comment: str) -> str:
    """A catalog header (``catalog.yaml``) written out from plain data, with ``comment`` lines on top: mappings in
    block style, a mapping of plain values on one line, every text quoted (JSON's quoting is YAML's).

    >>> print(header_text({"format": 1, "tiers": {"bounds": "[floor, cap)", "columns": {"MMR": {"unit": "1"}}}},
    ...                   "made by migrate"), end="")
    # made by migrate
    format: 1
    tiers:
      bounds: "[floor, cap)"
      columns:
        MMR: {unit: "1"}
    """
    lines = [f"# {line}" if line else "#" for line in comment.splitlines()]
    _block(header, 0, lines)
    return "\n".join(lines) + "\n"


def _block(mapping: dict, indent: int, lines: list) -> None:
    """Block style for a mapping that holds mappings or would not fit on a line; one line for the others."""
    pad = " " * indent
    for key, value in mapping.items():
        flow = f"{pad}{key}: {_scalar(value)}"
        if isinstance(value, dict) and value and (any(isinstance(v, dict) for v in value.values()) or len(flow) > 118):
            lines.append(f"{pad}{key}:")
            _block(value, indent + 2, lines)
        else:
            lines.append(flow)


def _scalar(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_scalar(v)}" for key, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (int, Fraction)):
        return decimal_text(value)
    text = str(value)
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_./-]*", text) and text.lower() not in _YAML_WORDS:
        return text  # a name: plain, as a person writes it
    return json.dumps(text, ensure_ascii=False)


_YAML_WORDS = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"}
"""Plain words YAML 1.1 readers would not read as text: quoted."""
