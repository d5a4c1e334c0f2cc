"""ccxt exports read as they are: ``fetch_positions()`` (and ``fetch_balance()``) -> margin pools of exact positions.

Each position keeps its own margin mode (``marginMode``, or ``isolated``); cross positions share the cross wallet of
their settlement currency (the ``SETTLE`` of ``BASE/QUOTE:SETTLE``), one :class:`~verifier.model.account.Account`
per currency; isolated positions stand on their own margin.  Which ccxt field feeds each snapshot field is the
rule's data (its ``ccxt:`` section, :mod:`verifier.model.ccxt_mapping`), never a default: a field the rule does not
map is not read (ccxt's ``collateral`` includes the unrealised PnL on several exchanges).

Nothing is guessed: a position whose side disagrees with its size, whose ``marginMode`` and ``isolated`` disagree,
whose unified size disagrees with the exchange's own (the rule's ``agree:``), or that states no margin mode; a
symbol that is not a contract symbol; two one-way positions in one market; a wallet given twice or a balance dump
with two entries for one coin; a position of another exchange or product than the rule's (MV618, naming the rules
that fit: :mod:`verifier.read.ccxt_fit`): each is a located diagnostic (file, JSON path such as
``$[3].marginMode``), all of a file reported at once.  Every numeric field of ccxt's unified Position and Balance is
read by :func:`number`, whether the rule uses it or not: a value that is not a number (or is beyond the reading
layer's limits) is refused.  Flat positions (0 contracts: ccxt lists closed ones) are skipped and listed.  The fields
the rule does not read are listed once (:mod:`verifier.read.ccxt_unread`), never dropped silently.

A position's own values of market-catalog fields (the section's ``market:``, e.g. Hyperliquid's ``maxLeverage``)
go to :attr:`~verifier.model.account.Position.market_fields`; the evaluation uses them before the catalog's.  The
tier its exchange says it is in (``market:`` naming the tier table's cap, e.g. Bybit's ``riskLimitValue``) goes to
:attr:`~verifier.model.account.Position.own_tier`: that row of the catalog's table is used.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from verifier.errors import EvaluationError, SpecError
from verifier.model.account import Account, AccountSet, Place, Position, Reported
from verifier.model.ccxt_mapping import CCXT_POSITION_NUMBERS, AmbiguousPath
from verifier.model.numbers import exact_text
from verifier.model.snapshot import FIELD_RANGES, PlainReading, evaluate_reading, fields_of, range_problem
from verifier.read._schema import load_schema
from verifier.read.account import count_word, join_indices
from verifier.read.ccxt_fit import fitting_rules, same_exchange_rules, symbol_kind
from verifier.read.ccxt_unread import Tally, balance_unread, normalised
from verifier.read.inputs import NumberError, exact, shown
from verifier.read.located import FilesLocator

BALANCE_NUMBERS = ("free", "used", "total", "debt")
"""ccxt's unified numeric Balance fields: maps of currency -> amount at the top, and the fields of each currency's
entry (``{"USDT": {"free": ..., "used": ..., "total": ...}}``)."""

MODE_HINT = "give the mode of positions that state none: --margin-mode cross|isolated, or an export object " \
            "{\"marginMode\": ..., \"positions\": [...]}"


@dataclass
class _Record:
    """One open position while the file is read."""

    index: int
    symbol: str
    side: str
    margin_mode: str
    hedged: bool | None
    settle: str | None
    fields: dict  # snapshot field -> Fraction
    places: dict  # snapshot field -> Place
    origins: dict  # snapshot field -> where the rule reads it from
    numbers: dict  # unified numeric field or position input -> Fraction (for balance sums)
    number_places: dict  # the same names -> where the position has them
    reported: Reported | None = None
    market_fields: dict = field(default_factory=dict)  # catalog field -> the position's own value of it
    own_tier: dict = field(default_factory=dict)  # the tier's cap field -> the cap of the position's own tier


@dataclass
class _Reading:
    """Problems found so far, and where the file's parts are."""

    locator: FilesLocator
    base: tuple  # path of the positions list in its file: () for a bare list, ('positions',) in an export object
    problems: list = field(default_factory=list)

    def __post_init__(self):
        self._prefix = ("positions", *self.base)  # a reading makes ~15 places a position: the prefix once

    def place(self, *path) -> Place:
        return _place(self._prefix + path)

    def error(self, code, message, place: Place, hint=None) -> None:
        self.problems.append(self.locator.diagnostic(code, message, place, hint))

    def number(self, value, what: str, place: Place, hint=None, bad=None):
        """:func:`number` of ``value``, or ``bad`` after a located refusal (MV602, or the limit's code)."""
        try:
            return number(value)
        except NumberError as exc:
            self.error(exc.limit or "MV602", f"{what} is {shown(value)}: {exc.reason}" if exc.limit else
                       f"{what} is {shown(value)}, not a number", place, hint)
            return bad

    def resolve(self, path, data, at: tuple, settle=None, code="MV611"):
        """``path.resolve(data, settle)``; (None, found) after a refusal where a ``[key=value]`` step matches two
        list elements (two entries for one coin: which one counts is not for us to choose)."""
        try:
            return path.resolve(data, settle)
        except AmbiguousPath as exc:
            self.error(code, f"{exc}: the rule reads {path.text} from one of them", Place((*at, *exc.where)),
                       "remove the duplicate entry (re-export the data)")
            return None, ()


_PLACES: dict = {}


def _place(key: tuple) -> Place:
    """The :class:`Place` of ``key``, one object a key: a Place is immutable, and the same few keys come back line
    after line of a JSON-lines file (``$[0].contracts``...), so each is made once, not ~15 times a position (a
    frozen dataclass is slow to make).  Bounded: cleared when it holds many."""
    found = _PLACES.get(key)
    if found is None:
        if len(_PLACES) > 65536:
            _PLACES.clear()
        found = _PLACES[key] = Place(key)
    return found


def accounts_from_ccxt(rule, positions: list, locator: FilesLocator, *, base=(), balance=None, wallet=None,
                       margin_mode=None, file="<export>", balance_file=None, unread=True) -> AccountSet:
    """The pools a ``fetch_positions()`` list describes under ``rule``'s ccxt mapping; raise :class:`SpecError`
    with every problem.  ``wallet``: an explicit cross wallet (a Fraction, or currency -> Fraction);
    ``unread=False``: the fields no reading uses are not listed (a caller that reports none of them: a unified
    account's rows read under their product rule, whose unread fields the unified rule's reading lists)."""
    reading = _Reading(locator, tuple(base))
    mapping = rule.ccxt
    if mapping is None:
        raise SpecError(f"rule {rule.id} does not say how to read a ccxt export (it has no 'ccxt:' section)",
                        [locator.diagnostic("MV615", f"rule {rule.id} has no 'ccxt:' section: it cannot read a ccxt "
                                                     "export", Place(("positions",)),
                                            "write the positions in the snapshot format (docs: account files)")],
                        code="MV615")
    _schema_problems(positions, reading)
    if not reading.problems:
        _fit_problems(rule, positions, reading)
    if balance is not None:
        _balance_numbers(balance, reading)
    if reading.problems:
        raise SpecError(f"{file}: {len(reading.problems)} problem(s) in the ccxt export", reading.problems,
                        code=reading.problems[0].code)
    records, skipped = [], []
    tally = Tally(*_read_paths(mapping)) if unread else None
    for index, item in enumerate(positions):
        record = _record(index, item, mapping, margin_mode, reading)
        if isinstance(record, str):
            skipped.append((index, item.get("symbol"), record))
        elif record is not None:
            records.append(record)
            if tally is not None:
                tally.position(item)
    _duplicates(records, reading)
    accounts = _pools(rule, records, balance, wallet, reading) if not reading.problems else ()
    if reading.problems:
        raise SpecError(f"{file}: {len(reading.problems)} problem(s) in the ccxt export", reading.problems,
                        code=reading.problems[0].code)
    unread = tally.result(mapping.unread) if tally is not None else ()
    if balance is not None:
        unread += balance_unread(balance, _balance_paths(mapping), mapping.unread)
    return AccountSet("ccxt", tuple(accounts), tuple(skipped), file, balance_file, unread)


_READ_PATHS: dict = {}


def _read_paths(mapping) -> tuple:
    """(the unified fields the mapping reads, the raw paths it reads, as :mod:`verifier.read.ccxt_unread` writes
    them): what a position's fields are checked against to list the unread ones (found once per mapping)."""
    entry = _READ_PATHS.get(id(mapping))
    if entry is None or entry[0] is not mapping:
        entry = _READ_PATHS[id(mapping)] = (mapping, _paths_read(mapping))
    return entry[1]


def _paths_read(mapping) -> tuple:
    unified, raw = set(), set()
    for reading in (*mapping.position.values(), *mapping.market.values(), *filter(None, (mapping.tier,))):
        for _, expr in reading.formulas.values():
            unified |= {name for name in fields_of(expr) if name in CCXT_POSITION_NUMBERS}
    if mapping.reported is None:
        unified.add("liquidationPrice")
    paths = [spec.path for spec in mapping.inputs.values() if spec.path is not None]
    paths += [check.path for check in mapping.side_checks] + [c.when[0] for c in mapping.side_checks if c.when]
    paths += [mapping.reported.path] if mapping.reported is not None else []
    paths += list(mapping.identify)
    for path in paths:
        raw |= _path_texts(path)
    return frozenset(unified), frozenset(raw)


def _balance_paths(mapping) -> frozenset:
    raw = set()
    for spec in mapping.balance_inputs.values():
        if spec.path is not None:
            raw |= _path_texts(spec.path)
    return frozenset(raw)


def _path_texts(path) -> set:
    """The normalised texts a path reads: itself, and the key a ``[key=value]`` step matches on."""
    out, steps = set(), []
    for step in path.steps:
        if step[0] == "key":
            steps.append(step[1])
        else:
            if step[0] == "match":
                out.add(normalised((*steps, 0, step[1])))
            steps.append(0)
    out.add(normalised(steps))
    return out


def _fit_problems(rule, positions, reading) -> None:
    """A position of another exchange (its raw fields are not those the rule's ``identify`` names) or of another
    product (its symbol's kind is not the rule's): MV618 at the position, naming the rules that fit."""
    mapping, want = rule.ccxt, rule.product.market_type
    fits: dict = {}
    for index, item in enumerate(positions):
        kind = symbol_kind(item.get("symbol"))
        if mapping.identifies(item) is False:
            key = ("exchange", kind, tuple(sorted(item["info"])) if isinstance(item.get("info"), dict) else ())
            if key not in fits:
                fits[key] = fitting_rules(item, kind, exclude=rule.id)
            what = ", ".join(p.text for p in mapping.identify)
            names = fits[key]
            reading.error("MV618", f"this is not a {'/'.join(mapping.exchanges)} position: its info has no "
                                   f"{what}", reading.place(index, "info"),
                          (f"evaluate it with {' or '.join(names)}" if names else
                           "no rule in force reads this exchange's export") + f" (rule {rule.id} reads "
                          f"{'/'.join(mapping.exchanges)} exports)")
        elif kind is not None and kind != want and (
                kind != "spot" or same_exchange_rules(rule.exchange, kind, positions=True)):
            # a spot symbol under a futures rule is another product only where the exchange has a spot-margin
            # rule that reads it (OKX's MARGIN positions); elsewhere the symbol is refused as no contract's
            names = same_exchange_rules(rule.exchange, kind, exclude=rule.id, positions=True)  # a position row
            product = "spot-margin positions" if want == "spot" else f"{want} contracts"
            reading.error("MV618", f"{item['symbol']} is {'an' if kind[0] in 'aeiou' else 'a'} {kind} market, but "
                                   f"rule {rule.id} is for {product}", reading.place(index, "symbol"),
                          f"evaluate it with {' or '.join(names)}" if names else
                          f"no rule in force reads {rule.exchange} {kind} contracts")


@functools.cache
def _validator():
    import jsonschema  # only for what plainly_valid does not settle (a tenth of a second to import)

    definitions = load_schema("ccxt-positions")["$defs"]
    return jsonschema.Draft202012Validator({"$ref": "#/$defs/position", "$defs": definitions})


_NUMBER_TYPES = (int, float, Decimal, Fraction)  # what the JSON reader gives a number as (bool is not among them)


@functools.cache
def _position_shape() -> tuple:
    """(the position schema's ``number`` fields, its sides, the compiled pattern of a number in a string), read
    from ``verifier/schemas/ccxt-positions.schema.json`` (so :func:`plainly_valid` follows the schema)."""
    definitions = load_schema("ccxt-positions")["$defs"]
    properties = definitions["position"]["properties"]
    numbers = tuple(name for name, spec in properties.items() if spec.get("$ref") == "#/$defs/number")
    [pattern] = [branch["pattern"] for branch in definitions["number"]["anyOf"] if "pattern" in branch]
    return numbers, tuple(properties["side"]["enum"]), re.compile(pattern)


def plainly_valid(item) -> bool:
    """Whether the position schema certainly holds for ``item``: the schema's ``position`` definition written out
    for the common case (a mapping with a symbol, a known side, numbers, strings and booleans where the schema
    wants them), so that each position of a large export is not walked by the validator.  False for anything else,
    which the validator then judges and describes (tests/read/test_ccxt_plainly_valid.py holds this to the schema).

    >>> plainly_valid({"symbol": "BTC/USDT:USDT", "side": "long", "contracts": 1.5, "entryPrice": "60000"})
    True
    >>> plainly_valid({"symbol": "BTC/USDT:USDT", "contracts": True}), plainly_valid({"side": "long"})
    (False, False)
    """
    if type(item) is not dict:
        return False
    symbol = item.get("symbol")
    if type(symbol) is not str or not symbol:
        return False
    numbers, sides, pattern = _position_shape()
    side = item.get("side")
    if side is not None and (type(side) is not str or side not in sides):
        return False
    margin_mode = item.get("marginMode")
    if margin_mode is not None and type(margin_mode) is not str:
        return False
    for key in ("isolated", "hedged"):
        value = item.get(key)
        if value is not None and type(value) is not bool:
            return False
    for key in numbers:
        value = item.get(key)
        if value is None or type(value) in _NUMBER_TYPES:
            continue
        if type(value) is not str or pattern.search(value) is None:
            return False
    return True


def _schema_problems(positions, reading) -> None:
    for index, item in enumerate(positions):
        if plainly_valid(item):
            continue
        for error in _validator().iter_errors(item):
            path = (index, *error.absolute_path)
            if error.validator == "required":
                reading.error("MV610", "a ccxt Position has a 'symbol'", reading.place(index),
                              "this does not look like fetch_positions() output")
            elif error.validator == "type" and not error.absolute_path:
                reading.error("MV610", "expected a ccxt Position (an object)", reading.place(index),
                              "dump fetch_positions() with json.dump(positions, file)")
            elif error.schema.get("title") == "number":
                reading.error("MV602", f"expected a number or null, got {shown(error.instance)}", reading.place(*path))
            else:
                reading.error("MV601", f"unexpected value {shown(error.instance)}: expected {error.validator} "
                                       f"{shown(error.validator_value)}", reading.place(*path))


def _balance_numbers(balance: dict, reading) -> None:
    """Every unified numeric field of a ``fetch_balance()`` dump is a number (whether the rule reads it or not)."""
    for key, value in balance.items():
        if not isinstance(value, dict) or key == "info":
            continue
        if key in BALANCE_NUMBERS:  # {"total": {"USDT": ...}}
            for currency, amount in value.items():
                reading.number(amount, f"{key} {currency}", Place(("balance", key, currency)))
        else:  # {"USDT": {"total": ...}}
            for name in BALANCE_NUMBERS:
                if name in value:
                    reading.number(value[name], f"{key} {name}", Place(("balance", key, name)))


def number(value) -> Fraction | None:
    """The one reader of ccxt's numbers: a number (exact as the reading layer read it; a float as its shortest
    decimal) or a decimal string, under the reading layer's limits; None for null and "".  Raises
    :class:`~verifier.read.inputs.NumberError` for anything else.

    >>> number(Fraction("0.009")), number("67445.9"), number(""), number(None)
    (Fraction(9, 1000), Fraction(674459, 10), None, None)
    """
    if value is None or value == "":
        return None
    return exact(value)


# --------------------------------------------------------------------------------------------- one position


def _record(index, item, mapping, default_mode, reading, names=CCXT_POSITION_NUMBERS):
    """A :class:`_Record`, the reason a flat position is skipped (a str), or None after a problem.  ``names``: the
    unified numeric fields to read (:mod:`verifier.read.ccxt_lines` gives those its line's shape has, not null)."""
    def place(*path):  # where a problem below is said (made only then)
        return reading.place(index, *path)

    before = len(reading.problems)
    numbers, number_places = _numbers(index, item, mapping, reading, names)
    if len(reading.problems) > before:
        return None
    contracts = numbers.get("contracts")
    if contracts == 0:
        return "flat: 0 contracts (ccxt lists closed positions)"
    if contracts is None:
        reading.error("MV600", "contracts is null: the position's size is unknown", place("contracts"),
                      "an open position from fetch_positions() has its size in contracts")
        return None
    side = item.get("side")
    if contracts < 0:
        reading.error("MV611", f"contracts is negative ({exact_text(contracts)}) while side is {side!r}: ccxt's "
                               "contracts is an absolute size", place("contracts"),
                      "the side says long or short; a signed size belongs under info")
        return None
    if side not in ("long", "short"):
        reading.error("MV611", f"side is {shown(side)} for an open position ({exact_text(contracts)} contracts)",
                      place("side"))
        return None
    settle = _settle(item["symbol"])
    if settle is None:
        reading.error("MV601", f"{shown(item['symbol'])} is not a ccxt contract symbol (BASE/QUOTE:SETTLE): the "
                               "position's settlement currency is unknown", place("symbol"),
                      "fetch_positions() names contracts as BTC/USDT:USDT; a spot pair has no margin position")
        return None
    if not _side_agrees(index, item, side, mapping, reading) or not _agrees(index, numbers, mapping, reading):
        return None
    mode = _margin_mode(index, item, mapping, default_mode, reading)
    if mode is None:
        return None
    record = _Record(index, item["symbol"], side, mode, item.get("hedged"), settle, {}, {}, {}, numbers,
                     number_places, _reported(index, item, mapping, reading))
    for name, into, plan in _record_plan(mapping, mode, settle):
        if plan is not None:
            _map_field(record, name, plan, reading, getattr(record, into))
    return record


def _settle(symbol: str) -> str | None:
    """The settlement currency of a ccxt contract symbol ``BASE/QUOTE:SETTLE[-EXPIRY...]`` (None: not one)."""
    pair, _, rest = symbol.partition(":")
    if "/" not in pair:
        return None
    return rest.split("-")[0] or None


def _agrees(index, numbers, mapping, reading) -> bool:
    """Every unified field the rule checks equals the exchange's own value where both are present."""
    for agreement in mapping.agreements:
        unified = numbers.get(agreement.field)
        text, expr = agreement.formula
        try:
            own = evaluate_reading(expr, numbers)
        except EvaluationError as exc:
            reading.error("MV602", f"cannot compute {text}: {exc}", reading.place(index))
            return False
        if unified is not None and own is not None and unified != own:
            reading.error("MV611", f"{agreement.field} is {exact_text(unified)} but the exchange's own {text} is "
                                   f"{exact_text(own)}", reading.place(index, agreement.field),
                          f"ccxt writes {agreement.field} from it: the export was edited or mixed up; re-export it")
            return False
    return True


def _side_agrees(index, item, side, mapping, reading) -> bool:
    """Every side check of the rule holds (the raw size's sign, the raw side's value)."""
    at = reading.place(index).key
    for check in mapping.side_checks:
        if check.when is not None:
            value, _ = reading.resolve(check.when[0], item, at)
            if str(value) != check.when[1]:
                continue
        value, found = reading.resolve(check.path, item, at)
        if value is None:
            continue
        where = reading.place(index, *found)
        if check.signed:
            size = reading.number(value, check.path.text, where, bad=_BAD)
            if size is _BAD:
                return False
            says = "long" if size and size > 0 else "short" if size and size < 0 else None
        else:
            if str(value) in check.neither:
                continue
            says = "long" if str(value) in check.long else "short" if str(value) in check.short else "?"
        if says is not None and says != side:
            what = f"{check.path.text} is {shown(value)}" + ("" if says == "?" else f", which says {says}")
            reading.error("MV611", f"side is {side!r} but {what}", where,
                          "the unified side and the exchange's own position disagree: re-export the position")
            return False
    return True


def _margin_mode(index, item, mapping, default_mode, reading) -> str | None:
    stated, isolated = item.get("marginMode"), item.get("isolated")
    if stated is not None and stated not in ("cross", "isolated"):
        reading.error("MV601", f"unknown marginMode {shown(stated)}", reading.place(index, "marginMode"),
                      "ccxt's margin modes are 'cross' and 'isolated'")
        return None
    from_flag = None if isolated is None else ("isolated" if isolated else "cross")
    if isolated is not None and not isinstance(isolated, bool):
        reading.error("MV601", f"isolated is {shown(isolated)}, not true, false or null",
                      reading.place(index, "isolated"))
        return None
    if stated is not None and from_flag is not None and stated != from_flag:
        reading.error("MV611", f"marginMode is {stated!r} but isolated is {str(isolated).lower()}",
                      reading.place(index, "marginMode"), "re-export the position: ccxt writes both from one field")
        return None
    mode = stated or from_flag or default_mode
    if mode is None:
        hint = (mapping.margin_mode_missing + "; " if mapping.margin_mode_missing else "") + MODE_HINT
        reading.error("MV612", "the position does not state its margin mode (marginMode and isolated are null)",
                      reading.place(index, "marginMode"), hint)
    return mode


def _numbers(index, item, mapping, reading, names=CCXT_POSITION_NUMBERS) -> tuple:
    """(every unified numeric field and the rule's position inputs of one position, exact (absent when null or ""),
    where each is); a value that is not a number is refused whether the rule reads it or not.  ``names``: the
    unified fields to look at (all of them, or those a line's shape holds that are not null)."""
    out, places = {}, _Places(reading, index)
    get = item.get
    for name in names:
        value = get(name)
        if value is None:  # null or absent (number(None) is None): most of them, in most exports
            continue
        try:
            # a JSON number is a Decimal, never "": number() of it is exact() of it, without the test for ""
            value = exact(value) if type(value) is Decimal else number(value)
        except NumberError:  # refused, located (its place made only now)
            value = reading.number(value, name, places[name])
        if value is not None:
            out[name] = value
    at = reading.place(index).key
    for name, spec in mapping.inputs.items():
        value, found = reading.resolve(spec.path, item, at)
        places[name] = reading.place(index, *found)
        if isinstance(value, (dict, list)):
            reading.error("MV602", f"{spec.path.text} is {'an object' if isinstance(value, dict) else 'a list'}, "
                                   "not a number", places[name], f"the rule reads it as {name}: {spec.meaning}")
            continue
        value = reading.number(value, spec.path.text, places[name], f"the rule reads it as {name}: {spec.meaning}")
        if value is not None:
            out[name] = value
    return out, places


class _Places(dict):
    """Where a position has each unified numeric field, a place made when first asked for: most of ccxt's twenty
    are null in most exports, and only those a reading uses, or a refusal names, are ever located."""

    def __init__(self, reading, index):
        super().__init__()
        self._reading, self._index = reading, index

    def __missing__(self, name):
        place = self[name] = self._reading.place(self._index, name)
        return place


_BAD = object()


@functools.lru_cache(maxsize=1024)
def _fields_used(expr) -> tuple:
    """The fields a mapping's reading uses, sorted (found once a reading, not once a position)."""
    return tuple(sorted(fields_of(expr)))


_RECORD_PLANS: dict = {}


def _record_plan(mapping, margin_mode: str, settle) -> tuple:
    """((snapshot field, the record's dict it goes into, its :func:`_field_plan`), ...) of every field the mapping
    reads, in the mapping's order (its position fields, its market fields, its tier's cap): found once per mapping,
    margin mode and settlement currency, not once a position."""
    key = (id(mapping), margin_mode, settle)
    entry = _RECORD_PLANS.get(key)
    if entry is None or entry[0] is not mapping:
        if len(_RECORD_PLANS) > 1024:
            _RECORD_PLANS.clear()
        targets = [(name, target, "fields") for name, target in mapping.position.items()]
        targets += [(name, target, "market_fields") for name, target in mapping.market.items()]
        if mapping.tier is not None:
            targets.append((mapping.tier.field, mapping.tier, "own_tier"))
        plan = tuple((name, into, _field_plan(name, target, margin_mode, settle)) for name, target, into in targets)
        entry = _RECORD_PLANS[key] = (mapping, plan)
    return entry[1]


def _field_plan(name, target, margin_mode: str, settle) -> tuple | None:
    """(text, expression, the fields it uses, the origin a position records, the one field it is when it is a field
    and nothing more, else None) of the reading of field ``name`` for a position in ``margin_mode`` settled in
    ``settle``, or None where none applies."""
    formula = target.formula(margin_mode, settle)
    if formula is None:
        return None
    text, expr = formula
    bare = expr.tree[1] if type(expr) is PlainReading and expr.tree[0] == "field" else None
    return text, expr, _fields_used(expr), text if text == name else f"{text} ({target.source})", bare


def _map_field(record, name, plan, reading, into) -> None:
    """Snapshot field ``name`` of the position read as its ``plan`` (:func:`_field_plan`) says, into ``into`` (the
    record's snapshot fields, its market fields or its own tier)."""
    text, expr, used, origin, bare = plan
    record.origins[name] = origin
    if len(used) == 1:
        record.places[name] = record.number_places[used[0]]
    if bare is not None:  # most readings name one field: its value as evaluate_reading gives it, without the call
        value = record.numbers.get(bare)
        if value is not None and type(value) is not Fraction:
            value = Fraction(value)
    else:
        try:
            value = evaluate_reading(expr, record.numbers)
        except EvaluationError as exc:  # a division by zero in the rule's reading
            reading.error("MV602", f"cannot read {name} as {text}: {exc}", reading.place(record.index))
            return
    if value is not None:
        problem = range_problem(name, value) if name in FIELD_RANGES else None
        if problem is not None:
            reading.error("MV602", f"{name} {problem}; {text} gives {exact_text(value)}",
                          record.places.get(name, reading.place(record.index)))
            return
        into[name] = value
    else:
        absent = [n for n in used if n not in record.numbers]
        record.origins[name] = f"{text}, but {', '.join(absent)} is null or absent in this position"


def _reported(index, item, mapping, reading) -> Reported:
    """The exchange's liquidation price: the raw field the rule names, else ccxt's unified one."""
    if mapping.reported is not None:
        raw, found = reading.resolve(mapping.reported.path, item, reading.place(index).key)
        where, text = reading.place(index, *found), mapping.reported.path.text
    else:
        raw, where, text = item.get("liquidationPrice"), reading.place(index, "liquidationPrice"), "liquidationPrice"
    value = reading.number(raw, text, where, bad=_BAD) if not isinstance(raw, (dict, list)) else _BAD
    if isinstance(raw, Decimal):  # a JSON number, shown as one (the exact value is read above)
        raw = float(raw)
    if value is _BAD:
        if isinstance(raw, (dict, list)):
            reading.error("MV602", f"{text} is not a number", where)
        return Reported(None, raw, text, where)
    if value is not None and value in mapping.reported_none:  # the exchange's word for none (a sentinel)
        value = None
    return Reported(value if value is not None and value > 0 else None, raw, text, where)


# --------------------------------------------------------------------------------------------- the pools


def _duplicates(records, reading) -> None:
    """Two positions of one market in one margin mode must be a hedge pair (both hedged, opposite sides); a group
    that is not is one MV613 naming all its positions."""

    seen = defaultdict(list)
    for record in records:
        seen[(record.symbol, record.margin_mode)].append(record)
    for (symbol, mode), group in seen.items():
        if len(group) < 2:
            continue
        pair = len(group) == 2 and all(r.hedged for r in group) and {r.side for r in group} == {"long", "short"}
        if not pair:  # one error for the whole group, naming every position in it, at the second
            kind = "hedged" if all(r.hedged for r in group) else "one-way"
            reading.error("MV613", f"{count_word(len(group))} {kind} {mode} positions in {symbol} (positions "
                                   f"{join_indices([r.index for r in group])}): a market holds one position per side",
                          reading.place(group[1].index, "symbol"),
                          "one-way mode allows one position a market; hedge mode one long and one short, both "
                          "with hedged true")


def _pools(rule, records, balance, wallet, reading) -> list:
    """One isolated pool, and one cross pool per settlement currency with its wallet."""
    by_pool = defaultdict(list)
    for record in records:
        by_pool[(record.margin_mode, record.settle if record.margin_mode == "cross" else None)].append(record)
    if isinstance(wallet, Fraction):
        currencies = sorted({settle for mode, settle in by_pool if mode == "cross"})
        if len(currencies) > 1:
            reading.error("MV614", "one walletBalance is given, but the cross positions settle in "
                                   f"{', '.join(currencies)}", Place(("positions", "walletBalance")),
                          "give walletBalance per currency: {\"USDT\": ..., \"USDC\": ...}")
            return []
        wallet = {currencies[0]: wallet} if currencies else {}
    out = []
    for (mode, settle), group in by_pool.items():
        account_wallet, origin, place, hints = None, None, Place(("positions",)), {}
        if mode == "cross":
            account_wallet, place, hints = _wallet(rule, settle, group, balance, wallet or {}, reading)
        positions = tuple(Position(r.symbol, r.side, r.fields, reading.place(r.index), r.places, index=r.index,
                                   reported=r.reported, origins=r.origins, market_fields=r.market_fields,
                                   own_tier=next(iter(r.own_tier.values()), None))
                          for r in group)
        hedge = any(r.hedged for r in group)
        out.append(Account("futures", mode, positions, "hedge" if hedge else "one-way", account_wallet,
                           file=reading.locator.files["positions"].file, places={"walletBalance": place},
                           locator=reading.locator, settle=settle, hints=hints))
    return out


def _wallet(rule, settle, group, balance, wallet, reading) -> tuple:
    """(the cross wallet of ``settle`` or None, its place, hints for what is missing)."""
    given = wallet.get(settle)
    reading_spec = rule.ccxt.balance.get("walletBalance")
    if given is not None and balance is not None:
        reading.error("MV614", f"the {settle} cross wallet is given twice: walletBalance and a balance dump",
                      Place(("positions", "walletBalance")), "give one of them")
        return None, Place(), {}
    if given is not None:
        return given, Place(("positions", "walletBalance")), {}
    how = "give --balance FILE (a fetch_balance() dump) or an export object {\"positions\": [...], " \
          "\"walletBalance\": ...}"
    if balance is None:
        return None, Place(("positions",)), {"walletBalance": f"the {settle} cross wallet is not in a "
                                                              f"fetch_positions() dump: {how}"}
    formula = reading_spec.formula("cross", settle) if reading_spec else None
    if formula is None:
        return None, Place(("balance",)), {"walletBalance": f"rule {rule.id} does not say where a fetch_balance() "
                                                            f"dump has the {settle} cross wallet: give walletBalance"}
    text, expr = formula
    values, places = {}, {}
    for name in sorted(fields_of(expr)):
        spec = rule.ccxt.balance_inputs[name]
        if spec.sum_of is not None:
            parts = [r.numbers.get(spec.sum_of) for r in group]
            if None not in parts:
                values[name] = sum(parts, Fraction(0))
            continue
        raw, found = reading.resolve(spec.path, balance, ("balance",), settle, code="MV614")
        places[name] = Place(("balance", *found))
        if isinstance(raw, (dict, list)):
            reading.error("MV602", f"{spec.path.text} is not a number", places[name])
            continue
        value = reading.number(raw, spec.path.text, places[name])
        if value is not None:
            values[name] = value
    value = evaluate_reading(expr, values)
    place = places[next(iter(places))] if len(places) == 1 else Place(("balance",))
    if value is None:
        absent = sorted(n for n in fields_of(expr) if n not in values)
        return None, place, {"walletBalance": f"the balance dump has no {settle} cross wallet: the rule reads it as "
                                              f"{text} and {', '.join(absent)} is absent"}
    return value, place, {}
