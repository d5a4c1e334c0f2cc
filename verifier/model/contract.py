"""The names Python relies on in rules: the one list, what each means, its unit and who reads it.

Rules are data, but a few names in them are read by code: the simulator decides liquidation by the condition
called ``liquidation``, ``evaluate`` reports the definition called ``maintenance_margin``, and so on.  This
module lists every such name; :mod:`verifier.read` checks them when a rule is loaded (MV424: declared as the
wrong kind or in the wrong unit; MV425: missing where the product kind requires it), so a rule that would make
a later stage misread it is refused with a located error instead.

Units are relative to the rule: ``collateral`` is the rule's collateral unit (base for inverse products, quote
otherwise), ``1`` is dimensionless, ``base`` is the traded asset.

>>> CONTRACT["maintenance_margin"].unit, CONTRACT["liquidation"].required_for(Product.SPOT_MARGIN)
('collateral', True)
>>> [n.name for n in CONTRACT.values() if n.kind == "condition"]
['liquidation', 'margin_call', 'bankruptcy', 'transfer_out_allowed', 'borrow_allowed']
"""

from __future__ import annotations

from dataclasses import dataclass

from verifier.formula import DIMENSIONLESS, Unit, parse_unit
from verifier.model.products import Product

KINDS = ("condition", "definition", "parameter")


@dataclass(frozen=True)
class ContractName:
    """One name code reads: its kind, meaning, unit (None for a condition), readers, and which products need it."""

    name: str
    kind: str
    meaning: str
    unit: str | None
    read_by: tuple
    required: str | None = None  # None: optional; "all": every mode of every rule; "futures": every futures mode

    def required_for(self, product: Product) -> bool:
        """Whether every mode of a rule for ``product`` must have this name."""
        return self.required == "all" or (self.required == "futures" and product.futures)

    def unit_in(self, collateral_unit: Unit) -> Unit | None:
        """The unit this name must have in a rule whose collateral unit is ``collateral_unit``."""
        if self.unit is None:
            return None
        if self.unit == "collateral":
            return collateral_unit
        return DIMENSIONLESS if self.unit == "1" else parse_unit(self.unit)


_NAMES = (
    ContractName("liquidation", "condition",
                 "the position (account, in cross) is liquidated when it holds; its comparison operator is the "
                 "boundary, and it is solved for the price to give the liquidation price",
                 None, ("simulate", "derive", "verify", "docs"), required="all"),
    ContractName("margin_call", "condition", "a margin call is sent when it holds (and liquidation does not)",
                 None, ("simulate", "derive", "docs")),
    ContractName("bankruptcy", "condition",
                 "the collateral is used up when it holds; solved for the price to give the bankruptcy price",
                 None, ("verify",)),
    ContractName("transfer_out_allowed", "condition",
                 "assets may be transferred or withdrawn out of the account only while it holds",
                 None, ("simulate",)),
    ContractName("borrow_allowed", "condition", "a loan may be taken only while it holds (spot margin)",
                 None, ("simulate",)),
    ContractName("maintenance_margin", "definition", "the margin a position must keep; reported by evaluate",
                 "collateral", ("derive", "verify")),
    ContractName("upnl", "definition",
                 "unrealised profit and loss of the position at the mark price; realised into the wallet on close",
                 "collateral", ("simulate", "derive", "verify"), required="futures"),
    ContractName("equity", "definition", "what the position's (or account's) collateral is worth, as its "
                 "conditions compare it", "collateral", ("docs",)),
    ContractName("margin_level", "definition", "the ratio the margin-call and liquidation thresholds compare "
                 "(spot margin: assets over liabilities)", "1", ("simulate", "derive", "docs")),
    ContractName("initial_margin", "definition",
                 "the margin a position commits at its leverage: a cross position's share of the wallet (the "
                 "simulator), an isolated position's margin at entry (compare's default allocation)",
                 "collateral", ("simulate", "compare"), required="futures"),
    ContractName("liquidation_fee", "definition", "the fee charged when the position is liquidated",
                 "collateral", ("simulate",)),
    ContractName("notional", "definition", "the position's value at the price tested",
                 "collateral", ("simulate", "verify", "compare"), required="futures"),
    ContractName("collateral_value", "definition",
                 "a unified-margin coin's equity after its haircut (collateral ratio): its part of the account's "
                 "margin balance; summed over the other coins by an others-symbol", "collateral", ("verify",)),
    ContractName("haircut", "definition",
                 "a unified-margin coin's haircut: its equity less its collateral value (the property comparing the "
                 "unified account with the same positions in cross margin gives it back)", "collateral", ("verify",)),
    ContractName("liquidation_level", "parameter",
                 "the margin level a spot-margin mode liquidates at; an isolated pair of a ccxt balance whose own "
                 "liquidation rate it is gets that mode", "1", ("read",)),
)

CONTRACT: dict[str, ContractName] = {entry.name: entry for entry in _NAMES}
"""name -> :class:`ContractName`, for every name Python code reads in a rule."""
