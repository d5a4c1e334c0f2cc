"""The reference simulator's verdict on one unified cross account, for the tests that hold evaluate's per-position
price against it (tests/verify/test_*_price_simulated.py): the simulator never imports verifier.derive."""

from __future__ import annotations

from collections.abc import Callable

from verifier.simulate import Refused, SimRule, simulator_for


def simulated_liquidation(rule: SimRule, prices: dict, fund: Callable) -> bool:
    """Whether the simulator liquidates account ``U`` (cross, valued in USD at ``prices``) once ``fund(sim)`` has
    put in its balances and derivatives; a refusal because the liquidation condition already holds counts as
    liquidated (any other refusal fails the test)."""
    sim = simulator_for(rule, quote="USD", debug=True)
    sim.add_account("U", "u", "cross")
    sim.set_prices(prices)
    try:
        fund(sim)
    except Refused as refused:
        assert "liquidation condition" in str(refused), refused
        return True
    return sim.evaluate(sim.accounts["U"]).status == "liquidation"
