"""Account snapshots (verifier/schemas/account.schema.json) read strictly into :class:`verifier.model.account.Account`.

The file is checked against ``verifier/schemas/account.schema.json`` (shape, ccxt field names, decimals as numbers
or strings) and then for what a schema cannot say: every number within the reading layer's limits (a string too,
:func:`verifier.read.inputs.exact`), a negative size, a rate or amount outside what it can be
(:data:`verifier.model.snapshot.FIELD_RANGES`), two positions in one market in one-way mode (or on one side in
hedge mode).  Every problem is a located diagnostic (MV600 shape, MV601 unknown value, MV602
number, MV613 two positions) and the whole file is reported at once.

>>> account = account_from_data({"marginMode": "isolated", "positions": [{"symbol": "BTC/USDT:USDT",
...     "side": "long", "contracts": "0.5", "entryPrice": 60000, "markPrice": "59000.5", "collateral": "1000"}]})
>>> position = account.positions[0]
>>> position.side, position.fields["contracts"], "contractSize" in position.fields, position.fields["markPrice"]
('long', Fraction(1, 2), False, Fraction(118001, 2))
>>> account_from_data({"marginMode": "cross", "positions": [{"symbol": "X", "side": "up"}]})
Traceback (most recent call last):
...
verifier.errors.SpecError: <snapshot>: 3 problem(s) in the account snapshot
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass
from fractions import Fraction

import jsonschema

from verifier.errors import Diagnostic, SpecError
from verifier.model.account import Account, Place, Position
from verifier.model.snapshot import FIELD_RANGES, range_problem
from verifier.read._schema import load_schema
from verifier.read._yaml import read_file
from verifier.read.inputs import Document, NumberError, exact, shown
from verifier.read.kinds import wrong_kind

READ_FIELDS = ("contracts", "contractSize", "entryPrice", "markPrice", "collateral", "notional", "leverage",
               "takerFeeRate", "maintenanceMarginPercentage", "maintenanceAmount")
"""The position fields this format reads (the other ccxt Position fields are accepted and not read)."""

BALANCE_FIELDS = ("total", "debt", "interest")

NOT_DECIMAL = "expected a decimal number (or a string holding one), got {shown}"
NEGATIVE_CONTRACTS = "contracts is negative ({text})"
MISSING_KEY = "{where} is missing {key!r}"
"""Messages the site's calculator (:mod:`verifier.docs.calculator`) writes too, for the same inputs."""

DECIMAL_PATTERN = r"^\s*[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]{1,3})?\s*$"
"""What a decimal written as a string looks like (the account schema's ``decimal``; a test keeps the two equal)."""

_HINTS = {
    "marginMode": "use 'cross' or 'isolated'",
    "positionMode": "use 'one-way' or 'hedge'",
    "side": "use 'long' or 'short'",
    "positions": "give at least one position with symbol, side, contracts, entryPrice, markPrice",
    "position": "ccxt fields: symbol, side, contracts, contractSize, entryPrice, markPrice (and collateral in "
                "isolated mode)",
    "decimal": "write decimals as strings, e.g. \"109.488\", so they are read exactly",
}


def read_account(path) -> Account:
    """Read and check an account snapshot file (JSON or YAML); raise :class:`SpecError` with every problem."""
    return account_from_document(read_file(path))


def account_from_data(data, file: str = "<snapshot>") -> Account:
    """An account from data already in memory (diagnostics then carry the JSON path, no line)."""
    return account_from_document(Document(file, data))


def account_from_document(document: Document) -> Account:
    """The :class:`Account` a read document describes; raise :class:`SpecError` with every problem."""
    other = wrong_kind(document, "account", "MV600", "an account snapshot has 'marginMode' and 'positions' (or "
                                                     "'balances'), in ccxt's field names")
    problems = [other] if other else _schema_problems(document) or _semantic_problems(document)
    if problems:
        raise SpecError(f"{document.file}: {len(problems)} problem(s) in the account snapshot", problems,
                        code=problems[0].code)
    data = document.data
    positions = _balances(data) if "balances" in data else _positions(data["positions"])
    return Account(
        kind="spot" if "balances" in data else "futures", margin_mode=data["marginMode"],
        positions=tuple(positions), position_mode=data.get("positionMode", "one-way"),
        wallet_balance=_optional_number(data.get("walletBalance")), quote=data.get("quote"),
        symbol=data.get("symbol"), mode=data.get("mode"), leverage=_optional_number(data.get("leverage")),
        file=document.file, places={key: Place((key,)) for key in data}, locator=_Locator(document))


@dataclass(frozen=True)
class _Locator:
    """Turns a :class:`Place` of this document into a diagnostic (line and column when the file was read)."""

    document: Document

    def diagnostic(self, code, message, place, hint=None) -> Diagnostic:
        return self.at(code, message, place.key, hint)

    def at(self, code, message, path, hint=None, at_key=False) -> Diagnostic:
        return self.document.diagnostic(code, message, path, hint=hint, at_key=at_key)


def _number(value) -> Fraction:
    """A decimal the checks accepted, exactly (:func:`verifier.read.inputs.exact`)."""
    return exact(value)


def _optional_number(value) -> Fraction | None:
    return None if value is None else _number(value)


def _positions(raw: list) -> list[Position]:
    out = []
    for index, item in enumerate(raw):
        path = ("positions", index)
        fields = {name: _number(item[name]) for name in READ_FIELDS if item.get(name) is not None}
        places = {name: Place(path + (name,)) for name in item}
        out.append(Position(item["symbol"], item["side"], fields, Place(path), places))
    return out


def _balances(data: dict) -> list[Position]:
    """One position per asset balance; the quote asset's price is 1, its side the sign of what it nets to."""
    out = []
    for asset, balance in data["balances"].items():
        quote = asset == data["quote"]
        raw = data.get("prices", {}).get(asset)
        price = Fraction(1) if quote else (None if raw is None else _number(raw))
        fields = {name: _number(balance.get(name, 0)) for name in BALANCE_FIELDS}
        if price is not None:  # an asset without a price: only what needs it says so (its margin level, status)
            fields.update(price=price, markPrice=price)
        net = fields["total"] - fields["debt"] - fields["interest"]
        places = {name: Place(("balances", asset, name)) for name in balance}
        places.update(price=Place(("prices", asset)), markPrice=Place(("prices", asset)))
        out.append(Position(asset, "long" if net >= 0 else "short", fields, Place(("balances", asset)), places,
                            quote=quote))
    return out


# --------------------------------------------------------------------------------------------- checks


def _semantic_problems(document: Document) -> list[Diagnostic]:
    """What the schema cannot say: numbers within the limits, sizes and balances not negative, rates and amounts in
    their ranges, one position a market (a side in hedge mode); an asset without a price is not an error here: what
    needs its price says so."""
    data, out, locate = document.data, [], _Locator(document).at

    def value(path, raw):
        """``raw`` exactly, or None after a located problem (a number beyond the limits: a string is not checked by
        the parser)."""
        try:
            return exact(raw)
        except NumberError as exc:
            out.append(locate(exc.limit or "MV602", f"{path[-1]} is {shown(raw)}: {exc.reason}", path))
            return None

    for key in ("walletBalance", "leverage"):
        if data.get(key) is not None:
            value((key,), data[key])
    held: dict = {}
    for index, item in enumerate(data.get("positions", [])):
        path = ("positions", index)
        numbers = {name: value(path + (name,), item[name]) for name in _decimal_fields() if item.get(name) is not None}
        if numbers.get("contracts") is not None and numbers["contracts"] < 0:
            out.append(locate("MV602", NEGATIVE_CONTRACTS.format(text=item['contracts']), path + ("contracts",),
                              "contracts is an absolute size; the side says long or short"))
        for name in FIELD_RANGES:
            problem = range_problem(name, numbers[name]) if numbers.get(name) is not None else None
            if problem:
                out.append(locate("MV602", f"{name} {problem}, not {item[name]}", path + (name,), _RANGE_HINTS[name]))
        hedge = data.get("positionMode") == "hedge"
        key = (item["symbol"], item["side"]) if hedge else item["symbol"]
        if key in held:
            out.append(locate("MV613", f"two positions in {item['symbol']}" + (f" on the {item['side']} side" if hedge
                                                                              else "") +
                              f" (positions {held[key]} and {index}): "
                              + ("hedge mode holds one long and one short a market" if hedge else
                                 "one-way mode holds one position a market"), path + ("symbol",),
                              "merge them into one position" + ("" if hedge else ", or set positionMode: hedge for "
                                                                                 "a long and a short")))
        held.setdefault(key, index)
    for asset, balance in data.get("balances", {}).items():
        for name in BALANCE_FIELDS:
            if name in balance:
                amount = value(("balances", asset, name), balance[name])
                if amount is not None and amount < 0:
                    out.append(locate("MV602", f"balances cannot be negative ({asset} {name} {balance[name]})",
                                      ("balances", asset, name)))
    for asset, price in data.get("prices", {}).items():
        value(("prices", asset), price)
    return out


_RANGE_HINTS = {
    "maintenanceMarginPercentage": "ccxt's rates are fractions: 0.004 for 0.4 %",
    "takerFeeRate": "ccxt's rates are fractions: 0.0005 for 0.05 %",
    "maintenanceAmount": "the bracket's maintenance amount (Binance's cum) is what the margin is reduced by: never "
                         "negative",
}


@functools.cache
def _decimal_fields() -> tuple:
    """The position fields the schema types as decimals (read or not: each must be a number)."""
    properties = load_schema("account")["$defs"]["position"]["properties"]
    return tuple(name for name, spec in properties.items() if spec.get("$ref", "").lower().endswith("decimal"))


@functools.cache
def _validator():
    return jsonschema.Draft202012Validator(load_schema("account"))


def _schema_problems(document: Document) -> list[Diagnostic]:
    if not isinstance(document.data, dict):
        return [_Locator(document).at("MV600", "a snapshot must be a mapping with 'marginMode' and 'positions' "
                                               "or 'balances'", ())]
    errors = list(_validator().iter_errors(document.data))
    # 'unknown field entryprice' + 'missing entryPrice' is one mistake: keep the unknown field, which says where
    typos = {(tuple(e.absolute_path), _close(key, list(e.schema.get("properties", {}))))
             for e in errors if e.validator == "additionalProperties" for key in e.instance}
    out, seen = [], set()
    for error in errors:
        for diagnostic in _convert(document, error, typos):
            if (diagnostic.json_path, diagnostic.message) not in seen:
                seen.add((diagnostic.json_path, diagnostic.message))
                out.append(diagnostic)
    return sorted(out, key=lambda d: (d.line, d.col))


def _convert(document: Document, error, typos: set) -> list[Diagnostic]:
    """One schema error as account diagnostics: worded for snapshots, coded MV600-MV602 by the kind of error."""
    path, kind = tuple(error.absolute_path), error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    where = "position" if path[:1] == ("positions",) and len(path) == 2 else "snapshot"
    locate = _Locator(document).at
    name = path[-1] if path else ""
    if schema.get("title") == "decimal":
        return [locate("MV602", NOT_DECIMAL.format(shown=_shown(error.instance)),
                       path, _HINTS["decimal"])]
    if kind == "required":  # one diagnostic per missing key (duplicates are dropped by the caller)
        return [locate("MV600", MISSING_KEY.format(where=where, key=key), path,
                       _HINTS.get(key) or (_HINTS["position"] if where == "position" else None))
                for key in error.validator_value if key not in error.instance and (path, key) not in typos]
    if kind == "additionalProperties":
        known = list(schema.get("properties", {}))
        return [locate("MV600", f"unknown field {key!r}", path + (key,), _did_you_mean(key, known), at_key=True)
                for key in error.instance if key not in known]
    if kind == "enum":
        return [locate("MV601", f"unknown {name or 'value'} {_shown(error.instance)}", path, _HINTS.get(name))]
    if kind in ("minItems", "minProperties", "minLength"):
        return [locate("MV600", f"{name or 'the snapshot'} must not be empty", path, _HINTS.get(name))]
    if kind == "type":
        return [locate("MV600", f"expected {error.validator_value}, got {_shown(error.instance)}", path,
                       schema.get("description"))]
    return [locate("MV600", error.message, path, schema.get("description"))]


def _shown(value) -> str:
    """A value as the user wrote it (JSON words for null and booleans)."""
    return {None: "null", True: "true", False: "false"}.get(value, repr(value)) if not isinstance(value, (
        dict, list)) else ("a mapping" if isinstance(value, dict) else "a list")


def _close(key: str, known: list) -> str | None:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return close[0] if close else None


def _did_you_mean(key: str, known: list) -> str:
    close = _close(key, known)
    return f"did you mean {close!r}?" if close else "fields of this format: " + ", ".join(known)
