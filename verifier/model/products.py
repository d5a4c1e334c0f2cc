"""Product kinds: the one place that says what 'inverse', 'spot' and 'futures' mean.

A :class:`Product` is a ``str`` (``rule.product == "spot-margin"`` holds), so text, JSON and the schema's enum
keep working; the properties answer what code used to work out from the text or from the collateral unit.

>>> Product("inverse-perpetual").inverse, Product("spot-margin").spot, Product("linear-future").futures
(True, True, True)
>>> f"{Product.SPOT_MARGIN}", Product.SPOT_MARGIN == "spot-margin"
('spot-margin', True)
>>> Product("unified-margin").spot, Product("unified-margin").unified, Product("spot-margin").unified
(True, True, False)
"""

from __future__ import annotations

import enum


class Product(enum.StrEnum):
    """What a rule is for, as the rule file's ``product`` says (the schema lists the same values)."""

    LINEAR_PERPETUAL = "linear-perpetual"
    INVERSE_PERPETUAL = "inverse-perpetual"
    LINEAR_FUTURE = "linear-future"
    INVERSE_FUTURE = "inverse-future"
    SPOT_MARGIN = "spot-margin"
    UNIFIED_MARGIN = "unified-margin"

    @property
    def inverse(self) -> bool:
        """Contracts quoted in the quote currency but margined and settled in the base asset (coin-margined)."""
        return self in (Product.INVERSE_PERPETUAL, Product.INVERSE_FUTURE)

    @property
    def spot(self) -> bool:
        """The rule's positions are the account's coins (assets held and loans owed), not contracts: spot margin,
        and unified margin, whose derivatives enter each coin through the margin they hold (docs/unified-margin.md)."""
        return self in (Product.SPOT_MARGIN, Product.UNIFIED_MARGIN)

    @property
    def unified(self) -> bool:
        """Unified (portfolio, multi-currency) margin: every coin counts at its collateral ratio, all products share
        one account margin rate."""
        return self is Product.UNIFIED_MARGIN

    @property
    def futures(self) -> bool:
        """Perpetual or dated futures contracts (linear or inverse)."""
        return not self.spot

    @property
    def market_type(self) -> str:
        """The kind of market the product trades, as ccxt and the market catalog name it: ``linear``, ``inverse``
        or ``spot`` (:data:`verifier.model.market.MARKET_TYPES`).

        >>> Product("inverse-future").market_type, Product("spot-margin").market_type
        ('inverse', 'spot')
        """
        return "spot" if self.spot else "inverse" if self.inverse else "linear"

    @property
    def collateral_unit(self) -> str:
        """The unit margin is counted in: the base asset for inverse products, the quote currency otherwise."""
        return "base" if self.inverse else "quote"
