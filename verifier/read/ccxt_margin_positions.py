"""Spot-margin pair accounts from ``fetch_positions()`` rows, read as the rule's ``ccxt: margin_positions:`` says.

Some exchanges report a margin loan on one pair as a position, not as balances: OKX's ``/api/v5/account/positions``
lists it with ``instType`` MARGIN, what it holds (``pos`` in ``posCcy``), what it owes (``liab`` in ``liabCcy``,
written below 0, and ``interest``), the mark of the base and the exchange's own maintenance margin amount (``mmr``
in ``ccy``).  ccxt parses it as a Position on the spot symbol (``BTC/USDT``) with the raw payload under ``info``.
Each row is one pair account: its base and quote balances (``total``, ``debt``, ``interest``), the base priced at
the row's own price.  The row's maintenance amount over its liabilities (both valued in the quote) is its own
maintenance rate (``maintenanceMarginPercentage``), which the rule uses before any catalog value.

What the rows do not carry comes from the export object beside them: ``takerFeeRate`` (the account's fee rate,
``{"positions": [...], "takerFeeRate": "0.001"}``).  Nothing is guessed: a row of another product, an asset that
is neither of the pair's, a liability written with the wrong sign, ccxt's ``side`` or ``marginMode`` against the
raw fields, or a margin mode the rule has no mode for, is a located diagnostic at the row's index and field.
"""

from __future__ import annotations

from fractions import Fraction

from verifier.errors import SpecError
from verifier.model.account import Account, AccountSet, Place, Position, Reported
from verifier.model.field_ranges import range_problem
from verifier.model.numbers import decimal_text
from verifier.read.ccxt_unread import Tally
from verifier.read.inputs import NumberError, shown

MARGIN_KEYS = ("positions", "takerFeeRate", "$schema")
"""What an export object of margin positions holds: the fetch_positions() list and what it does not say."""

FLAT = "flat: it holds nothing (ccxt lists closed positions)"


def accounts_from_margin_positions(rule, positions, locator, *, base=(), extra=None, file="<export>") -> AccountSet:
    """The pair accounts of the margin rows of a ``fetch_positions()`` list under ``rule``'s ``ccxt:
    margin_positions:``; ``extra``: the export object's ``takerFeeRate``; raise :class:`SpecError` with every
    problem."""
    from verifier.read.ccxt_export import _Reading, _fit_problems, _schema_problems

    reading = _Reading(locator, tuple(base))
    _schema_problems(positions, reading)
    if not reading.problems:
        _fit_problems(rule, positions, reading)
    fee = _fee(extra or {}, reading)
    accounts, skipped = [], []
    tally = Tally(frozenset(), _raw_paths(rule.ccxt))
    if not reading.problems:
        for index, item in enumerate(positions):
            found = _Row(rule, item, index, reading, fee).read()
            if isinstance(found, str):
                skipped.append((index, item.get("symbol"), found))
            elif found is not None:
                accounts.append(found)
                tally.position(item)
    if reading.problems:
        raise SpecError(f"{file}: {len(reading.problems)} problem(s) in the ccxt export", reading.problems,
                        code=reading.problems[0].code)
    return AccountSet("ccxt", tuple(accounts), tuple(skipped), file, None, tally.result(rule.ccxt.unread))


def _fee(extra, reading):
    if "takerFeeRate" not in extra:
        return None
    place = Place(("positions", "takerFeeRate"))
    value = reading.number(extra["takerFeeRate"], "takerFeeRate", place)
    if value is None:
        return None
    problem = range_problem("takerFeeRate", value)
    if problem:
        reading.error("MV602", f"takerFeeRate is {decimal_text(value)}: it {problem}", place,
                      "ccxt's rates are fractions: 0.001 for 0.1 %")
        return None
    return value, place


def _raw_paths(mapping) -> frozenset:
    from verifier.read.ccxt_export import _path_texts

    spec = mapping.margin_positions
    paths = [spec.select[0], spec.mode, spec.price, *mapping.identify]
    for amount in (spec.held, spec.owed, spec.interest, spec.maintenance):
        if amount is not None:
            paths += [amount.amount, amount.asset]
    if mapping.reported is not None:
        paths.append(mapping.reported.path)
    return frozenset().union(*(_path_texts(path) for path in paths))


class _Row:
    """One row of the export while it is read into a pair account."""

    def __init__(self, rule, item, index, reading, fee):
        self.rule, self.item, self.index, self.reading, self.fee = rule, item, index, reading, fee
        self.spec = rule.ccxt.margin_positions
        self.before = len(reading.problems)

    def place(self, *path) -> Place:
        return self.reading.place(self.index, *path)

    def error(self, code, message, path, hint=None) -> None:
        self.reading.error(code, f"{self.item.get('symbol')}: {message}", self.place(*path), hint)

    def failed(self) -> bool:
        return len(self.reading.problems) > self.before

    def read(self):
        """The pair's :class:`Account`, the reason a flat row is skipped, or None after a problem."""
        spec, item = self.spec, self.item
        kind, found = self._text(spec.select[0])
        if kind != spec.select[1]:
            self.error("MV618", f"{spec.select[0].text} is {shown(kind)}, not {spec.select[1]}: this is not a margin "
                                f"position on a pair", found or ("info",),
                       f"rule {self.rule.id} reads {spec.select[1]} rows; evaluate the others with the rule of "
                       "their product")
            return None
        pair = _pair(item.get("symbol"))
        if pair is None:
            self.error("MV601", f"{shown(item.get('symbol'))} is not a ccxt spot symbol (BASE/QUOTE)", ("symbol",))
            return None
        held = self._amount(spec.held, "held", pair)
        if held is None:
            return None
        if held[1] == 0:
            return FLAT
        owed = self._amount(spec.owed, "owed", pair)
        interest = self._amount(spec.interest, "interest", pair) if spec.interest is not None else None
        maintenance = self._amount(spec.maintenance, "maintenance", pair) if spec.maintenance is not None else None
        mode = self._mode()
        price = self._price()
        if self.failed() or owed is None or mode is None:
            return None
        if owed[0] == held[0] and owed[1]:
            self.error("MV611", f"it holds and owes the same asset ({held[0]}): a margin position owes the other "
                                "asset of its pair", owed[2])
            return None
        side = "long" if held[0] == pair[0] else "short"
        if item.get("side") not in (None, side):
            self.error("MV611", f"side is {shown(item.get('side'))} but it holds {held[0]} (the "
                                f"{'base' if side == 'long' else 'quote'} of {pair[0]}/{pair[1]}): a {side}",
                       ("side",))
            return None
        return self._account(pair, held, owed, interest, maintenance, mode, price)

    # ------------------------------------------------------------------------------------------ fields

    def _text(self, path):
        value, found = path.resolve(self.item)
        return value, found

    def _number(self, path, what):
        """The exact number at ``path`` (None when absent, null or ""), False after an error."""
        raw, found = path.resolve(self.item)
        if isinstance(raw, (dict, list)):
            self.error("MV602", f"{path.text} is {'an object' if isinstance(raw, dict) else 'a list'}, not a number",
                       found)
            return False
        from verifier.read.ccxt_export import number
        try:
            return number(raw)
        except NumberError as exc:
            self.error(exc.limit or "MV602", f"{path.text} ({what}) is {shown(raw)}" + (
                f": {exc.reason}" if exc.limit else ", not a number"), found)
            return False

    def _amount(self, amount, what, pair):
        """(asset, amount as the rule counts it, where) or None after an error; an absent amount is refused."""
        value = self._number(amount.amount, what)
        found = tuple(amount.amount.resolve(self.item)[1])
        if value is False:
            return None
        if value is None:
            if what in ("interest", "maintenance"):
                return None
            self.error("MV600", f"{amount.amount.text} ({what}) is absent", found or ("info",),
                       f"a {'/'.join(self.rule.ccxt.exchanges)} margin position has it ({self.spec.source})")
            return None
        if amount.sign == "negative":
            if value > 0:
                self.error("MV602", f"{amount.amount.text} ({what}) is {decimal_text(value)}: the exchange writes it "
                                    "at or below 0", found)
                return None
            value = -value
        elif value < 0:
            self.error("MV602", f"{amount.amount.text} ({what}) is {decimal_text(value)}, below 0", found)
            return None
        asset, at = self._text(amount.asset)
        if value and asset not in pair:
            self.error("MV611", f"{amount.asset.text} is {shown(asset)}, neither asset of the pair "
                                f"{pair[0]}/{pair[1]}", at or found)
            return None
        return asset, value, found

    def _mode(self):
        raw, found = self._text(self.spec.mode)
        if raw not in ("cross", "isolated"):
            self.error("MV601", f"{self.spec.mode.text} is {shown(raw)}: the margin mode is cross or isolated",
                       found or ("info",))
            return None
        if self.item.get("marginMode") not in (None, raw):
            self.error("MV611", f"marginMode is {shown(self.item['marginMode'])} but {self.spec.mode.text} is "
                                f"{raw!r}", ("marginMode",))
            return None
        if not any(mode.account == raw for mode in self.rule.modes.values()):
            have = ", ".join(sorted({m.account for m in self.rule.modes.values()}))
            self.error("MV601", f"{self.spec.mode.text} is {raw!r}: rule {self.rule.id} has no {raw} mode (it has "
                                f"{have})", found, f"rule {self.rule.id} prices {have} margin positions only")
            return None
        return raw

    def _price(self):
        value = self._number(self.spec.price, "price of the base")
        found = tuple(self.spec.price.resolve(self.item)[1])
        if value is None:
            self.error("MV600", f"{self.spec.price.text} (price of the base) is absent", found or ("info",))
        elif value is not False and value <= 0:
            self.error("MV602", f"{self.spec.price.text} is {decimal_text(value)}, not a price", found)
            return None
        return value if value is not False else None

    # ------------------------------------------------------------------------------------------ the account

    def _account(self, pair, held, owed, interest, maintenance, mode, price) -> Account:
        base, quote = pair
        legs = {base: {"total": Fraction(0), "debt": Fraction(0), "interest": Fraction(0)},
                quote: {"total": Fraction(0), "debt": Fraction(0), "interest": Fraction(0)}}
        places = {base: {}, quote: {}}
        for name, amount in (("total", held), ("debt", owed), ("interest", interest)):
            if amount is None or (amount[1] == 0 and amount[0] not in legs):
                continue
            legs[amount[0]][name] += amount[1]
            places[amount[0]][name] = self.place(*amount[2])
        owed_value = sum((fields["debt"] + fields["interest"]) * (price if asset == base else 1)
                         for asset, fields in legs.items())
        own = {}
        if maintenance is not None and owed_value > 0:
            rate = maintenance[1] * (price if maintenance[0] == base else 1) / owed_value
            problem = range_problem("maintenanceMarginPercentage", rate)
            if problem:
                self.error("MV602", f"{self.spec.maintenance.amount.text} is {decimal_text(maintenance[1])} "
                                    f"{maintenance[0]}: as a rate of the liabilities ({decimal_text(rate)}) it "
                                    f"{problem}", maintenance[2])
                return None
            own["maintenanceMarginPercentage"] = rate
            for asset in pair:
                places[asset]["maintenanceMarginPercentage"] = self.place(*maintenance[2])
        if self.fee is not None:  # the row's own values are the pair account's: each leg carries them
            own["takerFeeRate"] = self.fee[0]
            for asset in pair:
                places[asset]["takerFeeRate"] = self.fee[1]
        price_place = self.place(*self.spec.price.resolve(self.item)[1])
        places[base].update(price=price_place, markPrice=price_place)
        reported = self._reported()
        positions = []
        for asset, fields in ((base, {**legs[base], "price": price, "markPrice": price, **own}),
                              (quote, {**legs[quote], "price": Fraction(1), "markPrice": Fraction(1), **own})):
            net = fields["total"] - fields["debt"] - fields["interest"]
            positions.append(Position(asset, "long" if net >= 0 else "short", fields, self.place(), places[asset],
                                      quote=asset == quote, index=self.index,
                                      reported=reported if asset == base else None,
                                      origins={name: self.spec.source for name in fields}))
        return Account("spot", mode, tuple(positions), quote=quote, symbol=f"{base}/{quote}",
                       file=self.reading.locator.files["positions"].file, locator=self.reading.locator)

    def _reported(self):
        spec = self.rule.ccxt.reported
        if spec is None:
            return None
        raw, found = spec.path.resolve(self.item)
        value = self._number(spec.path, "the exchange's liquidation price")
        if value is False:
            return None
        return Reported(value if value is not None and value > 0 else None, raw, spec.path.text,
                        self.place(*found))


def _pair(symbol):
    """(base, quote) of a ccxt spot symbol; None for anything else.

    >>> _pair("BTC/USDT"), _pair("BTC/USDT:USDT"), _pair("BTCUSDT")
    (('BTC', 'USDT'), None, None)
    """
    if not isinstance(symbol, str) or ":" in symbol or symbol.count("/") != 1:
        return None
    base, quote = symbol.split("/")
    return (base, quote) if base and quote else None
