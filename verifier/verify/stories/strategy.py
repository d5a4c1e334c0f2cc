"""Generated stories: the Hypothesis strategy of :class:`Story` for a rule, and what a story needs of the rule.

A story: four users on one rule and date.  *alice* holds a position in one cross account; *bob* holds the same
position in an isolated account with part of the same funds (the rest stays in his cross account and some of it
is added to the isolated account later); *carol* holds two positions in her cross account; *dave* has only an
open order.  The mark price then walks a generated path (tiny to huge moves).  Every amount is a terminating
decimal, so the story's scenario file (:mod:`~verifier.verify.stories.scenario`) states it exactly.

>>> [str(round_significant(v, up=u)) for v, u in ((Fraction(1, 3), False), (Fraction(1, 3), True), (Fraction(5), False))]
['333333333333/1000000000000', '166666666667/500000000000', '5']
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from hypothesis import strategies as st

from verifier.errors import EvaluationError
from verifier.model.numbers import exact_text
from verifier.model.policies import Interest
from verifier.simulate import BindingError, SimRule
from verifier.verify.strategies import PRICE_LEVELS, effective_dates, memo, role

SIGNIFICANT = 12
"""Significant digits a story's derived amounts keep (a margin of 1/3 becomes 0.333333333334, rounded up)."""

INTEREST_SHARES = (Fraction(0), Fraction(0), Fraction(1, 40), Fraction(1, 5), Fraction(1, 2))
"""How much interest a spot story's loans accrue before the prices move, as a share of their principal: none, a
little, and as much as lies between a liquidation level and insolvency (margin levels 1.05 to 1.5, debt ratios
0.67 to 0.97 leave 3 to 50 %), so that whether a rule counts the interest decides whether it liquidates in time."""

MAX_INTEREST_HOURS = 2000
"""The most hours a story's clock runs (the simulator charges hour by hour): a tiny rate accrues less than asked."""

CARRIED_FIELDS = ("leverage", "takerFeeRate", "maintenanceMarginPercentage", "maintenanceAmount")


@dataclass(frozen=True)
class Story:
    date: object
    market: str
    other_market: str
    price: Fraction
    size: Fraction
    side: int
    margin: Fraction  # bob's isolated margin (alice has margin + spare in cross)
    spare: Fraction
    add_at: int
    add: Fraction
    path: tuple  # the mark price at each step, as a multiple of the opening price
    hours: int = 0  # hours of interest charged on loans before the price path starts
    hedge: bool = False  # carol in hedge mode: a long and a short in the same market, plus another market
    leverage: Fraction = Fraction(2)  # the positions' ccxt 'leverage' (bob's margin is the notional / leverage)
    fee: Fraction = Fraction(1, 1000)  # their 'takerFeeRate', where the rule reads one
    mmr: Fraction = Fraction(1, 100)  # their 'maintenanceMarginPercentage', where no tier table gives it
    cross_mode: str | None = None  # the rule's mode for the cross accounts (None: its first cross mode)
    isolated_mode: str | None = None  # the rule's mode for the isolated accounts (None: its first isolated mode)
    side2: int = 0  # the other position X (xavier's, erin's and frank's): its side (0: opposite to the first)
    funds2: Fraction = Fraction(0)  # what xavier pays in for X (erin and frank pay it in on top of the rest)
    path2: tuple = ()  # the other market's price at each step, as a multiple of its opening price (): as path

    @property
    def other_side(self) -> int:
        """X's side: its own, or (stories written before X had one) opposite to the first position."""
        return self.side2 or -self.side

    def describe(self) -> str:
        moves = ", ".join(exact_text(m) for m in self.path)
        modes = f"modes {self.cross_mode}/{self.isolated_mode}; " if self.cross_mode or self.isolated_mode else ""
        other = (f"X {'long' if self.other_side > 0 else 'short'} with {exact_text(self.funds2)} paid in, "
                 f"{self.other_market} x [{', '.join(exact_text(m) for m in self.path2)}]; " if self.path2 else "")
        return (f"{modes}{other}date {self.date or 'latest'}; {self.market} at {exact_text(self.price)}; "
                f"{'long' if self.side > 0 else 'short'} {exact_text(self.size)}; isolated margin "
                f"{exact_text(self.margin)}, spare {exact_text(self.spare)}; add {exact_text(self.add)} at step "
                f"{self.add_at}; {self.hours} h of interest; {'carol hedged; ' if self.hedge else ''}leverage "
                f"{exact_text(self.leverage)}, taker fee {exact_text(self.fee)}, MMR {exact_text(self.mmr)}; "
                f"price x [{moves}]")


def round_significant(value: Fraction, *, up: bool = False, down: bool = False) -> Fraction:
    """``value`` to :data:`SIGNIFICANT` significant digits (half-even, or toward +inf / -inf): a terminating
    decimal, so a scenario file can state it exactly.  Terminating values that fit are returned unchanged."""
    value = Fraction(value)
    if value == 0:
        return value
    exponent = len(str(abs(value.numerator) // abs(value.denominator))) - 1 if abs(value) >= 1 else \
        -len(str(abs(value.denominator) // abs(value.numerator)))
    scale = Fraction(10) ** (SIGNIFICANT - 1 - exponent)
    scaled = value * scale
    if scaled.denominator == 1:
        return value
    floor = scaled.numerator // scaled.denominator
    n = floor + 1 if up else floor if down else round(scaled)
    return Fraction(n) / scale


def modes(rule, story=None) -> tuple:
    """(the story's cross mode, its isolated mode): the ones it names, else the rule's first of each kind; None
    where the rule has none."""
    cross, isolated = all_modes(rule)
    first = (cross[0] if cross else None), (isolated[0] if isolated else None)
    if story is None:
        return first
    return story.cross_mode or first[0], story.isolated_mode or first[1]


def all_modes(rule) -> tuple:
    """([cross modes], [isolated modes]) of the rule, in file order: stories run every one of them."""
    return ([n for n, m in rule.modes.items() if m.account == "cross"],
            [n for n, m in rule.modes.items() if m.account == "isolated"])


def inputs(rule) -> dict:
    """Values for symbols the account state does not hold (no snapshot reading), by what they are."""
    return dict(memo(rule, "inputs", _inputs))


def _inputs(rule) -> dict:
    out = {}
    for view in rule.modes.values():
        for name, spec in view.symbols.items():
            if spec.from_tiers or spec.others or spec.snapshot_formula(view.account) or name == rule.price:
                continue
            kind = role(rule, view, name)
            out[name] = {"max_leverage": Fraction(50), "leverage": Fraction(10), "ratio": Fraction(1),
                         "rate": Fraction(1, 1000)}.get(kind, Fraction(0))
    return out


def interest_hours(rule, share: Fraction) -> int:
    """Hours a loan is held until its interest reaches ``share`` of its principal, at the rule's own interest (its
    per-hour definition at the stories' inputs); 0 when the rule charges none (capped at MAX_INTEREST_HOURS).

    >>> from verifier.read import load_rule
    >>> rule = load_rule("binance/spot-margin")
    >>> [interest_hours(rule, s) for s in (Fraction(0), Fraction(1, 5))], inputs(rule)["r"]
    ([0, 200], Fraction(1, 1000))
    """
    hourly = memo(rule, "hourly interest", _hourly_interest_share)
    if share == 0 or hourly <= 0:
        return 0
    return min(-(-share // hourly), MAX_INTEREST_HOURS)


def _hourly_interest_share(rule) -> Fraction:
    """One hour's interest on a principal of 1 in the first market's base asset, as the simulator charges it."""
    policy = rule.policies.interest
    if not isinstance(policy, Interest):
        return Fraction(0)
    where = markets(rule)[0]
    try:
        mode = SimRule(rule, None, inputs=inputs(rule)).mode(modes(rule)[0] or next(iter(rule.modes)))
        values = mode.position_values({"total": Fraction(0), "debt": Fraction(1), "interest": Fraction(0),
                                       "markPrice": Fraction(1), "price": Fraction(1)}, where, instrument(rule, where))
        return Fraction(mode.definition(policy.per_hour, values))
    except (BindingError, EvaluationError):  # the stories cannot run this rule: support() says why
        return Fraction(0)


def markets(rule) -> list:
    """The markets a story trades: the majors when the rule's catalog has their tier tables (the longest
    histories), else the catalog's tiered markets, else the majors."""
    tables = sorted(rule.tiers.tables) if rule.tiers is not None else []
    default = (["BTC/USDT", "ETH/USDT"] if rule.product.spot else ["BTC/USD:BTC", "ETH/USD:ETH"] if rule.product.inverse
               else ["BTC/USDT:USDT", "ETH/USDT:USDT"])
    return [m for m in default if m in tables] or tables or default


def _with_tables(rule, where, dates) -> list:
    """The dates on which the story's markets have tier tables in force (None, the latest, always does)."""
    if rule.tiers is None:
        return dates
    return [d for d in dates if d is None or all(rule.tiers.table(m, d) is not None for m in (where[0], where[-1]))]


def settle(rule, market) -> str:
    """The asset a market's positions are funded in: its settlement asset (futures), the quote (spot)."""
    return (market.partition(":")[2] or "USDT") if not rule.product.spot else "USDT"


def instrument(rule, market) -> str:
    """What a price is set for: the market (futures), its base asset (spot)."""
    return market.split("/")[0] if rule.product.spot else market


def read_fields(rule) -> set:
    """The ccxt fields a position must carry for this rule: read by a symbol (a tier symbol's only if no table)."""
    return memo(rule, "fields", _read_fields)


def _read_fields(rule) -> frozenset:
    out = set()
    for view in rule.modes.values():
        for spec in view.symbols.values():
            text = spec.snapshot_formula(view.account)
            if not text or spec.others or (spec.from_tiers and rule.tiers is not None):
                continue
            out |= {f for f in CARRIED_FIELDS if f in text}
    return frozenset(out)


def max_leverage(rule) -> int:
    """The story's leverage cap: 20, or the rule's maximum-leverage input where it is lower."""
    caps = [v for n, v in inputs(rule).items() if any(
        n in view.symbols and role(rule, view, n) == "max_leverage" for view in rule.modes.values())]
    return int(min([Fraction(20)] + caps))


def carried(rule, story) -> dict:
    """The fields each opened position carries: the story's leverage, fee rate and maintenance rate."""
    given = {"leverage": story.leverage, "takerFeeRate": story.fee, "maintenanceMarginPercentage": story.mmr,
             "maintenanceAmount": Fraction(0)}
    wanted = read_fields(rule)
    return {k: v for k, v in given.items() if k in wanted}


# What a story draws from, built once (a strategy built inside a draw is built and validated again each draw).
_PRICE_LEVEL = st.sampled_from(PRICE_LEVELS[4:])
_MANTISSA = st.integers(1000, 9999)
_BASE = st.integers(1, 5000)
_FEE = st.sampled_from((Fraction(0), Fraction(2, 10000), Fraction(5, 10000), Fraction(6, 10000), Fraction(1, 1000)))
_MMR = st.sampled_from((Fraction(4, 1000), Fraction(5, 1000), Fraction(1, 100), Fraction(2, 100)))
_SPARE = st.one_of(st.just(Fraction(0)), st.just(Fraction(1, 1000)),
                   st.integers(0, 200).map(lambda n: Fraction(n, 100)))
_MOVES = st.lists(st.one_of(st.sampled_from((Fraction(1, 2), Fraction(9, 10), Fraction(99, 100), Fraction(101, 100),
                                             Fraction(11, 10), Fraction(2), Fraction(1, 10**6), Fraction(10**3))),
                            st.integers(1, 3000).map(lambda n: Fraction(n, 1000))), min_size=1, max_size=6)
_SIDE = st.sampled_from((1, -1))
_WALK_STEPS = st.integers(12, 36)
_FUNDS2 = st.sampled_from((Fraction(1, 2), Fraction(3, 4), Fraction(1), Fraction(3, 2), Fraction(3)))
_X_MOVE = st.integers(-40, 40)
_ADD_SHARE = st.integers(0, 100)
_INTEREST = st.sampled_from(INTEREST_SHARES)


def stories(rule) -> st.SearchStrategy:
    """A strategy of :class:`Story` for ``rule`` (what depends on the rule alone is worked out once, here)."""
    where = markets(rule)
    dates = tuple(_with_tables(rule, where, effective_dates(rule, rule.mode(modes(rule)[0]
                                                                             or next(iter(rule.modes))))))
    cap = max_leverage(rule)
    cross_modes, isolated_modes = all_modes(rule)
    return _stories(rule, where, dates, st.one_of(st.just(1), st.just(cap), st.integers(1, cap)),
                    tuple(cross_modes), tuple(isolated_modes))


@st.composite
def _stories(draw, rule, where, dates, leverages, cross_modes, isolated_modes) -> Story:
    price = draw(_PRICE_LEVEL) * Fraction(draw(_MANTISSA), 1000)
    base = Fraction(draw(_BASE), 100) / (price if price > 1000 else 1)
    # linear and spot: size in base units, notional in quote; inverse: size in quote (USD), notional in coin
    size = round_significant(base * price if rule.product.inverse else base)
    notional = size / price if rule.product.inverse else size * price
    leverage = draw(leverages)
    fee = draw(_FEE)
    mmr = draw(_MMR)
    mmr = round_significant(min(mmr, Fraction(1, 2 * leverage)), down=True)  # below initial margin, as exchanges set
    margin = round_significant(notional / leverage, up=True)  # never below the leverage's initial margin
    spare = round_significant(notional * draw(_SPARE))
    side = draw(_SIDE)
    if draw(st.booleans()):
        path = tuple(draw(_MOVES))
    else:  # a walk against the position over 1.5x its margin: the boundaries are met, not jumped over
        steps = draw(_WALK_STEPS)
        step = Fraction(3, 2 * leverage * steps)
        path = tuple(round_significant(max(1 - side * step * k, Fraction(1, 10**6))) for k in range(1, steps + 1))
    cross_mode = draw(st.sampled_from(cross_modes)) if len(cross_modes) > 1 else None
    isolated_mode = draw(st.sampled_from(isolated_modes)) if len(isolated_modes) > 1 else None
    side2 = draw(_SIDE)
    # X's funds: from far below to well above its initial margin, so that alone it is liquidated early or late
    funds2 = round_significant(notional * 2 / leverage * draw(_FUNDS2), up=True)
    path2 = tuple(round_significant(max(1 + draw(_X_MOVE) * Fraction(3, 200 * leverage), Fraction(1, 10**6)))
                  for _ in path)  # X's own walk: it gains as often as it loses
    return Story(draw(st.sampled_from(dates)), where[0], where[-1], price, size,
                 side, margin, spare, draw(st.integers(0, len(path))),
                 round_significant(spare * Fraction(draw(_ADD_SHARE), 100), down=True), path,
                 interest_hours(rule, draw(_INTEREST)) if rule.product.spot else 0,
                 draw(st.booleans()) if "hedge" in rule.position_modes and not rule.product.spot else False,
                 Fraction(leverage), fee, mmr, cross_mode, isolated_mode, side2, funds2, path2)
