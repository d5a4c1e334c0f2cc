"""The lines of a JSON-lines ccxt export that hold one position each, read by a reader made once per line shape.

A file of many lines, one ``fetch_positions()`` position a line, is read line by line by
:func:`verifier.read.ccxt_export.accounts_from_ccxt`, which checks each line as a whole export: the position schema,
whether the position is of the rule's exchange and product, the fields no reading uses (listed), two positions in
one market, the margin pools.  For a line of one position, each of these depends only on the line's *shape*: its
keys in order, the type of each value, the values that are not numbers (symbol, side, margin mode, hedged...), and
under ``info`` its keys, their types and which are null or "" (:func:`shape`).  The numbers are what differ from
line to line, and they are read and checked for every line as they always are (``_record``: every unified numeric
field, the rule's inputs, the side and size checks, the reported price, each field's reading and range).

So the first line of a shape is read the usual way; when it reads without a problem (one open position, one pool)
its pool's other parts and its list of unread fields are kept as that shape's template, and each later line of the
shape is read by ``_record`` alone and put in a pool made like the template's.  Anything else goes the usual way and
says what it always said: a line of another shape, a line of several positions or an export object, a line whose
numbers ``_record`` refuses or skips (0 contracts), a first line with a problem.  A line read either way gives the
same :class:`~verifier.model.account.AccountSet` (tests/read/test_ccxt_lines.py).  At most :data:`MAX_SHAPES` shapes
are kept a process (a file whose lines all differ in shape is read the usual way).
"""

from __future__ import annotations

from decimal import Decimal

from verifier.errors import SpecError
from verifier.model.account import Account, AccountSet, Position
from verifier.model.ccxt_mapping import CCXT_POSITION_NUMBERS
from verifier.read.ccxt_export import _Reading, _Record, _record, plainly_valid
from verifier.read.located import FilesLocator, Located

MAX_SHAPES = 256
"""Shapes kept (each with its template or None: a shape whose first line did not read as one position)."""

_SHAPES: dict = {}  # (id(mapping), default margin mode, shape) -> (mapping, _Template or None)
_NONE = object()


class _Template:
    """What every line of one shape shares: its pool's parts but the position, its unread fields, the numeric
    fields it holds."""

    __slots__ = ("kind", "margin_mode", "position_mode", "wallet", "places", "settle", "hints", "unread", "names")

    def __init__(self, account: Account, unread: tuple, names: tuple):
        self.kind, self.margin_mode, self.position_mode = account.kind, account.margin_mode, account.position_mode
        self.wallet, self.places, self.settle, self.hints = (account.wallet_balance, account.places,
                                                             account.settle, account.hints)
        self.unread, self.names = unread, names


def shape(item: dict):
    """The shape of one position (a dict) as a hashable key, or None where it has none that a template may stand
    for (a nested value under ``info``, ``info`` not an object).  JSON numbers (Decimal) at the top stand in it by
    type; every other top-level value by itself; ``info``'s values by type and whether they are "" (the usual
    reading looks at them only through the rule's paths, in ``_record``, which every line goes through).

    >>> shape({"symbol": "A/B:B", "contracts": Decimal("1"), "info": {"x": "2"}}) == \\
    ...     shape({"symbol": "A/B:B", "contracts": Decimal("3"), "info": {"x": "5"}})
    True
    >>> shape({"symbol": "A/B:B", "contracts": Decimal("1"), "info": {"x": ""}}) == \\
    ...     shape({"symbol": "A/B:B", "contracts": Decimal("1"), "info": {"x": "5"}})
    False
    """
    out = []
    for key, value in item.items():
        kind = type(value)
        if kind is Decimal:
            out.append((key, kind))
        elif key == "info":
            if kind is not dict:
                return None
            inner = []
            for name, raw in value.items():
                inner_kind = type(raw)
                if inner_kind is dict or inner_kind is list:
                    return None
                inner.append((name, inner_kind, raw == "") if inner_kind is str else (name, inner_kind))
            out.append((key, tuple(inner)))
        elif kind is dict or kind is list:
            return None
        else:
            out.append((key, kind, value))
    return tuple(out)


def one_position_line(rule, data, document, margin_mode, usual):
    """The :class:`AccountSet` of a line holding one position ``data`` (a list of one dict) read by its shape's
    template, or None: read it the usual way.  ``usual``: the usual reading of the line
    (:func:`verifier.read.positions_file.export_from_data` of it), for the first line of a shape."""
    item = data[0]
    mapping = rule.ccxt
    if mapping is None or not _eligible(mapping):
        return None
    key = shape(item)
    if key is None:
        return None
    key = (id(mapping), margin_mode, key)
    entry = _SHAPES.get(key)
    if entry is None or entry[0] is not mapping:
        return _first(mapping, key, item, usual)
    template = entry[1]
    if template is None:
        return None
    locator = FilesLocator({"positions": Located(document)})
    reading = _Reading(locator, ())
    record = _record(0, item, mapping, margin_mode, reading, template.names)
    if type(record) is not _Record or reading.problems or record.margin_mode != template.margin_mode:
        return None  # read it the usual way: it says what is wrong (or that the position is flat)
    position = Position(record.symbol, record.side, record.fields, reading.place(0), record.places, index=0,
                        reported=record.reported, origins=record.origins, market_fields=record.market_fields,
                        own_tier=next(iter(record.own_tier.values()), None))
    file = document.file
    account = Account(template.kind, template.margin_mode, (position,), template.position_mode, template.wallet,
                      file=file, places=dict(template.places), locator=locator, settle=template.settle,
                      hints=dict(template.hints))
    return AccountSet("ccxt", (account,), (), file, None, template.unread)


_ELIGIBLE: dict = {}


def _eligible(mapping) -> bool:
    """Whether a template may stand for the lines of a shape under ``mapping``: its ``identify`` paths are plain
    keys (whether a position carries them depends on its keys alone)."""
    entry = _ELIGIBLE.get(id(mapping))
    if entry is None or entry[0] is not mapping:
        plain = all(step[0] == "key" for path in mapping.identify for step in path.steps)
        entry = _ELIGIBLE[id(mapping)] = (mapping, plain)
    return entry[1]


def _first(mapping, key, item, usual):
    """The first line of a shape, read the usual way (its AccountSet, or the error it raises, returned); its
    template kept when it read as one open position in one pool."""
    if len(_SHAPES) >= MAX_SHAPES:
        return None
    try:
        found = usual()
    except SpecError as exc:
        return exc  # a problem: no template (the next line of this shape is read the usual way too)
    template = None
    if plainly_valid(item) and found.format == "ccxt" and not found.skipped and len(found.accounts) == 1 \
            and len(found.accounts[0].positions) == 1 and found.balance_file is None:
        names = tuple(name for name in CCXT_POSITION_NUMBERS if item.get(name) is not None)
        template = _Template(found.accounts[0], found.unread, names)
    _SHAPES[key] = (mapping, template)
    return found
