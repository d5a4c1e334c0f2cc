"""A loaded rule: the objects every later stage (derive, simulate, verify, docs) works from.

A :class:`Rule` is built by :func:`verifier.read.load_rule`; nothing else constructs one.
Each margin mode is seen through a :class:`ModeView`, where global and mode-level
symbols, parameters, definitions and conditions are merged, and every definition
is expanded down to symbols and parameters.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field, replace
from fractions import Fraction

from verifier.errors import EvaluationError, UsageError
from verifier.formula import Formula, Term, Unit
from verifier.model.display import Display  # noqa: F401 - defined apart (loads no SymPy), used here
from verifier.model.products import Product


class UnknownModeError(UsageError, KeyError):
    """A mode the rule does not have was asked for (``MV002``); a ``KeyError`` as well, as a missing key is."""

    code = "MV002"

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])
from verifier.model.policies import Policies


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    url: str
    retrieved: str
    provenance: str | None = None
    publisher: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class DefinitionVersion:
    """One dated version of a definition, as written: in force from ``since`` (None: open) until ``until``."""

    since: _dt.date | None
    until: _dt.date | None
    text: str
    source: str
    note: str | None = None


@dataclass(frozen=True)
class Definition:
    """A named formula; ``formula.expr`` is fully expanded, ``text`` is what the author wrote.

    A definition with dated versions is, in each regime's mode view, the version in force there; ``versions``
    lists them all (empty for an undated definition).
    """

    name: str
    text: str
    formula: Formula
    source: str
    meaning: str | None = None
    versions: tuple = ()

    @property
    def expr(self):
        return self.formula.expr

    @property
    def unit(self) -> Unit:
        return self.formula.unit


@dataclass(frozen=True)
class Condition:
    """A named condition such as ``liquidation``: ``formula.expr`` is a SymPy relational."""

    name: str
    text: str
    formula: Formula
    solve_for: str
    source: str
    note: str | None = None

    @property
    def relation(self):
        return self.formula.expr

    @property
    def operator(self) -> str:
        """The comparison as written ('<=', '<', ...): the rule's boundary semantics."""
        return getattr(self.formula.expr, "rel_op", "?")


@dataclass(frozen=True)
class Published:
    """An exchange's own closed form for ``quantity`` (e.g. ``liquidation_price``) in some modes."""

    quantity: str
    formula: Formula
    modes: tuple
    position_mode: str | None
    where: dict
    source: str
    note: str | None
    index: int
    since: _dt.date | None = None  # in force from (None: open)
    until: _dt.date | None = None  # until (exclusive; None: for good)
    symbols: dict = field(default_factory=dict)  # symbols only the published form uses (e.g. a reading price)


@dataclass(frozen=True)
class Level:
    """One action level of a published definition: the condition it is, the level and the comparison that
    triggers it (``'>='``: the published ratio at or above the level)."""

    condition: str
    level: Formula
    operator: str


@dataclass(frozen=True)
class PublishedDefinition:
    """An exchange's published definition of the ratio its action levels compare (Bybit's account MM rate,
    Binance's uniMMR, OKX's mgnRatio), written in the exchange's own terms, with the level each of the rule's
    conditions takes: proved to meet its level exactly at the derived price (:mod:`verifier.derive.definitions`).

    ``formula`` is the ratio as written, its ``expr`` with every term (``terms``: name -> Formula over the mode's
    symbols and parameters) expanded.
    """

    key: str  # e.g. 'margin_rate_definition'
    name: str
    formula: Formula
    terms: dict
    levels: tuple  # (Level, ...)
    modes: tuple
    source: str
    note: str | None
    index: int


@dataclass(frozen=True)
class Example:
    """A worked example: inputs, expected outputs, tolerance, where it comes from."""

    name: str
    source: str
    mode: str
    given: dict
    expect: dict
    tolerance: Fraction
    date: _dt.date | None
    market: str | None
    note: str | None
    index: int
    tolerance_reason: str | None = None  # why the tolerance is wider than the expected value's last decimal


@dataclass
class ModeView:
    """One margin mode with everything merged and expanded."""

    name: str
    account: str  # 'cross' or 'isolated'
    meaning: str
    symbols: dict  # name -> SymbolSpec (global and mode-level)
    parameters: dict  # name -> Parameter (mode-level overriding global)
    definitions: dict  # name -> Definition, expanded
    conditions: dict  # name -> Condition
    tier_basis: Formula | None = None
    leverage: Fraction | None = None  # the maximum leverage of the pairs this mode is for, when it declares one

    @property
    def env(self) -> dict:
        """Every name usable in this mode's formulas -> :class:`Term`."""
        env = {name: Term(spec.sympy, spec.unit) for name, spec in self.symbols.items()}
        env.update({name: Term(p.sympy, p.unit) for name, p in self.parameters.items()})
        env.update({name: Term(d.expr, d.unit) for name, d in self.definitions.items()})
        return env

    @property
    def others(self) -> dict:
        """Symbols that stand for a definition summed over the account's other positions: symbol -> definition."""
        return {name: spec.others for name, spec in self.symbols.items() if spec.others}

    @property
    def tier_symbols(self) -> dict:
        """Symbols supplied by the tier table: symbol -> column."""
        return {name: spec.from_tiers for name, spec in self.symbols.items() if spec.from_tiers}

    def parameter_values(self, date: _dt.date | None = None) -> dict:
        """SymPy symbol -> exact value of every parameter in force on ``date``."""
        return {p.sympy: p.value_at(date) for p in self.parameters.values()}


@dataclass
class Rule:
    """One exchange product's margin rules, loaded and checked."""

    id: str
    title: str
    exchange: str
    product: Product
    description: str | None
    price: str
    collateral_unit: Unit | None
    position_modes: tuple
    sources: dict
    symbols: dict
    parameters: dict
    tiers: object  # TierSet | None
    modes: dict  # name -> ModeView
    published: dict  # quantity -> [Published]
    examples: list
    display: Display
    disagreements: list
    file: str
    content_hash: str
    document: object = field(repr=False, default=None)  # the located Document, for error positions
    verify_skip: dict = field(default_factory=dict)  # property name -> why it does not hold for this rule by design
    policies: Policies = field(default_factory=Policies)  # interest and liquidation-fee policies (model.policies)
    markets: object = None  # verifier.model.market.Catalog: the product's markets, dated (None: no catalog)
    stale_after_days: int = 30  # evaluate warns about market data last seen longer ago than this
    ccxt: object = None  # verifier.model.ccxt_mapping.CcxtMapping: how ccxt exports feed it (None: it reads none)
    derivation_hash: str = ""  # hash of what derivations read (no examples, prose, market data); "" = content_hash
    conformance: object = None  # verifier.model.conformance.Conformance: recorded exchange responses (None: no section)
    published_definitions: dict = field(default_factory=dict)  # key -> [PublishedDefinition] (in force today)
    regimes: tuple = ()  # model.regimes.Regime, oldest first, the last one in force now; () when nothing is dated
    views: dict = field(default_factory=dict, repr=False, compare=False)  # regime index -> Rule (shared by views)

    @property
    def derivation_key(self) -> str:
        """What derive's caches are keyed by: unchanged when only examples, sources, prose or market data change."""
        return self.derivation_hash or self.content_hash

    def at(self, date: _dt.date | None, account: str | None = None, mode: str | None = None) -> "Rule":
        """The rule as of ``date``: its modes and published formulas are the versions in force then (the rule
        itself when nothing is dated, or for ``date`` None, or when ``date`` is in the latest regime).

        Formulas are dated per mode: on a date where only some modes' formulas are known, the rule as of that
        date for a position of margin mode ``account`` (or of the mode named ``mode``) holds the modes that are
        known, when its own is among them.

        Raises :class:`~verifier.errors.EvaluationError` (``MV404``) for a date the rule does not know the
        formulas of (of that mode, when one is asked for): before its first version, or between two versions the
        file leaves a gap between.
        """
        if date is None or not self.regimes:
            return self.views.get(len(self.regimes) - 1, self) if self.regimes else self
        index = next((i for i, r in enumerate(self.regimes) if r.holds(date)), None)
        regime = self.regimes[index] if index is not None else None
        if regime is not None and regime.modes is None and self._asked_known(regime, account, mode):
            return self._view(("partial", index), regime, regime.partial, regime.partial_published)
        if regime is None or regime.modes is None:
            why = "it is before the rule's first version" if regime is None else \
                self._missing_why(regime, account, mode)
            known = ", ".join(r.label for r in self.regimes if r.modes is not None)
            raise EvaluationError(f"rule {self.id} does not say which formulas were in force on {date.isoformat()}: "
                                  f"{why}", code="MV404", hint=f"choose a date the rule covers ({known})")
        return self._view(index, regime, regime.modes, regime.published)

    def _view(self, key, regime, modes: dict, published: dict) -> "Rule":
        view = self.views.get(key)
        if view is None:
            since = regime.since.isoformat() if regime.since else "open"
            tag = since if not isinstance(key, tuple) else f"{since}:{','.join(sorted(modes))}"
            view = replace(self, modes=modes, published=published,  # caches keyed per regime (and modes known)
                           content_hash=f"{self.content_hash}@{tag}",
                           derivation_hash=f"{self.derivation_key}@{tag}")
            self.views[key] = view
        return view

    @staticmethod
    def _asked_known(regime, account, mode) -> bool:
        """Whether the mode asked for (by name, or every mode of margin mode ``account``) is known in ``regime``."""
        if mode is not None:
            return mode in regime.partial
        return account is not None and any(m.account == account for m in regime.partial.values()) and \
            not any(kind == account for kind, _ in regime.missing.values())

    @staticmethod
    def _missing_why(regime, account, mode) -> str:
        """Why the formulas of the mode asked for are not known in ``regime`` (the first unknown mode's, else)."""
        for name, (kind, why) in regime.missing.items():
            if name == mode or (mode is None and kind == account):
                return why
        return regime.why

    def dated_views(self) -> list:
        """The rule as of each regime whose formulas it knows, oldest first (just the rule when nothing is dated)."""
        return [self.at(r.since or r.until - _dt.timedelta(days=1)) for r in self.regimes if r.modes is not None] \
            if self.regimes else [self]

    @property
    def price_symbol(self):
        return self.symbols[self.price].sympy

    def mode(self, name: str) -> ModeView:
        """The mode called ``name``; raises :class:`UnknownModeError` (a ``KeyError`` too) naming the modes there are."""
        try:
            return self.modes[name]
        except KeyError:
            raise UnknownModeError(f"rule {self.id!r} has no mode {name!r}; it has {', '.join(self.modes)}") from None

    def with_catalog(self, catalog) -> "Rule":
        """The same rule reading its markets (and tier tables) from ``catalog``: a rule after an import."""
        tiers = replace(self.tiers, catalog=catalog) if self.tiers is not None else None
        rule = replace(self, markets=catalog, tiers=tiers, views={})  # views read the old catalog: not shared
        if rule.regimes:
            rule.views[len(rule.regimes) - 1] = rule
        return rule

    def locate(self, *path) -> tuple[int, int]:
        """(line, col) of a value in the rule file, for error messages."""
        return self.document.position(path) if self.document is not None else (0, 0)
