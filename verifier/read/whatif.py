"""What ``compare`` is asked, read strictly: ``--shock`` and ``--allocate`` values and price-path files.

They become the model's :class:`~verifier.model.whatif.Shock` and :class:`~verifier.model.whatif.Allocation`.
A bad option value is a usage error (MV002, ``<command line>``); a price-path file is checked against
``verifier/schemas/price-path.schema.json`` (MV2xx) and then for moves and prices that leave no price (MV654),
every problem located in the file.

>>> [s.label for s in parse_shocks("-5%, -10%")], parse_shocks("BTC=-20%,ETH=-30%")[0].steps[0].moves[1]
(['-5%', '-10%'], Move(fraction=Fraction(-3, 10), key='ETH'))
>>> parse_allocations(["initial", "BTC/USDT:USDT=1000", "ETH/USDT:USDT=20%"])[2]
Allocation(kind='percent', value=Fraction(1, 5), symbol='ETH/USDT:USDT')
>>> parse_shocks("-10%,BTC=-20%")
Traceback (most recent call last):
...
verifier.errors.UsageError: bad --shock
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from verifier.errors import Diagnostic, SpecError, UsageError
from verifier.model.account import Place
from verifier.model.numbers import exact_text
from verifier.model.whatif import Allocation, Move, PriceStep, Shock
from verifier.read._schema import schema_diagnostics
from verifier.read._yaml import read_file
from verifier.read.inputs import Document, NumberError, exact, shown

_PERCENT = re.compile(r"^\s*([-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+))\s*%\s*$")
_AMOUNT = re.compile(r"^\s*([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*$")
SHOCK_HINT = "a list of moves from the mark, e.g. -5%,-10%,-20% (one shock each), or BTC=-20%,ETH=-30% (one shock " \
             "moving each named market or base asset; the others stay at their marks)"
ALLOCATE_HINT = "initial (the initial margin at the position's leverage), an amount (1000), a share of the cross " \
                "wallet (20%), each for every position or for one: BTC/USDT:USDT=1000"


def _usage(option: str, message: str, hint: str, code: str = "MV002") -> UsageError:
    return UsageError(f"bad {option}", [Diagnostic(code, message, file="<command line>", hint=hint)], code=code)


def percent(text: str) -> Fraction | None:
    """``"-2.5%"`` -> Fraction(-1, 40); None when ``text`` is not a percentage; a
    :class:`~verifier.read.inputs.NumberError` when its number is beyond the reading layer's limits.

    >>> percent("+5 %"), percent("5")
    (Fraction(1, 20), None)
    """
    found = _PERCENT.match(text)
    return exact(found.group(1)) / 100 if found else None


# --------------------------------------------------------------------------------------------- --shock


def parse_shocks(text: str, option: str = "--shock") -> tuple:
    """The shocks one ``--shock`` value asks for: one per uniform move, or one moving the markets it names."""
    parts = [part.strip() for part in text.split(",")]
    if not all(parts):
        raise _usage(option, f"{option} {shown(text)} has an empty entry", SHOCK_HINT)
    keyed = ["=" in part for part in parts]
    if any(keyed) and not all(keyed):
        raise _usage(option, f"{option} {shown(text)} mixes moves of every market with moves of named markets",
                     SHOCK_HINT + "; give them as two --shock options")
    if not any(keyed):
        return tuple(Shock(part, (PriceStep(part, moves=(Move(_move(part, option, text)),)),)) for part in parts)
    moves, seen = [], set()
    for part in parts:
        key, _, value = (p.strip() for p in part.rpartition("="))
        if not key or key in seen:
            raise _usage(option, f"{option} {shown(text)}: " + (f"{shown(key)} is named twice" if key else
                                                           f"{shown(part)} names no market"), SHOCK_HINT)
        seen.add(key)
        moves.append(Move(_move(value, option, text), key))
    label = ", ".join(f"{m.key} {_signed(m.fraction)}" for m in moves)
    return (Shock(label, (PriceStep(label, moves=tuple(moves)),)),)


def _move(value: str, option: str, text: str) -> Fraction:
    try:
        fraction = percent(value)
    except NumberError as exc:
        raise _usage(option, f"{option} {shown(text)}: the move {exc.reason}", SHOCK_HINT,
                     exc.limit or "MV002") from None
    if fraction is None:
        raise _usage(option, f"{option} {shown(text)}: {shown(value)} is not a percentage", SHOCK_HINT)
    if fraction <= -1:
        raise _usage(option, f"{option} {shown(text)}: a move of {value.strip()} leaves no price (prices stay above 0)",
                     "a fall is less than -100%")
    return fraction


def _signed(fraction: Fraction) -> str:
    """-1/10 -> '-10%', 1/20 -> '+5%'."""
    return ("+" if fraction > 0 else "") + exact_text(fraction * 100) + "%"


# --------------------------------------------------------------------------------------------- --allocate


def parse_allocations(texts) -> tuple:
    """Every ``--allocate`` value (each a comma list): at most one default, at most one entry per market."""
    out, defaults, symbols = [], 0, set()
    for text in texts:
        for part in (p.strip() for p in text.split(",")):
            symbol, _, value = part.rpartition("=")
            symbol = symbol.strip() or None
            if symbol is None and "=" in part:
                raise _usage("--allocate", f"--allocate {shown(part)} names no market", ALLOCATE_HINT)
            allocation = _allocation(value.strip(), symbol, text)
            if symbol is None:
                defaults += 1
                if defaults > 1:
                    raise _usage("--allocate", "--allocate gives two defaults (values for every position)",
                                 "give one default and per-market values: --allocate initial,BTC/USDT:USDT=1000")
            elif symbol in symbols:
                raise _usage("--allocate", f"--allocate names {symbol} twice", ALLOCATE_HINT)
            else:
                symbols.add(symbol)
            out.append(allocation)
    return tuple(out)


def _allocation(value: str, symbol: str | None, text: str) -> Allocation:
    if value == "initial":
        return Allocation("initial", None, symbol)
    try:
        share = percent(value)
        amount = exact(value) if share is None and _AMOUNT.match(value) else None
    except NumberError as exc:
        raise _usage("--allocate", f"--allocate {shown(text)}: the number {exc.reason}", ALLOCATE_HINT,
                     exc.limit or "MV002") from None
    if share is not None:
        if not 0 < share <= 1:
            raise _usage("--allocate", f"--allocate {shown(text)}: a share of the cross wallet must be above 0% and at "
                                       "most 100%", ALLOCATE_HINT)
        return Allocation("percent", share, symbol)
    if amount is None or amount <= 0:
        raise _usage("--allocate", f"--allocate {shown(text)}: {shown(value)} is not 'initial', an amount above 0 "
                                   "or a percentage", ALLOCATE_HINT)
    return Allocation("amount", amount, symbol)


# --------------------------------------------------------------------------------------------- price paths


@dataclass(frozen=True)
class _Locator:
    """Turns a :class:`Place` of a price-path file into a located diagnostic."""

    document: Document

    def diagnostic(self, code, message, place, hint=None) -> Diagnostic:
        return self.document.diagnostic(code, message, place.key, hint=hint)


def read_price_path(path) -> Shock:
    """Read and check a price-path file; raise :class:`SpecError` carrying every located problem."""
    return price_path_from_document(read_file(path), Path(str(path)).stem)


def price_path_from_document(document: Document, name: str = "path") -> Shock:
    """The :class:`Shock` a read price-path document describes."""
    if not isinstance(document.data, dict):
        problems = [document.diagnostic("MV203", "a price path is a mapping with 'steps'", ())]
    else:
        problems = schema_diagnostics(document, "price-path") or _value_problems(document)
    if problems:
        raise SpecError(f"{document.file}: {len(problems)} problem(s) in the price path", problems,
                        code=problems[0].code)
    data = document.data
    steps = tuple(_step(item, ("steps", i)) for i, item in enumerate(data["steps"]))
    return Shock(data.get("path", name), steps, source=document.file, locator=_Locator(document))


def _moves(item) -> tuple:
    move = item.get("move")
    if move is None:
        return ()
    if isinstance(move, str):
        return (Move(percent(move)),)
    return tuple(Move(percent(value), key) for key, value in move.items())


def _price(value) -> Fraction:
    return exact(value)


def _step(item: dict, path: tuple) -> PriceStep:
    moves = _moves(item)
    prices = {symbol: _price(value) for symbol, value in item.get("prices", {}).items()}
    label = item.get("label") or ", ".join(
        [f"{m.key or 'all'} {_signed(m.fraction)}" for m in moves]
        + [f"{s} {exact_text(p)}" for s, p in prices.items()])
    return PriceStep(label, moves, prices, Place(path))


def _value_problems(document: Document) -> list:
    """Numbers beyond the reading layer's limits, moves of -100 % or less and prices not above 0: they leave no
    price."""
    out = []

    def read(how, value, path):
        try:
            return how(value)
        except NumberError as exc:
            out.append(document.diagnostic(exc.limit or "MV602", f"{shown(value)}: the number {exc.reason}", path))
            return None

    for i, item in enumerate(document.data["steps"]):
        move = item.get("move")
        entries = {(): move} if isinstance(move, str) else {(key,): value for key, value in (move or {}).items()}
        for key, value in entries.items():
            fraction = read(percent, value, ("steps", i, "move") + key)
            if fraction is not None and fraction <= -1:
                out.append(document.diagnostic("MV654", f"a move of {value.strip()} leaves no price",
                                               ("steps", i, "move") + key, hint="a fall is less than -100%"))
        for symbol, value in item.get("prices", {}).items():
            price = read(_price, value, ("steps", i, "prices", symbol))
            if price is not None and price <= 0:
                out.append(document.diagnostic("MV654", f"the price of {symbol} must be above 0",
                                               ("steps", i, "prices", symbol)))
    return out


# --------------------------------------------------------------------------------------------- --usd, --collateral

COIN_HINT = "a comma list of COIN=AMOUNT, e.g. USDT=1,BTC=60000 (--usd: each coin's USD index price) or BTC=0.5 " \
            "(--collateral: each coin held besides the positions)"


def parse_coin_amounts(texts, option: str, positive: bool) -> dict:
    """coin -> exact amount of every ``option`` value (comma lists of COIN=AMOUNT): a coin at most once, each
    amount a decimal (``positive``: above 0, else at least 0).

    >>> parse_coin_amounts(["USDT=1", "BTC=60000.5"], "--usd", True)
    {'USDT': Fraction(1, 1), 'BTC': Fraction(120001, 2)}
    """
    out = {}
    for text in texts:
        for part in (p.strip() for p in text.split(",")):
            coin, _, value = (x.strip() for x in part.partition("="))
            if not coin or not value or coin in out:
                raise _usage(option, f"{option} {shown(text)}: " + (f"{shown(coin)} is named twice" if coin in out
                                                                  else f"{shown(part)} is not COIN=AMOUNT"), COIN_HINT)
            if not _AMOUNT.match(value):
                raise _usage(option, f"{option} {shown(text)}: {shown(value)} is not a decimal amount", COIN_HINT)
            try:
                amount = exact(value)
            except NumberError as exc:
                raise _usage(option, f"{option} {shown(text)}: {coin} {exc.reason}", COIN_HINT,
                             exc.limit or "MV002") from None
            if positive and amount <= 0:
                raise _usage(option, f"{option} {shown(text)}: the price of {coin} is {value}, not above 0", COIN_HINT)
            out[coin] = amount
    return out
