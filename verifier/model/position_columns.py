"""Positions of many accounts in columns: what a batch reader gives the vectorised evaluation (float64 arrays).

The column form of :class:`~verifier.model.account.AccountSet`: one array per snapshot field (the names the
rule's symbols read, ``contracts``, ``entryPrice``, ``markPrice`` ... after the rule's ``ccxt:`` mapping), NaN
where a position does not give the field, and each position's margin pool (an account's cross positions of one
settlement currency, or its isolated positions: as :mod:`verifier.read.ccxt_export` splits an export).  Positions
are in the input's order, account after account.  A position the reader could not put into floats faithfully is
``flagged``: its account is evaluated by the exact path instead, which also explains any problem.

>>> import numpy as np
>>> columns = PositionColumns.empty()
>>> columns.n, columns.pools
(0, 0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MARGIN_MODES = ("cross", "isolated")
"""A pool's margin mode, by its code in :attr:`PositionColumns.pool_mode`."""


@dataclass
class PositionColumns:
    """The positions of the accounts of one chunk, and their pools."""

    fields: dict  # snapshot field -> float64 array (NaN: the position does not give it)
    side: np.ndarray  # float64: 1 long, -1 short
    market: np.ndarray  # int32: index into ``markets``
    markets: tuple  # the market symbols (ccxt: BTC/USDT:USDT)
    index: np.ndarray  # int64: the position's place in its account's list of positions
    pool: np.ndarray  # int64: index of the position's pool
    flagged: np.ndarray  # bool: read only approximately or not at all in floats: the exact path decides
    reported: np.ndarray | None  # float64: the exchange's liquidation price (NaN: none); None: the input has none
    pool_account: np.ndarray  # int64: the account (index in the chunk) each pool belongs to
    pool_mode: np.ndarray  # int8: index into MARGIN_MODES
    pool_settle: np.ndarray  # int32: index into ``settles`` (-1: an isolated pool)
    settles: tuple
    pool_wallet: np.ndarray  # float64: a cross pool's wallet (NaN: not given)

    @property
    def n(self) -> int:
        return len(self.side)

    @property
    def pools(self) -> int:
        return len(self.pool_account)

    @classmethod
    def empty(cls) -> "PositionColumns":
        none_f, none_i = np.zeros(0), np.zeros(0, dtype=np.int64)
        return cls({}, none_f, np.zeros(0, dtype=np.int32), (), none_i, none_i, np.zeros(0, dtype=bool), None,
                   none_i, np.zeros(0, dtype=np.int8), np.zeros(0, dtype=np.int32), (), none_f)

    def select(self, keep_accounts: np.ndarray) -> "PositionColumns":
        """Only the positions and pools of the accounts where ``keep_accounts`` (bool, by account index) holds;
        account indices are kept (an account left out leaves a gap)."""
        pool_keep = keep_accounts[self.pool_account]
        keep = pool_keep[self.pool]
        renumber = np.cumsum(pool_keep) - 1
        return PositionColumns(
            {name: values[keep] for name, values in self.fields.items()}, self.side[keep], self.market[keep],
            self.markets, self.index[keep], renumber[self.pool[keep]], self.flagged[keep],
            None if self.reported is None else self.reported[keep], self.pool_account[pool_keep],
            self.pool_mode[pool_keep], self.pool_settle[pool_keep], self.settles, self.pool_wallet[pool_keep])
