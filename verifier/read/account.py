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
import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from gmpy2 import mpq

from verifier.errors import Diagnostic, SpecError
from verifier.model.account import Account, Place, Position
from verifier.model.field_ranges import FIELD_RANGES, range_problem
from verifier.read.inputs import (MAX_DIGITS, MAX_FILE_BYTES, Document, NumberError, exact, numeral_problem,
                                  shown)
from verifier.read.kinds import wrong_kind

# The schema (verifier.read._schema, which loads jsonschema) and the located reader (verifier.read._yaml, PyYAML)
# are imported where they are used: a snapshot that passes the compiled check below (fast_snapshot) needs neither.

READ_FIELDS = ("contracts", "contractSize", "entryPrice", "markPrice", "collateral", "notional", "leverage",
               "takerFeeRate", "maintenanceMarginPercentage", "maintenanceAmount", "fundingRate")
"""The position fields this format reads (the other ccxt Position fields are accepted and not read)."""

BALANCE_FIELDS = ("total", "debt", "interest")

NOT_DECIMAL = "expected a decimal number (or a string holding one), got {shown}"
NEGATIVE_CONTRACTS = "contracts is negative ({text})"
NUMBER_LIMIT = "{name} is {shown}: {reason}"  # a number beyond the limits (MV105, MV107: inputs.numeral_problem)
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
    from verifier.read._yaml import read_file

    return account_from_document(read_file(path))


def account_from_data(data, file: str = "<snapshot>") -> Account:
    """An account from data already in memory (diagnostics then carry the JSON path, no line)."""
    from verifier.read._yaml import Document

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
            out.append(locate(exc.limit or "MV602", NUMBER_LIMIT.format(name=path[-1], shown=shown(raw),
                                                                         reason=exc.reason), path))
            return None

    for key in ("walletBalance", "leverage"):
        if data.get(key) is not None:
            value((key,), data[key])
    held: dict = {}  # market (hedge mode: market and side) -> the indices of its positions
    slots: dict = {}  # market -> where in ``out`` its MV613 goes
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
        held.setdefault(key, []).append(index)
        if len(held[key]) == 2:  # one error a group, in the place of its second position, said when it is whole
            slots[key] = len(out)
            out.append(None)
    for key, slot in slots.items():
        out[slot] = _duplicate_error(locate, key, held[key])
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
    "fundingRate": "ccxt's rates are fractions: 0.0001 for 0.01 %",
}


def _duplicate_error(locate, key, indices) -> Diagnostic:
    """MV613 for a group of positions in one market (hedge mode: one side of it), naming all of them, located at
    the second."""
    hedge = isinstance(key, tuple)
    symbol, side = key if hedge else (key, None)
    return locate("MV613", f"{count_word(len(indices))} positions in {symbol}" + (f" on the {side} side" if hedge
                                                                                 else "")
                  + f" (positions {join_indices(indices)}): " + ("hedge mode holds one long and one short a market"
                                                                 if hedge else "one-way mode holds one position a market"),
                  ("positions", indices[1], "symbol"),
                  "merge them into one position" + ("" if hedge else ", or set positionMode: hedge for a long and a "
                                                                     "short"))


def count_word(n: int) -> str:
    """A small count in words, else in digits.

    >>> count_word(2), count_word(3), count_word(12)
    ('two', 'three', '12')
    """
    return {2: "two", 3: "three", 4: "four", 5: "five"}.get(n, str(n))


def join_indices(indices) -> str:
    """'0 and 3', '0, 3 and 5'.

    >>> join_indices([0, 3]), join_indices([0, 3, 5])
    ('0 and 3', '0, 3 and 5')
    """
    words = [str(i) for i in indices]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


@functools.cache
def _decimal_fields() -> tuple:
    """The position fields the schema types as decimals (read or not: each must be a number)."""
    from verifier.read._schema import load_schema

    properties = load_schema("account")["$defs"]["position"]["properties"]
    return tuple(name for name, spec in properties.items() if spec.get("$ref", "").lower().endswith("decimal"))


@functools.cache
def _validator():
    import jsonschema

    from verifier.read._schema import load_schema

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


# --------------------------------------------------------------------------------------------- the compiled check

_TOP_KEYS = frozenset({"$schema", "marginMode", "mode", "leverage", "positionMode", "walletBalance", "positions"})
_DECIMALS = frozenset({"contracts", "contractSize", "entryPrice", "markPrice"})  # the schema's decimal fields
_OPTIONAL = frozenset(READ_FIELDS) - _DECIMALS  # its optionalDecimal ones (null: absent)
_UNREAD = frozenset({"info", "id", "timestamp", "datetime", "isolated", "hedged", "lastPrice", "initialMargin",
                     "initialMarginPercentage", "maintenanceMargin", "unrealizedPnl", "realizedPnl",
                     "liquidationPrice", "marginMode", "marginRatio", "percentage", "stopLossPrice",
                     "takeProfitPrice", "lastUpdateTimestamp"})
_DECIMAL_TEXT = re.compile(r"^\s*[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]{1,3})?\s*$")  # the schema's
_UNREAD_DECIMALS = frozenset({"lastPrice", "initialMargin", "initialMarginPercentage", "maintenanceMargin",
                              "unrealizedPnl", "realizedPnl", "liquidationPrice", "marginRatio", "percentage",
                              "stopLossPrice", "takeProfitPrice"})  # the schema's optionalDecimal fields not read
_READ = _DECIMALS | _OPTIONAL  # every field the compiled check reads
_RANGED = tuple(FIELD_RANGES)  # fields with a range whatever the exchange (all of them read)
_RANGED_SET = frozenset(_RANGED)
_BIG = 10 ** MAX_DIGITS  # an integer this large has more digits than the reading layer reads
MAX_NODES = 200_000  # a YAML document of more values is refused (verifier.read._yaml's limit: a test keeps them equal)


class _Unsure(SpecError):
    """Not certainly a valid futures snapshot: the schema and the located reader decide (and say where)."""

    def __init__(self, message: str = "not certainly a valid futures snapshot"):
        super().__init__(message)


class ExactPosition:
    """A position of a snapshot that passed the compiled check: its fields already GMP rationals, for the compiled
    evaluation (:mod:`verifier.derive.account.run`).  It has no places: a problem found later sends the file back
    to :func:`read_account`, which locates it."""

    __slots__ = ("symbol", "side", "fields")
    quote = False
    index = None
    reported = None
    exact_mpq = True
    market_fields = None  # what the compiled evaluation asks of a read position (a snapshot gives neither): said
    own_tier = None  # here, so that asking finds them at once instead of failing to

    def __init__(self, symbol: str, side: str, fields: dict):
        self.symbol, self.side, self.fields = symbol, side, fields

    @property
    def sign(self) -> int:
        return 1 if self.side == "long" else -1


def fast_snapshot(data, file: str = "<snapshot>", text_decimals: bool = True) -> Account | None:
    """The futures account ``data`` describes when it is certainly what :func:`account_from_data` reads without a
    problem, with its numbers as GMP rationals (:class:`ExactPosition`); None for anything else (a spot account, a
    doubt, a mistake), which the schema and the located reader then read and report.

    The schema (``verifier/schemas/account.schema.json``, its futures branch) is compiled by hand into one pass
    over the data, checked once per file instead of by a validator walking every position (its equality with the
    schema is a property: tests/read/test_fast_snapshot.py); what the schema cannot say is this module's own
    :func:`_semantic_problems` is mirrored on the exact values (:func:`_checked`: any problem, None; a test
    fails when those checks change and the mirror does not).  ``text_decimals``: a Decimal stands for its text (the
    API hands one over as a string); False: for a JSON number (the JSON reader's).

    >>> account = fast_snapshot({"marginMode": "isolated", "positions": [{"symbol": "BTC/USDT:USDT",
    ...     "side": "long", "contracts": "0.5", "entryPrice": 60000, "markPrice": 59000.5, "collateral": None}]})
    >>> account.positions[0].fields
    {'contracts': mpq(1,2), 'entryPrice': mpq(60000,1), 'markPrice': mpq(118001,2)}
    >>> fast_snapshot({"marginMode": "isolated", "positions": [{"symbol": "BTC/USDT:USDT", "side": "up"}]}) is None
    True
    """
    try:
        return _checked(data, text_decimals, file)
    except _Unsure:
        return None


def _checked(data, text_decimals: bool, file: str) -> Account | None:
    """The account when the account schema's futures branch holds for ``data`` and no check beyond it refuses it,
    else None (or :class:`_Unsure`); one pass, each value checked and read."""
    if type(data) is not dict or "balances" in data or not _TOP_KEYS.issuperset(data):
        return None
    margin_mode = data.get("marginMode")
    if margin_mode not in ("cross", "isolated"):
        return None
    for key in ("$schema", "mode"):
        if key in data and (type(data[key]) is not str or (key == "mode" and not data[key])):
            return None
    if "positionMode" in data and data["positionMode"] not in ("one-way", "hedge"):
        return None
    numbers = {}
    for key in ("leverage", "walletBalance"):
        if key in data:
            if not _is_decimal(data[key], text_decimals) or not _within(data[key], text_decimals):
                return None
            numbers[key] = _fraction(_exact(data[key]))
    raw = data.get("positions")
    if type(raw) is not list or not raw:
        return None
    hedge = data.get("positionMode") == "hedge"
    held = set()
    positions = []
    for item in raw:
        if type(item) is not dict:
            return None
        symbol, side = item.get("symbol"), item.get("side")
        if type(symbol) is not str or not symbol or (side != "long" and side != "short"):
            return None
        market = (symbol, side) if hedge else symbol
        if market in held:
            return None  # two positions in one market (one side in hedge mode): the reader's MV613
        held.add(market)
        fields = {}
        for key, value in item.items():
            if type(value) is float and key in _READ and "e" not in (text := repr(value)):
                try:  # _read's common case inline (an API caller's floats): the shortest decimal, exactly
                    fields[key] = mpq(text)
                except ValueError:  # 'nan', 'inf', '-inf'
                    return None
            elif key == "symbol" or key == "side":
                pass  # checked above
            elif key in _DECIMALS or key in _OPTIONAL and value is not None:
                exact = _read(value, text_decimals)
                if exact is None:
                    return None
                fields[key] = exact
            elif key in _OPTIONAL:
                pass  # null: absent
            elif key in _UNREAD_DECIMALS:
                if value is not None and not (_is_decimal(value, text_decimals) and _within(value, text_decimals)):
                    return None  # not read, and still a number within the limits, or null
            elif key not in _UNREAD:
                return None
        if "contracts" not in fields or "entryPrice" not in fields or "markPrice" not in fields:
            return None
        if fields["contracts"] < 0:
            return None  # what _semantic_problems refuses: a negative size
        if not _RANGED_SET.isdisjoint(fields):
            for name in _RANGED:
                if name in fields and range_problem(name, fields[name]) is not None:
                    return None  # and a rate or amount out of its range
        positions.append(ExactPosition(symbol, side, fields))
    # Account(...) without the frozen dataclass's __init__ (a field at a time, eighteen of them): once an account
    made = _new(Account)
    _setattr(made, "__dict__", {
        "kind": "futures", "margin_mode": margin_mode, "positions": tuple(positions),
        "position_mode": data.get("positionMode", "one-way"), "wallet_balance": numbers.get("walletBalance"),
        "quote": None, "symbol": None, "mode": data.get("mode"), "leverage": numbers.get("leverage"), "file": file,
        "places": {}, "locator": _UNLOCATED, "settle": None, "hints": {}, "totals": (), "derivatives": ()})
    return made


_new = object.__new__
_setattr = object.__setattr__
_UNLOCATED = Account.locator  # the default locator (one shared instance, as the dataclass's default)


_NUMBERS = (int, float, Fraction)


def _is_decimal(value, text_decimals: bool) -> bool:
    """The schema's ``decimal``: a number (not a boolean), or a string matching its pattern."""
    kind = type(value)
    if kind in _NUMBERS or (kind is Decimal and not text_decimals):
        return kind is not float or math.isfinite(value)  # jsonschema takes nan; reading it would then fail
    if kind is Decimal:
        value, kind = str(value), str
    return kind is str and _DECIMAL_TEXT.search(value) is not None


def _read(value, text_decimals: bool) -> mpq | None:
    """:func:`_exact` of ``value`` when :func:`_is_decimal` and :func:`_within` accept it, else None: the three in
    one step, a float (what an API caller's mapping mostly holds) with one ``repr`` instead of three."""
    if type(value) is float:
        text = repr(value)
        if "e" in text:
            return mpq(text) if numeral_problem(text) is None else None
        try:
            return mpq(text)
        except ValueError:  # 'nan', 'inf' and '-inf' (which hold no 'e'): not numbers
            return None
    if not _is_decimal(value, text_decimals) or not _within(value, text_decimals):
        return None
    return _exact(value)


def _within(value, text_decimals: bool) -> bool:
    """Whether the reading layer reads ``value`` (a decimal :func:`_is_decimal` accepts) within its limits, as
    :func:`verifier.read.inputs.exact` decides for the value the located reader sees (a Decimal standing for its
    text: that text; a JSON number's: its parser's hooks held it to the limits already).  A numeral of at most 20
    characters and no exponent is within them (20 significant digits, 10 to the power -19 at the least)."""
    kind = type(value)
    if kind is int:
        return -_BIG < value < _BIG
    if kind is Decimal:
        if not text_decimals:
            return True
        value, kind = str(value), str
    if kind is str:
        return (len(value) <= 20 and "e" not in value and "E" not in value) or numeral_problem(value) is None
    if kind is float:
        text = repr(value)
        return "e" not in text or numeral_problem(text) is None
    return True  # a Fraction: exact, no limit


def _exact(value) -> mpq:
    """A decimal the checks accepted, exactly, as :func:`_number` reads it (a float as its shortest decimal)."""
    kind = type(value)
    if kind is float:
        return mpq(repr(value))
    if kind is Decimal:
        return mpq(*value.as_integer_ratio())
    if kind is str:
        return _decimal_text(value.strip())
    return mpq(value)


def _decimal_text(text: str) -> mpq:
    """A decimal the schema's pattern accepts (stripped), exactly."""
    negative = text[0] == "-"
    text = text.lstrip("+-")
    mantissa, _, exponent = text.lower().partition("e")
    whole, _, decimals = mantissa.partition(".")
    value = mpq(int(whole + decimals or "0"), 10 ** len(decimals))
    if exponent:
        value *= mpq(10) ** int(exponent)
    return -value if negative else value


def _fraction(value: mpq) -> Fraction:
    return Fraction(int(value.numerator), int(value.denominator))


_RAW_REFUSED = re.compile(
    r"[^\n\r\x20-\x5b\x5d-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
"""Characters a snapshot text may not hold for the compiled check to read it: controls, tabs, escapes (a
backslash), line separators, byte-order marks -- where a JSON reader and the located (YAML) reader could read the
text differently, or the located one refuse it.  Any such text is read by the located reader alone."""


def read_snapshot_text(raw: bytes, file: str) -> Account | None:
    """:func:`fast_snapshot` of a snapshot file's bytes, when the located reader (:func:`read_account`) would read
    the same data from them without a problem; None when in doubt.  Numbers are read exactly from their text."""
    if len(raw) > MAX_FILE_BYTES:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _RAW_REFUSED.search(text):
        return None
    try:
        data = json.loads(text, parse_float=_json_number, parse_int=_json_integer, parse_constant=_refuse,
                          object_pairs_hook=_unique)
    except (ValueError, RecursionError, _Unsure):
        return None
    if type(data) is dict and type(data.get("positions")) is list:
        values = 1 + len(data) + sum(1 + len(p) if type(p) is dict else 1 for p in data["positions"])
        if values > MAX_NODES or any(type(v) in (dict, list) or k == "info" for p in data["positions"]
                                     if type(p) is dict for k, v in p.items() if k in _UNREAD):
            return None  # the located reader counts (and bounds) every value and nests at most so deep; a position
            # with ccxt's raw 'info' makes the file a ccxt export (verifier.read.positions_file)
    return fast_snapshot(data, file, text_decimals=False)


def _json_number(text: str) -> Decimal:
    """A JSON number with a fraction or exponent, exactly (as a Decimal: what the reading stage's checks read)."""
    if (len(text) > 20 or "e" in text or "E" in text) and numeral_problem(text):
        raise _Unsure  # the located reader refuses it (MV105, MV107)
    return Decimal(text)


def _json_integer(text: str) -> int:
    """A JSON integer (a longer one than the limits: the located reader refuses it, MV107)."""
    if len(text) > MAX_DIGITS and numeral_problem(text):
        raise _Unsure
    return int(text)


def _refuse(name):
    raise _Unsure


def _unique(pairs) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _Unsure  # a duplicate key: the located reader reports it (MV101)
    return out
