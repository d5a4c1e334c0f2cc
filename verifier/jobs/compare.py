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
from verifier.errors import UsageError
from verifier.read import load_rule
from verifier.read.positions_file import read_positions
from verifier.read.today import today as today_of_check
from verifier.read.whatif import read_price_path


def compare_files(rule, paths, *, balance=None, margin_mode=None, allocations=(), shocks=(), price_paths=(),
                  date=None, today=None, chart: bool = False, explain: bool = False) -> Comparison:
    """Compare the positions of the account files ``paths`` (one user's) under ``rule`` (loaded, a file or an
    id): ``allocations`` and ``shocks`` parsed, ``price_paths`` files of price steps (each one more shock);
    ``explain``: each position's trace in each mode (``closed.explained``)."""
    rule = rule if hasattr(rule, "modes") else load_rule(rule)
    if balance is not None and len(paths) != 1:
        raise UsageError("--balance goes with one ACCOUNT file (a ccxt export); give the others' wallets in them")
    shocks = tuple(shocks) + tuple(read_price_path(path) for path in price_paths)
    # the read boundary: evaluate's reader, so a ccxt export (its pools: cross per settlement currency, each isolated
    # position on its own) is compared as it is evaluated
    accounts = [account for path in paths
                for account in read_positions(rule, path, balance, margin_mode, need_positions=True).accounts]
    return compare(rule, accounts, allocations=tuple(allocations), shocks=shocks, date=date,
                   today=today or today_of_check(), chart=chart, explain=explain)


def chart_title(rule) -> str:
    """The title of a comparison's equity chart."""
    return f"{rule.id}: equity left, cross vs isolated"
