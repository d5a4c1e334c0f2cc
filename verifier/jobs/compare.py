"""The compare job: one user's positions in cross and in isolated margin, side by side, with shocks run by the
reference simulator (:func:`verifier.compare.compare`).

The account files are read as ``evaluate`` reads them (:func:`verifier.read.positions_file.read_positions`: our
snapshot or a ccxt export, split into its pools), so whatever evaluates, compares.  Shocks and allocations come
parsed (:mod:`verifier.read.whatif` reads ``--shock``/``--allocate`` text); price-path files are read here.

>>> from verifier.read.whatif import parse_shocks
>>> result = compare_files("binance/usdm-perpetual", ["examples/compare/futures-isolated-1000.yaml"],
...                        shocks=parse_shocks("-10%"), date=datetime.date(2026, 11, 28))
>>> result.agrees, [o.last.isolated.liquidated for o in result.outcomes]
(True, [('BTC/USDT:USDT',)])
"""

from __future__ import annotations

import datetime

from verifier.compare import Comparison, compare
from verifier.errors import Diagnostic, UsageError
from verifier.read import load_rule
from verifier.read.positions_file import read_positions
from verifier.read.today import today as today_of_check
from verifier.read.whatif import read_price_path


def compare_files(rule, paths, *, balance=None, margin_mode=None, allocations=(), shocks=(), price_paths=(),
                  date=None, today=None, chart: bool = False, explain: bool = False, unified=None, usd=None,
                  collateral=None) -> Comparison:
    """Compare the positions of the account files ``paths`` (one user's) under ``rule`` (loaded, a file or an
    id): ``allocations`` and ``shocks`` parsed, ``price_paths`` files of price steps (each one more shock);
    ``explain``: each position's trace in each mode (``closed.explained``); ``unified``: a unified rule of the
    same exchange (loaded, a file or an id) for the third column, its coins' USD prices ``usd`` (coin -> price)
    and the coins held besides the positions ``collateral`` (coin -> amount)."""
    rule = rule if hasattr(rule, "modes") else load_rule(rule)
    if unified is not None:
        unified = unified if hasattr(unified, "modes") else load_rule(unified)
        _check_unified(rule, unified)
    if balance is not None and len(paths) != 1:
        raise UsageError("--balance goes with one ACCOUNT file (a ccxt export); give the others' wallets in them")
    shocks = tuple(shocks) + tuple(read_price_path(path) for path in price_paths)
    # the read boundary: evaluate's reader, so a ccxt export (its pools: cross per settlement currency, each isolated
    # position on its own) is compared as it is evaluated
    accounts = [account for path in paths
                for account in read_positions(rule, path, balance, margin_mode, need_positions=True).accounts]
    if unified is None:
        return compare(rule, accounts, allocations=tuple(allocations), shocks=shocks, date=date,
                       today=today or today_of_check(), chart=chart, explain=explain)
    from dataclasses import replace

    from verifier.compare.unified import coins_named, product_shocks, unified_column

    usd, collateral = dict(usd or {}), dict(collateral or {})
    coins = coins_named(shocks, [p.symbol for a in accounts for p in a.positions])
    unknown = sorted(coins - set(usd))
    if unknown:  # a key naming neither a position nor a priced coin: the product check says which are held
        coins -= set(unknown)
    result = compare(rule, accounts, allocations=tuple(allocations), shocks=product_shocks(shocks, coins),
                     date=date, today=today or today_of_check(), chart=chart, explain=explain)
    column = unified_column(rule, unified, result.book, result.wallets, shocks, result.outcomes, usd, collateral,
                            date)
    return replace(result, unified=column)


def _check_unified(rule, unified) -> None:
    """``--unified`` names a unified rule of the product rule's exchange."""
    if not unified.product.unified or unified.exchange != rule.exchange:
        what = "is no unified-margin rule" if not unified.product.unified else \
            f"is a rule of {unified.exchange}, not of {rule.exchange}"
        raise UsageError(f"--unified {unified.id} {what}", [Diagnostic(
            "MV002", f"--unified {unified.id} {what}", file="<command line>",
            hint="a unified rule of the same exchange: bybit/unified-trading-account, binance/portfolio-margin, "
                 "okx/multi-currency-margin")], code="MV002")


def chart_title(rule) -> str:
    """The title of a comparison's equity chart."""
    return f"{rule.id}: equity left, cross vs isolated"
