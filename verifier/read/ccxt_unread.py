"""What an export says that the rule does not read: every field with a value, listed once per run.

ccxt exports carry far more than a rule needs (ccxt's derived ``marginRatio`` and ``percentage``, the exchange's
``breakEvenPrice``, ``adl``...).  Nothing is dropped silently: the fields with a value (not null, not ``""``)
that the rule's ``ccxt:`` section does not read are counted over the file's positions (and its ``fetch_balance()``
dump) and reported once, each with the rule's reason where its ``unread:`` gives one (a snapshot's
``maintenanceMarginPercentage`` that a rule takes from its tier table says so).  Paths are written as the
``ccxt:`` section writes them, a list element as ``[]``.

>>> position = {"symbol": "BTC/USDT:USDT", "side": "long", "contracts": 1.0, "percentage": 6.7, "lastPrice": None,
...             "info": {"positionAmt": "1", "adl": "2", "assets": [{"a": "1"}]}}
>>> tally = Tally(frozenset({"contracts"}), frozenset({"info.positionAmt"}))
>>> tally.position(position)
>>> sorted(tally.counts.items())
[('info.adl', 1), ('info.assets[].a', 1), ('percentage', 1)]
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

STRUCTURE = frozenset({"symbol", "side", "contracts", "marginMode", "isolated", "hedged", "info", "id",
                       "timestamp", "datetime"})
"""Unified Position fields every reading uses or that identify the position (not values a rule reads)."""

BALANCE_STRUCTURE = frozenset({"info", "timestamp", "datetime"})


@dataclass(frozen=True)
class Unread:
    """One field the rule does not read: its path, how many positions (or balance entries) carry a value there,
    and the rule's reason (None: the rule gives none, it just does not need it)."""

    path: str
    count: int
    why: str | None = None
    part: str = "positions"  # 'positions', 'balance', or an answer beside the balance ('account')


@dataclass
class Tally:
    """Counts the unread fields of the positions of one file: ``unified`` the unified fields read, ``raw`` the
    paths under ``info`` read (list indices written ``[]``)."""

    unified: frozenset
    raw: frozenset
    counts: Counter = field(default_factory=Counter)
    _skip: frozenset = field(default=frozenset(), repr=False)

    def __post_init__(self):
        self._skip = self.unified | STRUCTURE

    def position(self, item: dict) -> None:
        skip, raw = self._skip, self.raw
        found = [key for key, value in item.items() if key not in skip and value is not None and value != ""]
        info = item.get("info")
        if isinstance(info, dict) and not any(isinstance(v, (dict, list)) for v in info.values()):
            found += [path for path in (f"info.{key}" for key, value in info.items()
                                        if value is not None and value != "") if path not in raw]
        elif isinstance(info, (dict, list)):
            found += [path for path in leaves(info, "info") if path not in raw]
        self.counts.update(found)

    def result(self, reasons: dict, part: str = "positions") -> tuple:
        """The unread fields as :class:`Unread` entries, by path; the same tuple (its entries frozen) for the same
        counts, reasons and part: the lines of a JSON-lines file mostly leave the same fields unread."""
        counts = tuple(sorted(self.counts.items()))
        key = (counts, id(reasons), part)
        found = _RESULTS.get(key)
        if found is None or found[0] is not reasons:
            if len(_RESULTS) > 4096:
                _RESULTS.clear()
            found = _RESULTS[key] = (reasons, tuple(Unread(path, count, reasons.get(path), part)
                                                    for path, count in counts))
        return found[1]


_RESULTS: dict = {}
"""(counts, id(reasons), part) -> (reasons, the Unread tuple): :meth:`Tally.result` once per distinct result; the
reasons mapping (a rule's ``unread:``, one object per loaded mapping) held so that its identity is not reused."""


def leaves(value, prefix: str) -> list:
    """The paths of the values (not null, not "") in a nested dict/list, list elements as ``[]``."""
    out = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)):
                out += leaves(item, f"{prefix}.{key}")
            elif item is not None and item != "":
                out.append(f"{prefix}.{key}")
    elif isinstance(value, list):
        seen = set()
        for item in value:
            for path in (leaves(item, prefix + "[]") if isinstance(item, (dict, list)) else
                         ([prefix + "[]"] if item is not None and item != "" else [])):
                if path not in seen:
                    seen.add(path)
                    out.append(path)
    return out


def balance_unread(balance: dict, raw: frozenset, reasons: dict) -> tuple:
    """The unread fields of a ``fetch_balance()`` dump: its raw ``info`` leaves the rule does not read, and its
    unified per-currency figures (``free``/``used``/``total``/``debt``), which no rule reads (each currency's
    written once as ``*``)."""
    counts: Counter = Counter()
    for key, value in balance.items():
        if key in BALANCE_STRUCTURE or value is None:
            continue
        if key in ("free", "used", "total", "debt") and isinstance(value, dict):
            counts.update(f"{key}.*" for v in value.values() if v is not None)
        elif isinstance(value, dict):
            counts.update(f"*.{name}" for name, v in value.items() if v is not None)
    info = balance.get("info")
    if isinstance(info, (dict, list)):
        counts.update(path for path in leaves(info, "info") if path not in raw)
    return tuple(Unread(path, count, reasons.get(path), "balance") for path, count in sorted(counts.items()))


def answer_unread(answer, within: str, read: frozenset, reasons: dict) -> tuple:
    """The fields of an exchange's answer given beside the balance (the export's ``account``, e.g. Binance's
    ``papi_get_account()``) that the rule does not read, each path prefixed with where it is (``account.``) and
    its reason from the rule's ``unread:`` under that same path.

    >>> [(u.path, u.part) for u in answer_unread({"uniMMR": "2", "accountStatus": "NORMAL"}, "account",
    ...                                          frozenset({"uniMMR"}), {})]
    [('account.accountStatus', 'account')]
    """
    if not isinstance(answer, (dict, list)):
        return ()
    paths = sorted(path[len(within) + 1:] for path in leaves(answer, within))
    return tuple(Unread(f"{within}.{path}", 1, reasons.get(f"{within}.{path}"), within)
                 for path in paths if path not in read)


def normalised(steps) -> str:
    """A path found in an export (keys and list indices) as the ``ccxt:`` section writes it, indices as ``[]``.

    >>> normalised(("info", "assets", 1, "crossWalletBalance"))
    'info.assets[].crossWalletBalance'
    """
    out = ""
    for step in steps:
        out += "[]" if isinstance(step, int) else (f".{step}" if out else step)
    return out
