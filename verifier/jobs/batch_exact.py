"""One account through the exact path, for the batch: the evaluate job's answer with each pool's equity, as the
batch's pool table reports it (what the float path is checked against, and what answers the accounts floats
cannot)."""

from __future__ import annotations

from fractions import Fraction

from verifier.derive.account.definitions import position_definitions
from verifier.errors import VerifierError
from verifier.jobs.evaluate import evaluate_accounts


def exact_account(rule, accounts, options, today) -> dict:
    """An account through the evaluate job: its pools' and positions' rows (exact values, as floats later)."""
    evaluated = evaluate_accounts(rule, accounts, date=options.date, today=today, tolerance=options.tolerance,
                                  rtol=options.rtol)
    pools = []
    for pool, evaluation in zip(accounts.accounts, evaluated.evaluations):
        pools.append((pool, evaluation, pool_equity(rule, pool, evaluation, options.date or today)))
    return {"accounts": accounts, "evaluated": evaluated, "pools": pools,
            "reconciled": any(p.reported is not None for p in accounts.positions)}


def pool_equity(rule, pool, evaluation, date):
    """A pool's equity exactly: cross, the wallet plus each position's upnl; isolated, the sum of the positions'
    equity (None where the rule does not define it or an input is missing)."""
    if evaluation.margin_mode == "cross":
        pnl = [p.unrealized_pnl for p in evaluation.positions]
        if pool.wallet_balance is None or None in pnl:
            return None
        return pool.wallet_balance + sum(pnl, Fraction(0))
    try:
        values = position_definitions(rule, pool, ("equity",), date)
    except VerifierError:
        return None
    parts = [v.get("equity") for v in values]
    return None if None in parts else sum(parts, Fraction(0))
