"""Market catalogs: every market a product lists, with its specification and tier table, dated and sourced.

A :class:`Catalog` holds, per ccxt symbol, a :class:`Market`: versions of its specification (:class:`MarketSpec`:
type, base/quote/settle, contract size, price tick, maximum leverage, fees, and any field the catalog declares) and
versions of its tier table (:class:`TierVersion`).  Each version carries a :class:`Provenance`: its source, the
first date it is known to be in force (``effective``), the last date it was seen unchanged (``seen``) and when it
was read (``retrieved``).  Versions are never overwritten; :meth:`Market.spec_at` and :meth:`Market.tiers_at`
pick the one in force on a date.

The reading stage builds catalogs (:mod:`verifier.read.catalog`); ``import`` adds versions
(:func:`verifier.model.market_merge.merge_market`).  Markets are built on first use, so loading a rule whose
catalog lists a thousand markets costs only the markets it touches.

>>> import datetime as dt
>>> p = lambda day: Provenance("s", dt.date(2024, 1, day), dt.date(2024, 1, day), dt.date(2024, 1, day))
>>> m = Market("X/USDT:USDT", (MarketSpec("linear", "X", "USDT", "USDT", {"tick": Fraction(1, 10)}, p(1)),
...                            MarketSpec("linear", "X", "USDT", "USDT", {"tick": Fraction(1, 100)}, p(9))), ())
>>> m.spec_at(dt.date(2024, 1, 5)).price_tick, m.spec_at(None).price_tick, m.spec_at(dt.date(2023, 1, 1))
(Fraction(1, 10), Fraction(1, 100), None)
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass, field
from fractions import Fraction

MARKET_TYPES = ("linear", "inverse", "spot")
"""What a market is: a linear or inverse contract, or a spot pair (ccxt's ``linear``/``inverse``/``spot``)."""

TEXT_FIELDS = ("type", "base", "quote", "settle")
"""The fields of a market that are names, not numbers."""


@dataclass(frozen=True)
class FieldSpec:
    """A numeric market field: its unit (relative to the rule; None: depends on the market), meaning, and where
    ``import`` reads it in a ccxt Market (a dotted path such as ``limits.leverage.max`` or ``info.maxLeverage``)."""

    name: str
    unit: str | None
    meaning: str
    ccxt: str


STANDARD_FIELDS = {spec.name: spec for spec in (
    FieldSpec("contractSize", None, "size of one contract (base units for linear contracts, quote units for inverse "
                                    "ones); ccxt Position's contractSize when the position lacks it", "contractSize"),
    FieldSpec("tick", "quote/base", "price tick: prices are multiples of it", "precision.price"),
    FieldSpec("maxLeverage", "1", "highest leverage the market allows", "limits.leverage.max"),
    FieldSpec("taker", "1", "default taker fee rate, a fraction (ccxt Market.taker)", "taker"),
    FieldSpec("maker", "1", "default maker fee rate, a fraction (ccxt Market.maker)", "maker"),
)}
"""Fields every catalog may hold, with ccxt's unified Market key; a catalog declares further ones (``fields:``)."""

FIELD_LIMITS = {"tick": (">", 0), "contractSize": (">", 0), "maxLeverage": (">=", 1)}
"""What a field's value must exceed: a zero tick or contract size, or a leverage below 1, means nothing."""


def field_problem(name: str, value: Fraction) -> str | None:
    """Why ``value`` cannot be field ``name``'s (out of :data:`FIELD_LIMITS`), or None.

    >>> field_problem("tick", Fraction(0)), field_problem("tick", Fraction(1, 10))
    ('must be > 0', None)
    """
    limit = FIELD_LIMITS.get(name)
    if limit is None:
        return None
    op, bound = limit
    ok = value > bound if op == ">" else value >= bound
    return None if ok else f"must be {op} {bound}"


POSITION_FIELDS = {"contractSize": "contractSize"}
"""ccxt Position field -> the market field that supplies it when a position lacks it (same meaning in ccxt)."""


@dataclass(frozen=True)
class Provenance:
    """Where a version comes from and when it is known to hold: ``effective`` <= ``seen``; ``retrieved`` is when
    the data was read (the first date it is known to be in force, for a live import)."""

    source: str
    effective: _dt.date
    seen: _dt.date
    retrieved: _dt.date


@dataclass(frozen=True)
class MarketSpec:
    """One version of a market's specification; ``fields`` maps numeric field names to exact values."""

    type: str
    base: str
    quote: str
    settle: str | None
    fields: dict
    provenance: Provenance

    @property
    def contract_size(self) -> Fraction | None:
        return self.fields.get("contractSize")

    @property
    def price_tick(self) -> Fraction | None:
        return self.fields.get("tick")

    @property
    def max_leverage(self) -> Fraction | None:
        return self.fields.get("maxLeverage")

    def same_data(self, other: "MarketSpec") -> bool:
        """Whether ``other`` says the same thing (provenance aside)."""
        return (self.type, self.base, self.quote, self.settle, self.fields) == \
            (other.type, other.base, other.quote, other.settle, other.fields)


@dataclass(frozen=True)
class TierVersion:
    """One version of a market's tier table."""

    table: object  # verifier.model.tiers.TierTable
    provenance: Provenance

    def same_data(self, other: "TierVersion") -> bool:
        mine = [(r.floor, r.cap, r.values) for r in self.table.rows]
        return mine == [(r.floor, r.cap, r.values) for r in other.table.rows]


def in_force(versions: tuple, date: _dt.date | None):
    """The version in force on ``date`` (the latest one when None); None before the first."""
    if date is None:
        return versions[-1] if versions else None
    current = None
    for version in versions:
        if version.provenance.effective <= date:
            current = version
    return current


@dataclass(frozen=True)
class Market:
    """A market of the catalog: its specification versions and tier-table versions, each in effective order."""

    symbol: str
    specs: tuple
    tiers: tuple

    def spec_at(self, date: _dt.date | None = None) -> MarketSpec | None:
        return in_force(self.specs, date)

    def tiers_at(self, date: _dt.date | None = None) -> TierVersion | None:
        return in_force(self.tiers, date)

    def stale(self, date: _dt.date, threshold_days: int) -> list:
        """[(what, provenance, next)] of the versions in force on ``date`` ('market' or 'tiers') that were last
        seen more than ``threshold_days`` before it: the newest version grown old, or an older one carried across
        a gap in the record (``next``: the effective date of the version after it, None for the newest).

        >>> p = lambda e, s: Provenance("s", _dt.date(2024, 1, e), _dt.date(2024, 1, s), _dt.date(2024, 1, s))
        >>> spec = lambda e, s: MarketSpec("linear", "X", "USDT", "USDT", {}, p(e, s))
        >>> m = Market("X/USDT:USDT", (spec(1, 2), spec(30, 30)), ())
        >>> [(w, n) for w, _, n in m.stale(_dt.date(2024, 1, 20), 10)]  # day 2's data used on day 20
        [('market', datetime.date(2024, 1, 30))]
        """
        found = []
        for what, versions in (("market", self.specs), ("tiers", self.tiers)):
            version = in_force(versions, date)
            if version is not None and (date - version.provenance.seen).days > threshold_days:
                index = versions.index(version)
                following = versions[index + 1].provenance.effective if index + 1 < len(versions) else None
                found.append((what, version.provenance, following))
        return found


@dataclass(frozen=True)
class ColumnSpec:
    """A tier-table column: unit, meaning, and where ``import`` reads it in a ccxt leverage tier, or how import
    computes it (``derived``: ``'continuity'``, the amount column of an exchange that publishes only the rates)."""

    name: str
    unit: object  # Unit
    meaning: str
    ccxt: str | None
    derived: str | None = None
    entered: str | None = None  # how a column no ccxt method returns was written by hand (import refuses it)


@dataclass(frozen=True)
class TierLayout:
    """How a catalog's tier tables read: the basis's unit, the bound convention, the columns (in row order after
    floor and cap), which columns continuity and the leverage check use, and where ccxt gives floor and cap."""

    basis_unit: object  # Unit
    basis_meaning: str
    bounds: str
    columns: dict  # name -> ColumnSpec, in row order
    rate: str | None
    amount: str | None
    max_leverage: str | None
    floor_ccxt: str = "minNotional"
    cap_ccxt: str = "maxNotional"

    @property
    def row_keys(self) -> tuple:
        return ("floor", "cap") + tuple(self.columns)


@dataclass
class Catalog:
    """One product's markets.  ``id`` is the rule id ``import`` takes; ``exchange`` the ccxt exchange id.

    ``entries`` holds each market's checked data as read; :meth:`market` builds the :class:`Market` on first use
    with ``builder(symbol, entry)`` (given by the reading stage) and keeps it.
    """

    id: str
    title: str
    exchange: str
    file: str
    fields: dict  # name -> FieldSpec (the standard ones and the catalog's own)
    layout: TierLayout | None
    sources: dict  # id -> verifier.model.rule.Source
    price_precision: str  # how ccxt writes precision.price for this exchange: tick | decimals | significant
    content_hash: str
    shard_layout: str = "initial"  # how import splits markets into files: initial | single | market
    description: str | None = None
    select: dict = field(default_factory=dict)  # ccxt Market key path -> value (or list) a market must have
    entries: dict = field(repr=False, default_factory=dict)  # symbol -> (shard file, entry data)
    builder: object = field(repr=False, default=None)
    _markets: dict = field(repr=False, default_factory=dict)
    _latest: dict | None = field(repr=False, default=None)

    def symbols(self) -> list:
        return sorted(self.entries)

    def market(self, symbol: str) -> Market | None:
        """The market called ``symbol`` (ccxt's unified symbol), or None when the catalog does not list it."""
        if symbol not in self._markets:
            if symbol not in self.entries:
                return None
            self._markets[symbol] = self.builder(symbol, self.entries[symbol])
        return self._markets[symbol]

    def markets(self):
        """Every market, in symbol order (builds them all)."""
        return [self.market(symbol) for symbol in self.symbols()]

    def tiered_symbols(self) -> list:
        """Symbols with at least one tier-table version."""
        return sorted(self.latest_tables())

    def latest_tables(self) -> dict:
        """symbol -> the latest tier table, for every market that has one."""
        if self._latest is None:
            self._latest = {m.symbol: m.tiers[-1].table for m in self.markets() if m.tiers}
        return self._latest

    def with_markets(self, markets: dict) -> "Catalog":
        """The same catalog holding ``markets`` (symbol -> Market) instead: what an import would leave."""
        return dataclasses.replace(self, entries={symbol: None for symbol in markets}, builder=lambda s, _: markets[s],
                                   _markets=dict(markets), _latest=None)

    def import_hint(self, symbol: str) -> str:
        """How to add ``symbol`` to this catalog: by hand when some of its values are entered by hand (a unified
        account's collateral ratios: no ccxt method returns them)."""
        entered = [name for name, field in self.fields.items() if field.ccxt is None]
        if self.layout is not None:
            entered += [name for name, column in self.layout.columns.items() if column.entered]
        if entered:
            return (f"add {symbol} to the catalog's shard file by hand, with the source of its "
                    f"{', '.join(entered)} (no ccxt method returns them); the catalog lists {len(self.entries)} markets")
        return (f"import it: margin-verifier import {self.id} --markets MARKETS.json --tiers TIERS.json (ccxt "
                f"load_markets() and fetch_leverage_tiers() dumped to JSON), or --live {self.exchange}; "
                f"the catalog lists {len(self.entries)} markets")
