"""Step 2 of evaluating an account: what a position's market gives on the evaluation date, resolved once per market.

The position's own fields come first; the rule's market catalog (:mod:`verifier.model.market`), in the version in
force on the evaluation date, fills what the position lacks: ccxt Position fields it shares with ccxt's Market
(``contractSize``), the symbols a rule reads from a market field (``market: maxLeverage``), the tier table, and
the tick prices are rounded to.  A futures position's market must be in the catalog, and of the rule's product kind
(MV606, MV608): a symbol the exchange's data does not list (a typo, another exchange's, an inverse one under a
linear rule) cannot be judged by this rule even where the position gives every value; the error says how to import
it.

>>> from verifier.read import load_rule
>>> market = MarketData.of(load_rule("hyperliquid/perpetual"), "BTC/USDC:USDC", None)
>>> market.field("maxLeverage") > 1, market.tick
(True, None)
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from fractions import Fraction

from verifier.errors import EvaluationError
from verifier.model.market import POSITION_FIELDS
from verifier.model.rule import Display


@dataclass
class MarketData:
    """One market of a rule's catalog as of an evaluation date (``market`` None: the catalog does not list it)."""

    rule_id: str
    catalog: object  # Catalog | None
    tiers: object  # the rule's TierSet | None
    symbol: str
    market: object  # Market | None
    date: _dt.date | None
    _table: object = field(default=None, repr=False)

    @classmethod
    def of(cls, rule, symbol: str, date) -> "MarketData":
        catalog = rule.markets
        return cls(rule.id, catalog, rule.tiers, symbol, catalog.market(symbol) if catalog is not None else None, date)

    _spec: object = field(default=False, repr=False)

    @property
    def spec(self):
        """The market's specification in force on the date, or None (found once)."""
        if self._spec is False:
            self._spec = self.market.spec_at(self.date) if self.market is not None else None
        return self._spec

    def tiers_provenance(self):
        """The provenance of the tier-table version in force on the date (None: none)."""
        version = self.market.tiers_at(self.date) if self.market is not None else None
        return version.provenance if version is not None else None

    @property
    def tick(self):
        spec = self.spec
        return spec.price_tick if spec is not None else None

    def field(self, name: str):
        """The catalog's value of field ``name`` on the date; None when the catalog has none."""
        spec = self.spec
        return spec.fields.get(name) if spec is not None else None

    def tier_table(self):
        """The market's tier table in force on the date; a coded :class:`EvaluationError` (MV606 / MV607) saying
        why when there is none."""
        if self._table is None:
            if self.tiers is None:
                raise EvaluationError(f"rule {self.rule_id} has no tier table", code="MV606")
            self._table = self.tiers.lookup(self.symbol, self.date)
        return self._table

    def leverage_limit(self) -> tuple | None:
        """(the highest leverage the market allows on the date, where the catalog says so), or None when it does
        not say: its ``maxLeverage`` field, else the largest value of its tier table's maximum-leverage column (the
        first bracket's, for the smallest positions)."""
        value = self.field("maxLeverage")
        if value is not None:
            return Fraction(value), "the market catalog's maxLeverage"
        layout = self.catalog.layout if self.catalog is not None else None
        version = self.market.tiers_at(self.date) if self.market is not None else None
        if layout is None or layout.max_leverage is None or version is None:
            return None
        values = [row.values[layout.max_leverage] for row in version.table.rows
                  if row.values.get(layout.max_leverage) is not None]
        return (Fraction(max(values)), f"the largest {layout.max_leverage} of its tier table") if values else None

    def fill(self, fields: dict) -> dict:
        """ccxt Position fields the position lacks, from the market (``contractSize``), added to ``fields``."""
        out = dict(fields)
        for position_field, market_field in POSITION_FIELDS.items():
            if out.get(position_field) is None:
                value = self.field(market_field)
                if value is not None:
                    out[position_field] = value
        return out

    def missing(self, what: str) -> EvaluationError:
        """Why the catalog cannot give ``what``: no catalog, no such market, or nothing in force on the date."""
        if self.catalog is None:
            return EvaluationError(f"{what}: the position does not give it and rule {self.rule_id} has no market "
                                   "catalog", code="MV606")
        if self.market is None:
            return EvaluationError(f"{what}: the position does not give it and market {self.symbol!r} is not in the "
                                   f"market catalog of {self.rule_id}", code="MV606",
                                   hint=self.catalog.import_hint(self.symbol))
        if self.spec is None and self.market.specs:
            first = self.market.specs[0].provenance.effective.isoformat()
            return EvaluationError(f"{what}: the catalog knows {self.symbol} from {first} only, not on "
                                   f"{self.date.isoformat()}", code="MV607",
                                   hint=f"evaluate on or after {first} (--date), or import older market data")
        if self.spec is not None:  # a version in force that lacks the value: say which
            provenance = self.spec.provenance
            return EvaluationError(f"{what}: the position does not give it and the catalog's version of "
                                   f"{self.symbol} in force on {self._on()} (effective "
                                   f"{provenance.effective.isoformat()}, source {provenance.source}) has no such "
                                   "value", code="MV606", hint=self.catalog.import_hint(self.symbol))
        return EvaluationError(f"{what}: the position does not give it and the catalog's entry for {self.symbol} "
                               "has no such value", code="MV606", hint=self.catalog.import_hint(self.symbol))

    def _on(self) -> str:
        return self.date.isoformat() if self.date is not None else "the latest date"

    def check_listed(self) -> None:
        """The catalog lists the market (when the rule has a catalog)."""
        if self.catalog is not None and self.market is None:
            raise EvaluationError(f"market {self.symbol!r} is not in the market catalog of {self.rule_id}: the rule "
                                  "judges the markets its exchange lists", code="MV606",
                                  hint=self.catalog.import_hint(self.symbol))

    def check_type(self, product) -> None:
        """The market is of the rule's kind (an inverse market under a linear rule would be priced wrongly); a
        market's kind does not change, so a version not yet in force on the date tells it too."""
        spec = self.spec or (self.market.specs[-1] if self.market is not None and self.market.specs else None)
        want = product.market_type
        if spec is not None and spec.type in ("linear", "inverse") and spec.type != want:
            raise EvaluationError(f"{self.symbol} is an {spec.type} market, but rule {self.rule_id} is for {want} "
                                  "contracts", code="MV608", hint="evaluate it with the exchange's rule for "
                                                                  f"{spec.type} contracts")

    def display(self, rule_display: Display) -> Display:
        """How this market's prices are shown: its own tick (else the rule's single-market tick), rounded as the
        rule says."""
        tick = self.tick if self.tick is not None else rule_display.price_tick
        return Display(tick, rule_display.price_rounding) if rule_display.price_rounding else Display(None, None)

    def provenance(self) -> tuple:
        """[(part, Provenance)] of the versions used on the date: what the answer depends on."""
        if self.market is None:
            return ()
        used = [("market", self.spec), ("tiers", self.market.tiers_at(self.date))]
        return tuple((part, version.provenance) for part, version in used if version is not None)

    def stale(self, on: _dt.date, threshold_days: int) -> list:
        """[(part, Provenance, next version's date or None)] of the versions in force on ``on`` last seen more than
        ``threshold_days`` before."""
        return self.market.stale(on, threshold_days) if self.market is not None else []
