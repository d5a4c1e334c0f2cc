"""Which rule reads a ccxt export: the exchange by the raw fields its positions carry, the product by the symbol.

ccxt's unified fields look the same for every exchange; its raw ``info`` does not.  A rule's ``ccxt:`` section
names the paths every position of its exchange carries (``identify``: Binance's ``info.positionAmt``,
Hyperliquid's ``info.position.szi``), and a ccxt symbol says what kind of market it is (``BASE/QUOTE:SETTLE``:
linear when it settles in the quote, inverse when in the base; no settlement: spot).  An export of another
exchange or product is refused (MV618) naming the rules in force that fit it, found by a light read of the rule
files (their ``exchange``, ``product`` and ``ccxt.identify``; nothing is built), only when one does not fit.

>>> symbol_kind("BTC/USDT:USDT"), symbol_kind("BTC/USD:BTC"), symbol_kind("BTC/USDT"), symbol_kind("ETHUSD")
('linear', 'inverse', 'spot', None)
>>> symbol_kind("BTC/USDT:USDT-240927")
'linear'
"""

from __future__ import annotations

import functools

from verifier.model.ccxt_mapping import FieldPath, PathSyntaxError


def symbol_kind(symbol) -> str | None:
    """``linear``, ``inverse`` or ``spot`` as a ccxt unified symbol says; None for an exchange id ccxt could not
    resolve to a unified symbol (no ``/``)."""
    if not isinstance(symbol, str) or "/" not in symbol:
        return None
    pair, _, rest = symbol.partition(":")
    base, _, quote = pair.partition("/")
    if not rest:
        return "spot"
    settle = rest.split("-")[0]
    return "inverse" if settle == base and settle != quote else "linear"


def _catalogue() -> tuple:
    """(rule id, exchange, market type, identifying paths, whether it reads positions) of every rule in force with a
    ``ccxt:`` section (read once per set of user rule folders: a test or a caller that changes ``--rules`` sees its
    own rules)."""
    from verifier.read.rule_sources import user_folders

    return _catalogue_of(tuple(str(folder) for folder in user_folders()))


@functools.lru_cache(maxsize=8)
def _catalogue_of(folders: tuple) -> tuple:
    from pathlib import Path

    from verifier.model.products import Product
    from verifier.read._yaml import DocumentError, read_file
    from verifier.read.rule_sources import rule_files_in_force

    found = []
    for path, rule_id, _ in rule_files_in_force([Path(folder) for folder in folders]):
        try:
            data = read_file(path).data
        except DocumentError:
            continue
        section = data.get("ccxt") if isinstance(data, dict) else None
        if not isinstance(section, dict):
            continue
        try:
            paths = tuple(FieldPath.parse(text) for text in section.get("identify", ()))
            kind = Product(data.get("product")).market_type
        except (PathSyntaxError, ValueError, TypeError):
            continue
        reads_positions = "position" in section or "margin_positions" in section
        found.append((rule_id, data.get("exchange"), kind, paths, reads_positions))
    return tuple(found)


def fitting_rules(item, kind: str | None, exclude: str | None = None) -> list[str]:
    """The rules in force whose identifying paths ``item`` (a position, or a balance dump) carries and, when
    ``kind`` is known, whose product trades that kind of market (``exclude``: the rule that did not fit)."""
    out = []
    for rule_id, _, market_type, paths, _ in _catalogue():
        if rule_id == exclude or not paths:
            continue
        if all(len(path.resolve(item)[1]) == len(path.steps) for path in paths) and kind in (None, market_type):
            out.append(rule_id)
    return out


def same_exchange_rules(exchange: str, kind: str, exclude: str | None = None, positions: bool = False) -> list[str]:
    """The rules in force of ``exchange`` for ``kind`` markets (the product a symbol of another kind needs);
    ``positions``: only those that read ``fetch_positions()`` rows (not a spot-margin rule reading balances)."""
    return [rule_id for rule_id, rule_exchange, market_type, _, reads in _catalogue()
            if rule_exchange == exchange and market_type == kind and rule_id != exclude and (reads or not positions)]
