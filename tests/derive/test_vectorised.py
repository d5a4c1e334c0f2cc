"""The compiled NumPy price agrees with the exact tier-consistent price (Hypothesis property)."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.derive import compile_price, solve_price
from verifier.derive.vectorised import RELATIVE_TOLERANCE
from verifier.read import load_rule

RULE = load_rule("binance/usdm-perpetual")
MARKET = "BTC/USDT:USDT"
COMPILED = compile_price(RULE, "isolated", "liquidation", market=MARKET)
TABLE = RULE.tiers.table(MARKET)


@settings(max_examples=150, deadline=None)
@given(side=st.sampled_from([1, -1]), entry=st.integers(1_000_00, 150_000_00),
       size=st.integers(1, 2_000_000), margin=st.integers(0, 10_000_000_00))
def test_compiled_matches_exact(side, entry, size, margin):
    ep, q, wb = F(entry, 100), F(size, 1000), F(margin, 100)
    exact = solve_price(RULE, "isolated", "liquidation", {"WB": wb, "q": q, "EP": ep, "s": side}, market=MARKET)
    fast = COMPILED({"side": np.array([float(side)]), "entryPrice": np.array([float(ep)]),
                     "contracts": np.array([float(q)]), "contractSize": np.array([1.0]),
                     "collateral": np.array([float(wb)])})[0]
    if exact.price is None:
        near_edge = False
    else:
        basis = q * exact.price
        near_edge = any(abs(basis - row.floor) <= abs(basis) * F(1, 10**8) for row in TABLE.rows)
    if near_edge:
        return  # float rounding may pick the neighbouring bracket right at a boundary
    if exact.price is None:
        assert np.isnan(fast)
    else:
        assert abs(fast - float(exact.price)) <= RELATIVE_TOLERANCE * float(exact.price)


def test_string_sides_and_missing_column():
    import pytest
    from verifier.errors import UsageError
    cols = {"side": np.array(["long", "short"]), "entryPrice": np.array([60000.0, 60000.0]),
            "contracts": np.array([1.0, 1.0]), "contractSize": np.array([1.0, 1.0]),
            "collateral": np.array([1000.0, 1000.0])}
    out = COMPILED(cols)
    assert out[0] < 60000 < out[1]
    del cols["collateral"]
    with pytest.raises(UsageError):
        COMPILED(cols)
