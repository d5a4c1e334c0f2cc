"""How a rule reads ccxt's exports: which unified or raw (``info``) field feeds each snapshot field, as data.

ccxt's ``fetch_positions()`` gives unified Position dicts (``contracts``, ``entryPrice``, ``collateral`` ...) with
the exchange's raw payload under ``info``; ``fetch_balance()`` gives the wallet.  The unified fields do not always
mean what a rule needs: ccxt's ``collateral`` includes the unrealised PnL for Binance isolated positions
(``isolatedMargin``) and Hyperliquid (``marginUsed``), and is back-solved from the liquidation price for Binance
cross positions.  So each rule says, in its ``ccxt:`` section, where every snapshot field comes from, with a source
(:mod:`verifier.read.rule.ccxt` reads it into a :class:`CcxtMapping`); the ccxt reader applies it.

A :class:`FieldPath` finds a value in ccxt's nested dicts: ``info.position.leverage.rawUsd``, an index
``info.data[0]``, or the element of a list whose key matches ``info.assets[asset={settle}]`` (``{settle}`` is the
settlement currency of the positions the value is for).

>>> path = FieldPath.parse("info.assets[asset={settle}].crossWalletBalance")
>>> path.resolve({"info": {"assets": [{"asset": "BTC"}, {"asset": "USDT", "crossWalletBalance": "25.7"}]}},
...              settle="USDT")
('25.7', ('info', 'assets', 1, 'crossWalletBalance'))
>>> path.resolve({"info": {"assets": []}}, settle="USDT")
(None, ('info', 'assets'))

A single object (KuCoin's account overview answers one currency at a time) matches when its key has the value:

>>> overview = FieldPath.parse("info.data[currency={settle}].marginBalance")
>>> overview.resolve({"info": {"data": {"currency": "USDT", "marginBalance": 371.39}}}, settle="USDT")
(371.39, ('info', 'data', 'marginBalance'))
>>> overview.resolve({"info": {"data": {"currency": "XBT", "marginBalance": 0.5}}}, settle="USDT")
(None, ('info', 'data'))

Two elements that match (two balance entries for one coin) are not a choice to make: :class:`AmbiguousPath`.

>>> path.resolve({"info": {"assets": [{"asset": "USDT"}, {"asset": "USDT"}]}}, settle="USDT")
Traceback (most recent call last):
...
verifier.model.ccxt_mapping.AmbiguousPath: info.assets[asset=USDT] matches elements 0 and 1
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Mapping

from verifier.errors import SpecError

CCXT_POSITION_NUMBERS = (
    "contracts", "contractSize", "entryPrice", "markPrice", "lastPrice", "notional", "leverage", "collateral",
    "initialMargin", "initialMarginPercentage", "maintenanceMargin", "maintenanceMarginPercentage",
    "unrealizedPnl", "realizedPnl", "liquidationPrice", "marginRatio", "percentage", "stopLossPrice",
    "takeProfitPrice", "positionMargin")
"""ccxt's unified numeric Position fields (its Position structure): the names a mapping's formulas may use as they
are.  ccxt writes them as floats or None."""

TARGET_FIELDS = ("contracts", "contractSize", "entryPrice", "markPrice", "collateral", "notional", "leverage",
                 "takerFeeRate", "maintenanceMarginPercentage", "maintenanceAmount", "fundingRate")
"""The snapshot fields (verifier/schemas/account.schema.json) a mapping may fill for a position; the rule's symbols read these."""

BALANCE_TARGETS = ("walletBalance",)
"""The snapshot fields a mapping may fill from a ``fetch_balance()`` dump (per settlement currency)."""

MARGIN_MODES = ("cross", "isolated")

_STEP = re.compile(r"\.?(?P<key>[A-Za-z_][A-Za-z0-9_]*)|\[(?P<index>[0-9]+)\]"
                   r"|\[(?P<match>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>[^\]]+)\]")


class PathSyntaxError(SpecError):
    """A field path that is not ``key.key[0][key=value]...``; ``col`` is where it goes wrong."""

    code = "MV490"

    def __init__(self, message: str, col: int):
        super().__init__(message)
        self.col = col


class AmbiguousPath(SpecError):
    """A ``[key=value]`` step that matches more than one element; ``where``: the concrete path to the second.  The
    reader locates it (MV611 in a position, MV614 in a balance)."""

    code = "MV611"

    def __init__(self, message: str, where: tuple):
        super().__init__(message)
        self.where = where


@dataclass(frozen=True)
class FieldPath:
    """A path into a ccxt dict: steps ``('key', name)``, ``('index', n)`` or ``('match', key, value)``."""

    text: str
    steps: tuple

    @classmethod
    def parse(cls, text: str) -> "FieldPath":
        """The path ``text`` names; raise :class:`PathSyntaxError` at the first character it cannot read."""
        steps, at = [], 0
        while at < len(text):
            found = _STEP.match(text, at)
            if found is None or (at == 0 and text.startswith(".")) or (at > 0 and found["key"] and text[at] != "."):
                raise PathSyntaxError(f"cannot read the path {text!r} at character {at + 1}", at)
            if found["key"]:
                steps.append(("key", found["key"]))
            elif found["index"]:
                steps.append(("index", int(found["index"])))
            else:
                steps.append(("match", found["match"], found["value"]))
            at = found.end()
        if not steps:
            raise PathSyntaxError("a path cannot be empty", 0)
        return cls(text, tuple(steps))

    @property
    def uses_settle(self) -> bool:
        return any(step[0] == "match" and "{settle}" in step[2] for step in self.steps)

    @functools.cached_property
    def _keys(self) -> tuple | None:
        """The keys of a path of keys alone (most paths: ``info.positionAmt``), else None."""
        return tuple(step[1] for step in self.steps) if all(step[0] == "key" for step in self.steps) else None

    def resolve(self, data, settle: str | None = None) -> tuple:
        """(the value at this path or None, the concrete path found so far: keys and list indices)."""
        keys = self._keys
        if keys is not None:  # the steps below for keys alone, without their tests of each step's kind
            for n, key in enumerate(keys):
                if not isinstance(data, dict) or key not in data:
                    return None, keys[:n]
                data = data[key]
            return data, keys
        where: list = []
        for step in self.steps:
            if step[0] == "key":
                if not isinstance(data, dict) or step[1] not in data:
                    return None, tuple(where)
                data = data[step[1]]
                where.append(step[1])
            elif step[0] == "index":
                if not isinstance(data, list) or step[1] >= len(data):
                    return None, tuple(where)
                data = data[step[1]]
                where.append(step[1])
            else:
                wanted = step[2].replace("{settle}", settle or "")
                if isinstance(data, dict):  # one object where others list several (KuCoin's account-overview)
                    if str(data.get(step[1])) != wanted:
                        return None, tuple(where)
                    continue
                if not isinstance(data, list):
                    return None, tuple(where)
                matches = [i for i, item in enumerate(data)
                           if isinstance(item, dict) and str(item.get(step[1])) == wanted]
                if not matches:
                    return None, tuple(where)
                if len(matches) > 1:
                    raise AmbiguousPath(f"{'.'.join(map(str, where))}[{step[1]}={wanted}] matches elements "
                                        f"{matches[0]} and {matches[1]}", (*where, matches[1]))
                data = data[matches[0]]
                where.append(matches[0])
        return data, tuple(where)


@dataclass(frozen=True)
class Input:
    """A named value a mapping's formulas use: found at ``path`` in a position (or the balance), or, for the
    balance only, ``sum_of`` a position value (a unified field or a position input) over the positions it backs."""

    name: str
    path: FieldPath | None
    sum_of: str | None
    meaning: str
    source: str


@dataclass(frozen=True)
class Reading:
    """Where one snapshot field comes from: a formula per margin mode (``'*'``: either), over unified fields and
    inputs, parsed by the reading stage; ``settle``: the settlement currencies it holds for (empty: all)."""

    field: str
    formulas: Mapping[str, tuple]  # margin mode or '*' -> (text, SymPy expression)
    settle: tuple
    source: str
    note: str | None = None

    def formula(self, margin_mode: str, settle: str | None = None) -> tuple | None:
        """(text, expression) for a position in ``margin_mode`` settled in ``settle``; None where none applies."""
        if self.settle and settle not in self.settle:
            return None
        return self.formulas.get(margin_mode) or self.formulas.get("*")

    def describe(self, margin_mode: str) -> str | None:
        found = self.formulas.get(margin_mode) or self.formulas.get("*")
        return found[0] if found else None


@dataclass(frozen=True)
class SideCheck:
    """A raw field that must agree with the unified ``side``: its sign (``signed``), or its value (``long`` /
    ``short`` lists; values in ``neither`` make the check not apply).  ``when``: (path, value) it applies under."""

    path: FieldPath
    signed: bool
    long: tuple = ()
    short: tuple = ()
    neither: tuple = ()
    when: tuple | None = None
    source: str = ""


@dataclass(frozen=True)
class BalanceList:
    """Where a spot-margin ``fetch_balance()`` dump lists its accounts' asset balances, raw under ``info``, for one
    margin mode: ``path`` to the list; cross: each element one asset balance (its code at ``asset``); isolated: each
    element one pair account (its id at ``pair``, its balances at the ``legs`` paths, base first), with the
    exchange's own price of the base (``price``), liquidation margin level (``level``) and liquidation price
    (``reported``) where it gives them."""

    mode: str
    path: FieldPath
    asset: FieldPath
    source: str
    pair: FieldPath | None = None
    legs: tuple = ()
    price: FieldPath | None = None
    level: FieldPath | None = None
    reported: FieldPath | None = None
    note: str | None = None  # how to dump the list (a unified rule's refusal of a balance without it says so)


@dataclass(frozen=True)
class AccountTotal:
    """An account total the exchange prints in the balance (``path`` from the dump's root, e.g. Bybit's
    ``info.result.list[0].totalMaintenanceMargin``) and the rule's definition it is (``ours``): one coin's (free of
    the others' sums) summed over the coins, or the account's (using them) as it is.  ``resolution``: the step
    the exchange prints the figure to (Bybit truncates accountMMRate to 4 decimals); a difference below it is not a
    difference.  Never an input: evaluate reconciles ours with it."""

    ours: str
    path: FieldPath
    source: str
    resolution: object = None  # Fraction or None
    note: str | None = None
    within: str = "balance"  # where it is printed: the balance dump, or the export's 'account' answer
    equals: tuple | None = None  # (text, SymPy expression) over the other totals of its answer, by their names
    at_least: tuple | None = None  # (text, SymPy expression) the figure is never below, over the same totals

    @property
    def text(self) -> str:
        """The figure's path as the report names it (an account answer's prefixed with ``account.``)."""
        return self.path.text if self.within == "balance" else f"{self.within}.{self.path.text}"


@dataclass(frozen=True)
class AccountCheck:
    """The account's maintenance margin as the balance prints it (``path`` from the dump's root, OKX's
    ``info.data[0].mmr``), which the positions' maintenance margins summed per coin (each at the coin's price) must
    equal within ``rtol`` (relative; None: exactly): else the account carries a requirement the positions do not
    explain and is refused, naming both figures.  Unlike an :class:`AccountTotal` (reconciled after evaluating,
    exit 1), a disagreement here means the export cannot be read as the rule reads it."""

    path: FieldPath
    source: str
    rtol: object = None  # Fraction or None
    note: str | None = None


@dataclass(frozen=True)
class SpotBalances:
    """A spot-margin rule's reading of ``fetch_balance()``: the lists per margin mode, the inputs of one asset
    balance (paths inside its element) and the readings of the snapshot's balance fields (``total``, ``debt``,
    ``interest``) over them."""

    lists: Mapping[str, BalanceList]
    inputs: Mapping[str, Input]
    readings: Mapping[str, Reading]
    quote: str | None = None  # unified margin: the currency the balance values every coin in (e.g. USD)
    enabled: tuple = ()  # unified margin: FieldPaths of a coin's collateral flags (false: refused, MV603)
    totals: tuple = ()  # unified margin: AccountTotal, the exchange's own account totals reconciled with ours
    positions: Input | None = None  # unified margin: a fetch_positions() row's maintenance margin (in its settle coin)
    summed: bool = False  # unified margin: the coin's maintenanceMargin is its positions' summed (at its price)
    positions_note: str | None = None  # how to dump the positions (a refusal for want of them says so)
    open_when: tuple = ()  # unified margin: input names whose value not 0 means the coin has an open position
    position_rules: tuple = ()  # unified margin: PositionRule, the product rule that prices each kind of position
    position_asset: FieldPath | None = None  # unified margin: a row's coin its margin counts in (else its settle coin)
    position_mode: FieldPath | None = None  # unified margin: a row's margin mode (only 'cross' rows are summed)
    position_notional: FieldPath | None = None  # unified margin: a row's notional in the valuation currency, summed
    position_account: AccountCheck | None = None  # unified margin: the account's maintenance margin the rows explain
    position_account_notional: AccountCheck | None = None  # unified margin: the account's notional the rows explain


@dataclass(frozen=True)
class PositionRule:
    """Which product rule prices a unified account's position (its maintenance margin and unrealised PnL at a
    price): the positions whose ccxt symbol matches ``symbols`` (a pattern, ``*`` any text: ``*/USDT:USDT``)."""

    symbols: str
    rule: str
    source: str
    note: str | None = None

    def matches(self, symbol: str) -> bool:
        """
        >>> PositionRule("*/USDT:USDT", "bybit/linear-perpetual", "s").matches("BTC/USDT:USDT")
        True
        >>> PositionRule("*/USDT:USDT", "bybit/linear-perpetual", "s").matches("BTC/USDT:USDT-251226")
        False
        """
        return _glob(self.symbols).fullmatch(symbol) is not None


@functools.lru_cache(maxsize=256)
def _glob(symbols: str):
    """The pattern of ``symbols`` (``*`` any text, the rest literal), compiled once (every row of an export asks)."""
    return re.compile(".*".join(re.escape(part) for part in symbols.split("*")))


@dataclass(frozen=True)
class Amount:
    """An amount a margin position gives in one of its pair's two assets: the number at ``amount``, the asset's
    code at ``asset``; ``sign``: how the exchange writes it (``negative``: a liability written below 0)."""

    amount: FieldPath
    asset: FieldPath
    sign: str = "positive"


@dataclass(frozen=True)
class MarginPositions:
    """A spot-margin rule's reading of ``fetch_positions()`` rows that are margin positions on one pair (OKX's
    ``instType`` MARGIN): each row one pair account, what it holds (``held``) and owes (``owed`` and ``interest``)
    in the pair's assets, the exchange's price of the base (``price``), its margin mode (``mode``), and the
    exchange's maintenance margin amount (``maintenance``), whose rate over the liabilities is the position's own
    maintenance rate.  ``select``: (path, value) a row of this kind has."""

    select: tuple
    mode: FieldPath
    price: FieldPath
    held: Amount
    owed: Amount
    source: str
    interest: Amount | None = None
    maintenance: Amount | None = None
    note: str | None = None


SPOT_BALANCE_FIELDS = ("total", "debt", "interest")
"""The snapshot balance fields (verifier/schemas/account.schema.json) a spot-margin reading fills."""

COIN_FIELDS = ("price", "maintenanceMargin")
"""What a unified-margin balance also gives per coin: its price in the rule's valuation currency (e.g. Bybit's
``usdValue / equity``) and the maintenance margin of the positions settled in it, in that currency. Read only for a
coin that holds or owes something."""


@dataclass(frozen=True)
class Agreement:
    """A unified field that must equal the exchange's own value where both are present: ``field`` (ccxt's unified
    numeric Position field) against ``formula`` (text, parsed expression) over the section's inputs, e.g.
    Hyperliquid's ``contracts`` against ``abs(szi)``."""

    field: str
    formula: tuple  # (text, SymPy expression)
    source: str
    note: str | None = None


@dataclass(frozen=True)
class CcxtMapping:
    """A rule's ``ccxt:`` section: the exchanges it reads, position and balance readings, side checks, and what it
    says when a position does not state its margin mode."""

    exchanges: tuple
    inputs: Mapping[str, Input]
    position: Mapping[str, Reading]
    side_checks: tuple
    reported: Input | None  # the exchange's own liquidation price (raw, to tell null from "0" and "")
    balance_inputs: Mapping[str, Input] = field(default_factory=dict)
    balance: Mapping[str, Reading] = field(default_factory=dict)
    margin_mode_missing: str | None = None  # why a position may lack its margin mode, and what to do
    note: str | None = None
    market: Mapping[str, Reading] = field(default_factory=dict)  # catalog field -> the position's own value of it
    unread: Mapping[str, str] = field(default_factory=dict)  # an export field the rule does not read -> why
    balances: SpotBalances | None = None  # spot margin: asset balances from fetch_balance()
    identify: tuple = ()  # FieldPaths every position (or balance, for spot margin) of the exchange's export has
    agreements: tuple = ()  # of Agreement: unified fields the exchange's own fields must agree with
    margin_positions: MarginPositions | None = None  # spot margin: pair accounts from fetch_positions() rows
    reported_none: tuple = ()  # Fractions the exchange writes as its liquidation price where it has none (sentinels)
    tier: Reading | None = None  # the cap of the tier the exchange puts the position in (Bybit's riskLimitValue)

    def identifies(self, item) -> bool | None:
        """Whether ``item`` (a position or a balance dump) carries every identifying path (None: the rule names
        none, or ``item`` has no raw ``info`` to tell by: absent or empty)."""
        if not self.identify or not isinstance(item, dict) or not isinstance(item.get("info"), (dict, list)) \
                or not item["info"]:
            return None
        return all(len(path.resolve(item)[1]) == len(path.steps) for path in self.identify)
