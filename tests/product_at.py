"""A product position's maintenance margin and unrealised PnL at a price, by the product rule's own definitions over
the reference simulator's binding (``verifier.simulate``; no derive): the independent side of the unified
per-position price tests (tests/verify/test_*position_price_simulated.py)."""

from __future__ import annotations

from fractions import Fraction as F

import sympy

from verifier.simulate import SimRule


_MODES: dict = {}  # (id of the product rule, date) -> (the rule, its cross mode as the simulator binds it)


def _cross_mode(product, date):
    kept = _MODES.get((id(product), date))
    if kept is None or kept[0] is not product:  # rules are not hashable: kept by identity
        kept = _MODES[(id(product), date)] = (product, SimRule(product, date).mode("cross"))
    return kept[1]


def product_at(product, date, symbol, x, side, size, entry, contract_size=F(1), names=("maintenance_margin", "upnl"),
               extra=None) -> tuple:
    """(maintenance margin, upnl) of a ``side`` position of ``size`` contracts (of ``contract_size``, leverage 10)
    entered at ``entry``, at price ``x``: its tier row the one at ``x``, as the simulator binds it.  ``names``: the
    definitions given instead; ``extra``: position fields added or replaced (e.g. a rate the row carries)."""
    fields = {"contracts": size, "contractSize": contract_size, "entryPrice": entry, "markPrice": x, "leverage": F(10),
              "side": 1 if side == "long" else -1, **(extra or {})}
    values = _cross_mode(product, date).position_values(fields, symbol)
    rationals = {s: sympy.Rational(v.numerator, v.denominator) for s, v in values.items()}
    out = []
    for name in names:
        value = product.mode("cross").definitions[name].expr.xreplace(rationals)
        numerator, denominator = sympy.fraction(value)
        out.append(F(int(numerator), int(denominator)))
    return tuple(out)
