"""An account to evaluate: positions with exact ccxt fields (verifier/schemas/account.schema.json), read by the reading stage.

A reader (:mod:`verifier.read.account` for the snapshot format of section 4; a ccxt ``fetch_positions()``
reader later) turns a user's file into an :class:`Account`; :func:`verifier.derive.account.evaluate_account`
computes on it and never sees the file, its text or its paths.  Errors about a position are still located:
every position and field carries an opaque :class:`Place` that only the reader's :class:`Locator` can turn
into a :class:`~verifier.errors.Diagnostic`.

One :class:`Account` is one margin pool: every position in it has the account's ``margin_mode``.  A file can hold
several pools: a ccxt export mixes cross positions (one pool per settlement currency, sharing its cross wallet) and
isolated ones (each on its own margin); its reader returns an :class:`AccountSet` of the pools.  Futures positions carry ccxt's unified numeric fields
(``contracts``, ``contractSize``, ``entryPrice``, ``markPrice``, ``collateral``, ...); a spot-margin account has
one position per asset balance (fields ``total``, ``debt``, ``interest``, ``price``, ``markPrice``).

>>> from fractions import Fraction
>>> btc = Position("BTC/USDT:USDT", "long", {"contracts": Fraction(1), "entryPrice": Fraction(60000)})
>>> account = Account("futures", "isolated", (btc,))
>>> account.positions[0].sign, account.error("MV600", "no collateral", btc.at("collateral")).diagnostics[0].render()
(1, '<account>:0:0: error[MV600]: no collateral (at $)')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Mapping, Protocol

from verifier.errors import Diagnostic, EvaluationError

KINDS = ("futures", "spot")
MARGIN_MODES = ("cross", "isolated")
POSITION_MODES = ("one-way", "hedge")
SIDES = {"long": 1, "short": -1}
"""A position's side and the sign it gives the rule's side symbol (ccxt: long reads 1, short -1)."""


@dataclass(frozen=True)
class Place:
    """Where something is in the file an account was read from; opaque to everyone but its reader."""

    key: tuple = ()


class Locator(Protocol):
    """Made by a reader: turns a :class:`Place` of its file into a located diagnostic."""

    def diagnostic(self, code: str, message: str, place: Place, hint: str | None = None) -> Diagnostic: ...


@dataclass(frozen=True)
class _Unlocated:
    """The locator of an account built in code: names the source, knows no line."""

    file: str = "<account>"

    def diagnostic(self, code, message, place, hint=None) -> Diagnostic:
        return Diagnostic(code, message, file=self.file, hint=hint)


@dataclass(frozen=True)
class Position:
    """One position (futures) or one asset balance (spot margin), its numbers exact."""

    symbol: str  # ccxt market symbol (BTC/USDT:USDT) or, in a spot-margin account, the asset (BTC)
    side: str  # 'long' or 'short' (a spot balance is long when it holds more than it owes)
    fields: Mapping[str, Fraction]  # ccxt unified numeric fields, by their ccxt names
    place: Place = Place()
    places: Mapping[str, Place] = field(default_factory=dict)  # field name -> where the reader found it
    quote: bool = False  # spot margin: the quote asset's balance (its price is 1; it has no price of its own)
    index: int | None = None  # its place in the file's list of positions (reports keep the file's order)
    reported: "Reported | None" = None  # the exchange's own liquidation price, when the file carries one
    origins: Mapping[str, str] = field(default_factory=dict)  # field -> where a ccxt export gives it (for hints)
    market_fields: Mapping[str, Fraction] = field(default_factory=dict)  # market-catalog fields the position gives
    # itself (the exchange's own value reported with it, e.g. Hyperliquid's maxLeverage): used before the catalog's
    own_tier: Fraction | None = None  # the cap of the tier its exchange says it is in (Bybit's riskLimitValue): that
    # row of the catalog's table is used, not the row its basis falls in

    @property
    def sign(self) -> int:
        """1 for a long, -1 for a short."""
        return SIDES[self.side]

    def at(self, name: str | None = None) -> Place:
        """The place of field ``name`` (the position itself when the field is absent or None)."""
        return self.places.get(name, self.place) if name else self.place


@dataclass(frozen=True)
class Account:
    """A snapshot of one account: its margin and position modes, wallet and positions."""

    kind: str  # 'futures' or 'spot' (see KINDS)
    margin_mode: str  # 'cross' or 'isolated'
    positions: tuple
    position_mode: str = "one-way"  # 'one-way' or 'hedge'
    wallet_balance: Fraction | None = None  # the cross wallet (futures, cross); isolated positions carry collateral
    quote: str | None = None  # spot margin: the asset prices are quoted in
    symbol: str | None = None  # spot margin, isolated: the pair
    mode: str | None = None  # the rule's mode asked for by name, when the file names one
    leverage: Fraction | None = None  # the account's leverage, when the file gives one (picks a mode by leverage)
    file: str = "<account>"
    places: Mapping[str, Place] = field(default_factory=dict)  # account-level field -> place
    locator: Locator = _Unlocated()
    settle: str | None = None  # the settlement currency of a cross pool read from a ccxt export
    hints: Mapping[str, str] = field(default_factory=dict)  # account field -> how to give it when it is missing
    totals: tuple = ()  # (AccountTotal, Reported) of a unified balance: the exchange's own totals, never inputs
    derivatives: tuple = ()  # Derivative: a unified account's fetch_positions() rows beside its balance

    def at(self, name: str | None = None) -> Place:
        """The place of account-level field ``name`` (the whole file when absent or None)."""
        return self.places.get(name, Place()) if name else Place()

    def error(self, code: str, message: str, place: Place | None = None, hint: str | None = None) -> EvaluationError:
        """An :class:`EvaluationError` carrying one diagnostic located at ``place`` (for the caller to raise)."""
        diagnostic = self.locator.diagnostic(code, message, place or Place(), hint)
        return EvaluationError(message, [diagnostic], code=code)


@dataclass(frozen=True)
class Derivative:
    """An open position of a unified account as ``fetch_positions()`` gives it beside the balance: its place in the
    list, market, settle coin (a coin of the balance), contracts and the exchange's maintenance margin of it in the
    settle coin (None: the row does not say).  The coin's maintenance margin stays the balance's own figure."""

    index: int
    symbol: str
    side: str | None
    settle: str
    contracts: Fraction
    maintenance: Fraction | None
    place: Place = Place()
    row: object = field(default=None, compare=False, repr=False)  # the ccxt Position dict as exported
    rule: str | None = None  # the product rule that prices it (the unified rule's ccxt positions: rules:)
    product: object = field(default=None, compare=False, repr=False)  # (Rule, Account) it read as, under that rule
    unpriced: str | None = None  # why its product rule cannot read it (a summed reading keeps it unpriced, not refused)
    notional: Fraction | None = None  # its notional in the valuation currency as the row gives it (positions: notional:)


@dataclass(frozen=True)
class Reported:
    """The exchange's own liquidation price of a position, as the file gives it: what we reconcile against.

    ``price`` is None when the exchange reports none (``raw`` then says how: null, ``0`` or ``""``).
    """

    price: Fraction | None
    raw: object
    field: str  # where the file has it, e.g. info.liquidationPrice
    place: Place = Place()


@dataclass(frozen=True)
class AccountSet:
    """Every margin pool one file describes, in the format it was written in.

    ``format``: ``snapshot`` (verifier/schemas/account.schema.json) or ``ccxt`` (a ``fetch_positions()`` dump); ``skipped``:
    (index, symbol, why) of the positions not evaluated (flat ones: ccxt lists closed positions with 0 contracts).
    """

    format: str
    accounts: tuple
    skipped: tuple = ()
    file: str = "<account>"
    balance_file: str | None = None
    unread: tuple = ()  # verifier.read.ccxt_unread.Unread: the export's fields the rule does not read

    @property
    def positions(self) -> tuple:
        """Every evaluated position of every pool, in the file's order."""
        found = [p for account in self.accounts for p in account.positions if not p.quote]
        return tuple(sorted(found, key=lambda p: (p.index is None, p.index or 0)))
