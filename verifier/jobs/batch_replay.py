"""``--price-path FILE``: a series of mark prices replayed over every pool of a chunk, and the first step at which
each is liquidated.

A price path (``schemas/price-path.schema.json``, read by :func:`verifier.read.whatif.read_price_path`) is a list
of steps, each setting markets' prices outright or moving them from their marks; a step's label names it (a time,
for a replay of history).  At each step every position's mark is the step's price of its market, and each pool's
status is the rule's own conditions there (tier rows at the new mark, the ``others:`` sums again): the first step
at which a pool's status is ``liquidation`` is its first liquidation.  Positions are not closed along the way: the
question is when each account is first liquidated, not what follows.

Pools floats cannot judge at a step (a value undecidable there) are replayed by the exact path, step by step, like
the accounts the exact path evaluated.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import numpy as np

from verifier.errors import VerifierError
from verifier.jobs.batch_exact import exact_account
from verifier.jobs.evaluate import evaluate_accounts
from verifier.model.account import AccountSet


def step_prices(shock, symbols) -> tuple:
    """(outright price, factor on the mark) per market of ``symbols`` and step: NaN where the step sets none."""
    outright = np.full((len(symbols), len(shock.steps)), np.nan)
    factor = np.ones((len(symbols), len(shock.steps)))
    for m, symbol in enumerate(symbols):
        for t, step in enumerate(shock.steps):
            if symbol in step.prices:
                outright[m, t] = float(step.prices[symbol])
            else:
                factor[m, t] = float(step.price(symbol, Fraction(1)))  # a move is linear in the mark
    return outright, factor


def replay_chunk(rule, rule_columns, chunk, rows, fast, exact, options, today) -> int:
    """Fill the pools' first liquidation (step and label) in ``rows`` and in each exact account's record; the
    number of pools liquidated on the way."""
    shock = options.price_path
    labels = [step.label for step in shock.steps]
    cols = chunk.columns
    first = np.full(cols.pools, -1, dtype=np.int64)
    unsure = np.zeros(cols.pools, dtype=bool)
    pools_of_fast = fast[cols.pool_account]
    if pools_of_fast.any():
        outright, factor = step_prices(shock, cols.markets)
        mark = cols.fields.get("markPrice", np.full(cols.n, np.nan))
        code = cols.market
        for t in range(len(shock.steps)):
            marks = np.where(np.isnan(outright[code, t]), mark * factor[code, t], outright[code, t])
            hit, undecided = rule_columns.liquidated(cols, marks)
            first = np.where((first < 0) & hit & ~unsure, t, first)
            unsure |= undecided & (first < 0)
            if ((first >= 0) | unsure | ~pools_of_fast).all():
                break
    for account in np.unique(cols.pool_account[unsure & pools_of_fast]):
        found = exact_account(rule, chunk.exact(int(account)), options, today)
        steps = exact_first(rule, found["accounts"], shock, options, today)
        pools = np.flatnonzero(cols.pool_account == account)
        for pool, step in zip(pools, steps):
            first[pool] = step if step is not None else -1
    order = rows["pools_idx"]
    step = first[order]
    rows["pools"]["first_liquidation_step"] = np.where(step >= 0, step, np.nan).astype(np.float64)
    import pyarrow as pa

    rows["pools"]["first_liquidation"] = pa.array([labels[s] if s >= 0 else None for s in step], type=pa.string())
    liquidated = int((step >= 0).sum())
    for found in exact.values():
        steps = exact_first(rule, found["accounts"], shock, options, today)
        found["first"] = [(s, labels[s]) if s is not None else (np.nan, None) for s in steps]
        liquidated += sum(s is not None for s in steps)
    return liquidated


def exact_first(rule, accounts: AccountSet, shock, options, today) -> list:
    """Per pool of ``accounts``: the first step at which the exact path says liquidation (None: never)."""
    first = [None] * len(accounts.accounts)
    for t, step in enumerate(shock.steps):
        moved = AccountSet(accounts.format, tuple(_moved(pool, step) for pool in accounts.accounts),
                           accounts.skipped, accounts.file, accounts.balance_file)
        try:
            evaluated = evaluate_accounts(rule, moved, date=options.date, today=today)
        except VerifierError:
            continue  # not decidable at this step (a price the rule cannot use): not a liquidation
        for i, evaluation in enumerate(evaluated.evaluations):
            if first[i] is None and evaluation.status == "liquidation":
                first[i] = t
        if all(f is not None for f in first):
            break
    return first


def _moved(pool, step):
    positions = []
    for position in pool.positions:
        mark = position.fields.get("markPrice")
        if mark is None or position.quote:
            positions.append(position)
            continue
        fields = dict(position.fields)
        fields["markPrice"] = step.price(position.symbol, mark)
        positions.append(dataclasses.replace(position, fields=fields))
    return dataclasses.replace(pool, positions=tuple(positions))
