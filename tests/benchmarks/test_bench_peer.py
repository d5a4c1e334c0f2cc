"""benchmarks/bench_peer.py: what its figures rest on, on a small workload (no timing is asserted).

The float formula it uses to classify differences (and as the baseline without freqtrade) must give freqtrade's
price bit for bit; every difference between freqtrade's conventions and our exact price must fall in a named class
(none in 'other'); the generated positions must be the same decimals on the exact and float sides.
"""

from __future__ import annotations

import importlib.util
import sys
from fractions import Fraction
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_peer", ROOT / "benchmarks" / "bench_peer.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def work(bench):
    from verifier.read import load_rule

    work = bench.generate(load_rule(bench.RULE), isolated=300, accounts=12, markets=8, seed=5)
    bench.prepare(work)
    work.exact_isolated = bench.evaluate_isolated(work)
    work.exact_cross = bench.evaluate_cross(work)
    return work


def test_positions_are_the_same_decimals_as_floats_and_exact(work):
    for p in work.isolated + work.cross_positions:
        assert all(Fraction(repr(f)) == v for f, v in zip(p.floats, (p.contracts, p.entry, p.mark, p.margin)))
        assert work.tables[p.symbol].rows[0].floor <= p.contracts * p.entry  # a size in the market's table
        assert 1 <= p.leverage <= _max_leverage(work, p)


def _max_leverage(work, p):
    row = next(r for r in work.tables[p.symbol].rows if r.number == p.bracket)
    return min(20, int(row.values["max_leverage"]))


def test_exact_paths_give_evaluate_s_prices(bench, work):
    assert bench.liquidation_price_isolated(work) == work.exact_isolated
    vectorised = bench.vectorised_isolated(work)
    assert sum(bench.agrees(v, e, False) for v, e in zip(vectorised, work.exact_isolated)) == len(vectorised)


def test_every_difference_has_a_named_class(bench, work):
    counts, _, others = bench.classify_isolated(work, bench.formula_isolated(work))
    assert others == [] and counts["other"] == 0 and sum(counts.values()) == len(work.isolated)
    assert counts["agree"] and counts["bracket"] and counts["no price"]  # the workload shows each kind
    counts, others = bench.classify_cross(work, bench.formula_cross(work))
    assert others == [] and sum(counts.values()) == len(work.cross_positions)


def test_the_classes_are_computed_not_assumed(bench, work):
    # our exact price, recomputed in floats with our bracket, is what the 'bracket' class compares with
    p, ours = next((p, e) for p, e in zip(work.isolated, work.exact_isolated) if e is not None)
    assert bench.agrees(bench.replica_isolated(work, p, bench.our_row(work, p, ours)), ours, False)
    # a short's PnL counted unsigned is a loss where it is a profit: the two conventions differ
    account = next(a for a in work.accounts if len(a.positions) > 1 and any(p.sign < 0 and p.mark < p.entry
                                                                            for p in a.positions[1:]))
    assert bench.replica_cross(work, account, 0) != bench.replica_cross(work, account, 0, signed=True)


def test_the_float_formula_is_freqtrade_s_calculation(bench, work):
    pytest.importorskip("freqtrade")
    work.peer = bench.Peer()
    same, differ = work.peer.tiers_equal(work)
    work.peer.use_our_tiers(work, differ)  # (none for freqtrade 2026.9: the catalog's 2026-09-29 brackets are its file)
    assert bench.freqtrade_isolated(work) == bench.formula_isolated(work)
    assert bench.freqtrade_cross(work) == bench.formula_cross(work)
