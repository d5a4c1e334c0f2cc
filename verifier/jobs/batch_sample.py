"""``--check-sample N``: N accounts the float path priced, re-priced by the exact path and held against it.

The sample is the N accounts with the smallest hash of (seed, the account's place in the input): a bottom-k
sample, so it is the same whatever the chunking or the engine (each Dask partition keeps its own N smallest and
the run keeps the N smallest of those), and each account is re-priced when it is met, while its chunk is in
memory.  Every float number is held against the exact one within
:data:`~verifier.derive.columns.RELATIVE_TOLERANCE` of its scale: a price against the mark, an amount against
its pool's gross (wallet plus every notional), a ratio against itself times how much its numerator and
denominator cancel (the pool's gross over each); a status must be equal unless the condition deciding it is
within the tolerance of flipping.

>>> [int(k) for k in sample_keys(7, [0, 1, 2])] == [int(k) for k in sample_keys(7, [0, 1, 2])]
True
>>> bool(sample_keys(7, [5])[0] != sample_keys(8, [5])[0])
True
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np

from verifier.derive.columns import RELATIVE_TOLERANCE, STATUSES
from verifier.errors import VerifierError
from verifier.jobs.batch_exact import exact_account


@dataclass
class Disagreement:
    ordinal: int
    id: object
    what: str
    value: float
    exact: object


@dataclass
class SampleCheck:
    """One sampled account held against the exact path."""

    key: int
    ordinal: int
    id: object
    worst: float = 0.0
    disagreements: list = field(default_factory=list)


class Sample:
    """The N accounts of smallest key met so far, each with its check."""

    def __init__(self, asked: int, seed: int):
        self.asked, self.seed = asked, seed
        self.keys: list = []  # sorted
        self.checks: dict = {}  # key -> SampleCheck
        self.tolerance = RELATIVE_TOLERANCE

    @property
    def threshold(self) -> int:
        return self.keys[-1] if len(self.keys) >= self.asked else 2 ** 64

    def offer(self, check: SampleCheck) -> None:
        if check.key >= self.threshold:
            return
        bisect.insort(self.keys, check.key)
        self.checks[check.key] = check
        while len(self.keys) > self.asked:
            del self.checks[self.keys.pop()]

    @property
    def checked(self) -> int:
        return len(self.keys)

    @property
    def disagreements(self) -> list:
        return [d for key in self.keys for d in self.checks[key].disagreements]

    @property
    def worst(self) -> float:
        return max((self.checks[key].worst for key in self.keys), default=0.0)


def sample_keys(seed: int, ordinals) -> np.ndarray:
    """A 64-bit hash (splitmix64) of each (seed, ordinal): the order accounts are sampled in."""
    with np.errstate(over="ignore"):
        z = np.asarray(ordinals, dtype=np.uint64) + np.uint64(seed % 2 ** 64) * np.uint64(0x9E3779B97F4A7C15)
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def sample_chunk(sample: Sample, rule, chunk, priced, fast, rows, options, today) -> list:
    """Offer the chunk's float-priced accounts whose key is small enough; each is re-priced exactly and checked.
    Returns the checks made (a Dask partition sends them to the client)."""
    accounts = np.flatnonzero(fast)
    if not len(accounts):
        return []
    keys = sample_keys(sample.seed, np.asarray(chunk.ordinals, dtype=np.int64)[accounts])
    order = np.argsort(keys, kind="stable")
    made = []
    for at in order:
        key = int(keys[at])
        if key >= sample.threshold:
            break
        account = int(accounts[at])
        check = SampleCheck(key, chunk.ordinals[account], chunk.ids[account])
        try:
            found = exact_account(rule, chunk.exact(account), options, today)
        except VerifierError as exc:  # floats priced what the exact path refuses: that is a disagreement
            check.disagreements.append(Disagreement(check.ordinal, check.id, f"the exact path refuses it: {exc}",
                                                    float("nan"), None))
            check.worst = float("inf")
        else:
            compare_account(check, chunk, priced, account, found)
            if options.price_path is not None:
                compare_replay(check, rule, chunk, rows, account, found, options, today)
        sample.offer(check)
        made.append(check)
    return made


def compare_account(check: SampleCheck, chunk, priced, account: int, found: dict) -> None:
    """Every number of one account: floats against the exact path's."""
    cols = chunk.columns
    pools = np.flatnonzero(cols.pool_account == account)
    exact_pools = found["pools"]
    if len(pools) != len(exact_pools):
        check.disagreements.append(Disagreement(check.ordinal, check.id, "the number of margin pools",
                                                float(len(pools)), len(exact_pools)))
        check.worst = float("inf")
        return
    tolerance = RELATIVE_TOLERANCE
    for pool, (model_pool, evaluation, equity) in zip(pools, exact_pools):
        gross = float(priced.pool_gross[pool])
        members = np.flatnonzero(cols.pool == pool)
        by_index = {int(cols.index[i]): int(i) for i in members}
        for p in evaluation.positions:
            i = by_index.get(p.index)
            if i is None:
                _disagree(check, f"position {p.index} ({p.symbol}) is missing", float("nan"), p.symbol)
                continue
            where = f"position {p.index} ({p.symbol})"
            _number(check, f"{where} liquidation_price", priced.liquidation_price[i], p.liquidation_price,
                    float(priced.mark[i]))
            _number(check, f"{where} maintenance_margin", priced.maintenance_margin[i], p.maintenance_margin, gross)
            _ratio(check, f"{where} margin_ratio", priced.margin_ratio[i], p.margin_ratio,
                   [part[i] for part in priced.ratio_parts], gross)
            if STATUSES[priced.status[i]] != p.status and priced.gap[i] > tolerance:
                _disagree(check, f"{where} status", STATUSES[priced.status[i]], p.status)
        _number(check, f"pool {evaluation.margin_mode} {evaluation.settle or ''} equity".replace("  ", " "),
                priced.pool_equity[pool], equity, gross)
        mms = [p.maintenance_margin for p in evaluation.positions]
        _number(check, "pool maintenance_margin", priced.pool_maintenance_margin[pool],
                None if None in mms else sum(mms), gross)
        first = members[0] if len(members) else None
        if first is not None and evaluation.margin_ratio is not None:
            _ratio(check, "pool margin_ratio", priced.pool_margin_ratio[pool], evaluation.margin_ratio,
                   [part[first] for part in priced.ratio_parts], gross)
        floats = STATUSES[priced.pool_status[pool]]
        if floats != evaluation.status and np.min(priced.gap[members], initial=np.inf) > tolerance:
            _disagree(check, "pool status", floats, evaluation.status)


def compare_replay(check: SampleCheck, rule, chunk, rows, account: int, found: dict, options, today) -> None:
    """Each pool's first liquidation step along the price path: floats against the exact path, step by step."""
    from verifier.jobs.batch_replay import exact_first

    mine = rows["pools_idx"]
    at = np.flatnonzero(chunk.columns.pool_account[mine] == account)
    floats = rows["pools"]["first_liquidation_step"][at]
    for number, (step, exact) in enumerate(zip(floats, exact_first(rule, found["accounts"], options.price_path,
                                                                    options, today))):
        value = None if step != step else int(step)
        if value != exact:
            _disagree(check, f"pool {number} first liquidation step", value, exact)


def _number(check, what, value, exact, scale) -> None:
    value = float(value)
    if exact is None or value != value:
        if not (exact is None and value != value):
            _disagree(check, what, value, exact)
        return
    reference = max(abs(float(exact)), abs(scale))
    relative = abs(value - float(exact)) / reference if reference else abs(value - float(exact))
    check.worst = max(check.worst, relative)
    if relative > RELATIVE_TOLERANCE:
        _disagree(check, what, value, exact)


def _ratio(check, what, value, exact, parts, gross) -> None:
    """A ratio within the tolerance times how much its parts cancel (the pool's gross over each part)."""
    value = float(value)
    if exact is None or value != value:
        if not (exact is None and value != value):
            _disagree(check, what, value, exact)
        return
    condition = max([1.0] + [gross / abs(p) for p in parts if p and np.isfinite(p)])
    relative = abs(value - float(exact)) / max(abs(float(exact)), 1e-300) / condition
    check.worst = max(check.worst, relative)
    if relative > RELATIVE_TOLERANCE:
        _disagree(check, what, value, exact)


def _disagree(check, what, value, exact) -> None:
    check.disagreements.append(Disagreement(check.ordinal, check.id, what, value, exact))
