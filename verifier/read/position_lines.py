"""A JSON-lines file of ccxt exports (one account a line, as ``evaluate`` reads it) in :class:`Chunk`\\ s of columns.

Each line is read exactly, as ``evaluate`` reads it (:func:`verifier.read.positions_file.line_documents` under the
reading layer's limits, then the rule's ``ccxt:`` mapping; every problem located at the line); the pools it gives are then put in float columns.  A line that is not an
account is that account's error, with its line number and, when the line gives one, its id (the export object's
``id`` key, or the key ``id_field`` names; a bare ``fetch_positions()`` list, or a line that is not JSON, has
none).  Ids are kept as text.

>>> from verifier.read import load_rule
>>> chunks = list(line_chunks(load_rule("hyperliquid/perpetual"), "tests/fixtures/batch/accounts.jsonl"))
>>> [(c.accounts, c.columns.n, sorted(c.errors)) for c in chunks]
[(3, 3, [1])]
>>> chunks[0].ids, chunks[0].where
(['a1', None, 'a3'], [1, 2, 3])
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from verifier.errors import VerifierError
from verifier.model.position_columns import MARGIN_MODES, PositionColumns
from verifier.read.batch_input import Chunk, with_account
from verifier.read.positions_file import account_of_line, line_documents


def line_chunks(rule, path, *, chunk_rows: int = 100_000, id_field: str = "id", margin_mode=None, first: int = 0):
    """The file's accounts in chunks of about ``chunk_rows`` positions (accounts whole); ``first``: the ordinal
    of its first account."""
    file = str(path)
    builder = _Builder(file)
    ordinal = first
    for number, document in line_documents(path):
        account_id = _account_id(document, id_field)
        read = account_of_line(rule, document, margin_mode)
        if isinstance(read, VerifierError):
            read = with_account(read, account_id)
        builder.add(ordinal, account_id, number, read)
        ordinal += 1
        if builder.rows >= chunk_rows:
            yield builder.chunk()
            builder = _Builder(file)
    if builder.ordinals:
        yield builder.chunk()


def _account_id(document, id_field: str):
    """The line's account id as text (numbers as written: they are read exactly), or None."""
    data = getattr(document, "data", None)
    raw = data.get(id_field) if isinstance(data, dict) else None
    return None if raw is None else str(raw)


class _Builder:
    """Accounts read exactly, put into columns."""

    def __init__(self, file: str):
        self.file = file
        self.ordinals, self.ids, self.where, self.sets, self.errors = [], [], [], [], {}
        self.flat = 0
        self.rows = 0
        self.fields: dict = {}
        self.side, self.market, self.index, self.pool, self.flagged, self.reported = [], [], [], [], [], []
        self.markets: dict = {}
        self.settles: dict = {}
        self.pool_account, self.pool_mode, self.pool_settle, self.pool_wallet = [], [], [], []
        self.has_reported = False

    def add(self, ordinal, account_id, number, read) -> None:
        account = len(self.ordinals)
        self.ordinals.append(ordinal)
        self.ids.append(account_id)
        self.where.append(number)
        self.sets.append(read if not isinstance(read, VerifierError) else None)
        if isinstance(read, VerifierError):
            self.errors[account] = read
            return
        self.flat += len(read.skipped)
        for pool in read.accounts:
            self._pool(account, pool)

    def _pool(self, account, pool) -> None:
        code = len(self.pool_account)
        self.pool_account.append(account)
        self.pool_mode.append(MARGIN_MODES.index(pool.margin_mode))
        self.pool_settle.append(self.settles.setdefault(pool.settle, len(self.settles)) if pool.settle else -1)
        wallet, hedge = _float(pool.wallet_balance), pool.position_mode == "hedge"
        self.pool_wallet.append(wallet)
        for position in pool.positions:
            if position.quote:
                continue
            row = len(self.side)
            self.side.append(float(position.sign))
            self.market.append(self.markets.setdefault(position.symbol, len(self.markets)))
            self.index.append(position.index if position.index is not None else row)
            self.pool.append(code)
            flagged = hedge or (pool.wallet_balance is not None and not np.isfinite(wallet))
            # the tier its exchange puts it in, which the evaluation uses before the row its value falls in: the
            # exact path, as evaluate (the float columns carry no tier of their own)
            flagged = flagged or position.own_tier is not None
            for name, value in position.fields.items():
                number = _float(value)
                flagged = flagged or (value is not None and not np.isfinite(number))
                self.fields.setdefault(name, {})[row] = number
            reported = position.reported
            if reported is not None:
                self.has_reported = True
            self.reported.append(_float(reported.price) if reported is not None else np.nan)
            self.flagged.append(flagged)
            self.rows += 1

    def chunk(self) -> Chunk:
        n = len(self.side)
        fields = {}
        for name, values in self.fields.items():
            column = np.full(n, np.nan)
            column[list(values)] = list(values.values())
            fields[name] = column
        columns = PositionColumns(
            fields, np.array(self.side, dtype=np.float64), np.array(self.market, dtype=np.int32),
            tuple(self.markets), np.array(self.index, dtype=np.int64), np.array(self.pool, dtype=np.int64),
            np.array(self.flagged, dtype=bool), np.array(self.reported) if self.has_reported else None,
            np.array(self.pool_account, dtype=np.int64), np.array(self.pool_mode, dtype=np.int8),
            np.array(self.pool_settle, dtype=np.int32), tuple(self.settles), np.array(self.pool_wallet))
        sets = self.sets
        return Chunk(columns, self.ordinals, self.ids, self.where, [self.file] * len(self.ordinals), self.errors,
                     self.flat, reader=lambda account: sets[account], kind="lines")


def _float(value) -> float:
    """A Fraction as the nearest float (NaN: none; infinity: too large for a float, which flags the position)."""
    if value is None:
        return np.nan
    try:
        return float(Fraction(value))
    except OverflowError:
        return np.inf
