"""Per position of a unified account, the price of its own market at which the account is liquidated, the others
held (docs/unified-margin.md, "A position's price of liquidation").

The position's mark price ``X`` moves; every other position's mark and every coin's USD price are held.  Its
product rule (named per kind of position by the unified rule's ``ccxt: balances: positions: rules:``, data) gives
its ``maintenance_margin`` and ``upnl`` at ``X`` (the product's own tier row at ``X``).  Its settle coin's holding
moves by ``upnl(X) - upnl(mark)`` (below zero the coin owes the difference, as a unified account borrows it), and
the coin's maintenance margin of positions is the balance's own less the exchange's figure for this position plus
the product rule's ``maintenance_margin(X)``, valued at the coin's price.  The unified rule's liquidation condition
``lhs op rhs`` is then judged on the coin with the other coins' sums held.

``d(X) = lhs - rhs`` is affine in ``X`` between breakpoints: the product's tier bounds (where its tier basis at
``X`` crosses a row's floor or cap), the coin's haircut tier bounds (where its tier basis crosses one) and the
price where its holding reaches zero (its loan, and the loan's margin, start there).  Each breakpoint is solved
exactly from the bases' affine forms; in each piece, walked from the mark in the adverse direction (down for a
long, up for a short), ``d`` is the combination of the product's and the coin's fitted affine forms (below), or,
where those do not apply, fitted exactly from two points inside it and checked at a third (a piece that is not
affine is said, not guessed); its root is the crossing when it falls inside the
piece and the whole state (never a fitted form) confirms the condition there; at a breakpoint a jump (a tier table without continuity) is caught by
judging the condition at it.  No crossing: ``None`` and the reason.

An inverse contract settled in its own base coin (Binance COIN-M: PnL and margin in the coin, not affine in ``X``)
is priced by :func:`_price_inverse`: the coin's USD price moves with the mark in proportion, which makes ``d``
affine in ``X`` again between breakpoints solved in ``1/X``.

``d`` is not evaluated from scratch at each of those prices: the coin's side (:meth:`_Coin.linear`) is affine in
its equity's shift and its positions' margin on each interval between its own bounds, fitted once there and shared
by every position settled in the coin; the product's margin and PnL (:meth:`_Product.linear`) are fitted once per
tier row; a form that does not check leaves that price to the whole evaluation.

Its arithmetic is GMP rationals' (``gmpy2.mpq``: exact like Fraction, each operation about ten times faster): the
account's values are read as mpq once, the product's two definitions and the condition's two sides are each one
straight-line function (:mod:`verifier.derive.rational_code`), the coin's whole state at a given equity and margin
is judged once (every position of the coin asks at its mark), and the prices found are given back as the
Fractions of the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
import operator
from bisect import bisect_left
from fractions import Fraction

from gmpy2 import mpq

from verifier.derive.exact import as_fraction, as_mpq
from verifier.errors import EvaluationError

MM, PNL, NOTIONAL = "maintenance_margin", "upnl", "notional"
_OPERATORS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}
_ZERO = mpq(0)


def _q(value):
    """An exact number as a GMP rational (the solver's arithmetic: exact, about ten times faster than Fraction's);
    None stays None."""
    return None if value is None else as_mpq(value)


def _f(value):
    """A GMP rational as the Fraction the results carry (the same value); None stays None."""
    return as_fraction(value)


def _rationals(values: dict) -> dict:
    """``values`` with every exact number as :func:`_q` (anything else kept)."""
    return {k: _q(v) if isinstance(v, (Fraction, int)) else v for k, v in values.items()}


@dataclass(frozen=True)
class PositionPrice:
    """What :func:`position_prices` found for one position beside a unified balance."""

    price: Fraction | None  # its market's price at which the account is liquidated, the others held
    reason: str | None  # why there is none
    mark: Fraction | None = None  # its mark price as exported
    rule: str | None = None  # the product rule that priced it
    rule_maintenance: Fraction | None = None  # the product rule's maintenance margin at the mark (settle coin)
    differs: bool = False  # the product rule's figure at the mark is not the exchange's (positionMM)
    settle_price: Fraction | None = None  # an inverse position's: its settle coin's USD price there (it moves along)

    @property
    def distance(self) -> Fraction | None:
        if self.price is None or not self.mark:
            return None
        return (self.price - self.mark) / self.mark


def position_prices(setting, legs, account, date) -> tuple:
    """One :class:`PositionPrice` per ``account.derivatives`` row (a :class:`~verifier.errors.EvaluationError`,
    located at the position, when its product rule cannot read it or its market is not in that rule's catalog)."""
    out, coins = [], {}
    for derivative in account.derivatives:
        if derivative.unpriced is not None:  # its product rule cannot read its row (a summed reading keeps it)
            out.append(PositionPrice(None, f"it cannot be priced: {derivative.unpriced}", rule=derivative.rule))
            continue
        if derivative.rule is None or derivative.product is None:
            out.append(PositionPrice(None, f"rule {setting.rule.id} names no product rule for this kind of position "
                                           "(ccxt: balances: positions: rules:)"))
            continue
        coin = next((leg for leg in legs if leg.position.symbol.partition("/")[0] == derivative.settle), None)
        if coin is None or coin.lacks:
            out.append(PositionPrice(None, f"the settle coin {derivative.settle} has no value in the account"))
            continue
        try:
            product = _Product(derivative, account, date)
            if id(coin) not in coins:  # the coin's side of the condition, once per coin for all its positions
                coins[id(coin)] = _Coin(setting, coin)
            out.append(_price(setting, coins[id(coin)], derivative, product))
        except EvaluationError as error:
            if not _summed(setting):
                raise
            # a summed reading (Binance's): the row's own margin is in the account; unpriced, the reason said
            said = error.diagnostics[0].message if error.diagnostics else str(error)
            out.append(PositionPrice(None, f"it cannot be priced: {said}", rule=derivative.rule))
    return tuple(out)


def _summed(setting) -> bool:
    """Whether the unified rule sums its positions' own margins per coin (``ccxt: balances: positions: summed:
    true``): then a position its product rule cannot price is left unpriced, never the account refused."""
    mapping = getattr(setting.rule, "ccxt", None)
    balances = getattr(mapping, "balances", None)
    return bool(getattr(balances, "summed", False))


class _Product:
    """One position under its product rule: its maintenance margin, unrealised PnL and tier basis at a price."""

    def __init__(self, derivative, account, date):
        from verifier.derive.account.compiled import rational_mode
        from verifier.derive.account.setting import setting_for

        self.derivative = derivative
        self.rule, self.account = derivative.product
        self.position = self.account.positions[0]
        self.date = date
        self.setting = setting_for(self.rule, self.account, date, definitions=(MM, PNL))
        self.fast = rational_mode(self.setting.mode)  # the definitions over GMP rationals
        mode = self.setting.mode
        self._pair = _straight((mode.definitions[MM].expr, mode.definitions[PNL].expr)) \
            if MM in mode.definitions and PNL in mode.definitions else None  # both in one straight-line function
        reading = self.setting.mode.symbols[self.rule.price].snapshot_formula("cross")
        if reading is None or not reading.isidentifier():
            raise self.account.error("MV603", f"{self.rule.id} reads its price {self.rule.price} as {reading!r}, "
                                              "not one field of the position: it cannot be moved",
                                     self.position.at())
        self.field = reading
        self.mark = _q(self.position.fields.get(reading))
        if self.mark is None:
            raise self.account.error("MV600", f"{derivative.symbol} gives no {reading}: its price cannot be moved",
                                     self.position.at())

        self._mark_leg = None  # the position read whole at its mark (every check of a reading made once)
        self._moved = None  # the symbols whose reading uses the price field
        self._bounds, self._forms, self._at = False, {}, {}  # :meth:`bounds`, :meth:`linear`'s, :meth:`at`'s
        self._values, self._rows = None, {}  # the leg's values at the mark as mpq; a tier row's values as mpq
        self._notional_setting, self._notionals = None, {}  # :meth:`notional_at`'s

    def at(self, price: Fraction):
        """(maintenance margin, upnl, tier basis or None, tier table or None) at ``price``; EvaluationError where
        the rule cannot price it there (its table ends).

        The position is read once, at its mark (:meth:`read_at`); at another price only what the price changes is
        redone: the price symbol, the tier row at the new basis (when the catalog's table gives the bracket), and
        the two definitions, compiled.  A rule that reads another symbol from the price field is read whole at
        each price.  ``tests/verify/test_unified_position_price_simulated.py`` holds both against each other."""
        if self._mark_leg is None:
            self._mark_leg = self.read_at(self.mark)
            self._moved = _moved(self.setting.mode, self.field)
        found, leg = self._mark_leg
        if price == self.mark:
            return found
        if price in self._at:
            return self._at[price]
        self._at[price] = found = self._at_moved(price, leg)
        return found

    def _at_moved(self, price, leg):
        """:meth:`at` away from the mark."""
        if self._moved != {self.rule.price}:
            return self.read_at(price)[0]
        mode, compiled = self.setting.mode, self.fast
        if self._values is None:
            self._values = _rationals(leg.exact(mode, self.setting.parameters))
        values = dict(self._values)
        values[mode.symbols[self.rule.price].sympy] = price
        basis = table = None
        if leg.bracket_source == "catalog" and mode.tier_basis is not None:
            basis, table = compiled.tier_basis(mode, values), leg.market.tier_table()
            row = table.row_for(basis) if basis is not None else None
            if row is None:  # past the table: read whole, which says why as it does at the mark
                return self.read_at(price)[0]
            values.update(_row_values(self._rows, row, mode, leg.tier_values))
        mm = pnl = None
        if self._pair is not None:
            try:
                mm, pnl = self._pair(values)
            except (KeyError, ZeroDivisionError):
                pass  # the compiled definitions say the same (no value)
        if mm is None or pnl is None:
            mm, pnl = _q(compiled.value(mode, MM, values)), _q(compiled.value(mode, PNL, values))
        if mm is None or pnl is None:
            raise EvaluationError(f"{self.rule.id} gives this position no {MM} or {PNL} at {_txt(price)}")
        return mm, pnl, _q(basis), table

    def notional_at(self, price):
        """The product rule's ``notional`` at ``price``, in the settle coin (a unified rule that sums its positions'
        notionals into the coin's fee term moves it with the price: OKX multi-currency); EvaluationError where the
        rule gives none.  Read whole at the price (a rule's notional is not fitted)."""
        found = self._notionals.get(price)
        if found is None:
            if NOTIONAL not in self.setting.mode.definitions:
                raise EvaluationError(f"{self.rule.id} defines no {NOTIONAL}, which the account's fee term moves with "
                                      "the price")
            if self._notional_setting is None:
                from verifier.derive.account.setting import setting_for

                self._notional_setting = setting_for(self.rule, self.account, self.date, definitions=(NOTIONAL,))
            from verifier.derive.account.legs import read_legs

            account = self.account
            if price != self.position.fields[self.field]:
                position = replace(self.position, fields={**self.position.fields, self.field: as_fraction(price)})
                account = replace(account, positions=(position,))
            (leg,) = read_legs(self._notional_setting, account)
            if NOTIONAL not in leg.at_mark:
                raise EvaluationError(f"{self.rule.id} gives this position no {NOTIONAL} at {_txt(price)}")
            found = self._notionals[price] = _q(leg.at_mark[NOTIONAL])
        return found

    def bounds(self) -> list | None:
        """The prices where the position's tier row may change, in order (its tier basis, affine in the price at
        the mark and two prices beside it, at each row's floor and cap; none without a catalog table); None when
        the basis is not affine there.  Built once."""
        if self._bounds is False:
            x1, x2, x3 = self.near()
            (_, _, b1, table), (_, _, b2, _), (_, _, b3, _) = (self.at(x) for x in (x1, x2, x3))
            found = set()
            if table is not None:
                if None in (b1, b2, b3) or b1 + (b2 - b1) / (x2 - x1) * (x3 - x1) != b3:
                    self._bounds = None
                    return None
                if b2 != b1:
                    slope = (b2 - b1) / (x2 - x1)
                    found = {x1 + (bound - b1) / slope for row in table.rows for bound in (row.floor, row.cap)
                             if bound is not None}
            self._bounds = sorted(x for x in found if x > 0)
        return self._bounds

    def near(self) -> tuple:
        """The mark and two prices beside it (a thousandth above and below)."""
        return self.mark, self.mark * 1001 / 1000, self.mark * 999 / 1000

    def linear(self, x: Fraction):
        """(maintenance margin, upnl) at ``x`` from their affine forms on the open interval of :meth:`bounds` that
        holds ``x`` (one tier row): fitted from :meth:`at` at two prices inside it and checked at a third, once per
        interval.  None at a bound, where the forms do not check, or where the position cannot be priced inside
        the interval (the caller then asks :meth:`at`, which says why)."""
        forms = self.forms(x)
        return None if forms is None else (forms[0] + forms[1] * x, forms[2] + forms[3] * x)

    def forms(self, x: Fraction) -> tuple | None:
        """:meth:`linear`'s forms on the interval that holds ``x``: (margin at 0, its slope, upnl at 0, its
        slope), or None."""
        bounds = self.bounds()
        if bounds is None or x <= 0:
            return None
        i = bisect_left(bounds, x)
        if i < len(bounds) and bounds[i] == x:
            return None
        if i not in self._forms:
            low, high = bounds[i - 1] if i else _ZERO, bounds[i] if i < len(bounds) else None
            points = self.near()
            if not all(low < p and (high is None or p < high) for p in points):
                points = _interior(low, high)
            forms = None
            try:
                (m1, p1, _, _), (m2, p2, _, _), (m3, p3, _, _) = (self.at(p) for p in points)
                x1, x2, x3 = points
                mm, pnl = (m2 - m1) / (x2 - x1), (p2 - p1) / (x2 - x1)
                if m1 + mm * (x3 - x1) == m3 and p1 + pnl * (x3 - x1) == p3:
                    forms = (m1 - mm * x1, mm, p1 - pnl * x1, pnl)
            except EvaluationError:
                pass
            self._forms[i] = forms
        return self._forms[i]

    def read_at(self, price: Fraction):
        """(:meth:`at`'s tuple, the leg) with the position read whole at ``price`` under its product rule."""
        from verifier.derive.account.legs import read_legs

        account = self.account
        if price != self.position.fields[self.field]:
            position = replace(self.position, fields={**self.position.fields, self.field: as_fraction(price)})
            account = replace(account, positions=(position,))
        (leg,) = read_legs(self.setting, account)
        if MM not in leg.at_mark or PNL not in leg.at_mark:
            raise EvaluationError(f"{self.rule.id} gives this position no {MM} or {PNL} at {_txt(price)}")
        basis = table = None
        mode = self.setting.mode
        if leg.bracket_source == "catalog" and mode.tier_basis is not None:
            basis = self.setting.compiled.tier_basis(mode, leg.exact(mode, self.setting.parameters))
            table = leg.market.tier_table()
        return (_q(leg.at_mark[MM]), _q(leg.at_mark[PNL]), _q(basis), table), leg


class _Coin:
    """The settle coin's leg of the unified account: the condition's sides with its holding, loan and positions'
    margin changed, the other coins' sums held."""

    def __init__(self, setting, leg):
        from verifier.derive.account.compiled import rational_mode
        from verifier.derive.exact import compile_fraction

        self.setting, self.leg, self.mode = setting, leg, setting.mode
        self.names = {}
        for field in ("total", "debt", "maintenanceMargin"):
            name = next((n for n, spec in self.mode.symbols.items() if spec.snapshot_formula("cross") == field), None)
            if name is None:
                raise EvaluationError(f"{setting.rule.id} reads no symbol from the coin's {field}")
            self.names[field] = self.mode.symbols[name].sympy
        name = next((n for n, spec in self.mode.symbols.items() if spec.snapshot_formula("cross") == "notional"), None)
        self.notional = None if name is None else self.mode.symbols[name].sympy  # the coin's positions' notional
        self.fast = rational_mode(self.mode)  # the mode over GMP rationals, as every value here
        self.values = _rationals(leg.exact(self.mode, setting.parameters))
        self.price = _q(leg.values[setting.rule.price])
        self.held = self.values[self.names["total"]]
        self.owed = self.values[self.names["debt"]]
        self.condition = self.mode.conditions["liquidation"]
        relation = self.condition.relation
        self._difference = compile_fraction(relation.lhs - relation.rhs, mpq)
        self._sides = _straight((relation.lhs, relation.rhs))  # both sides in one straight-line function
        self.table = leg.market.tier_table() if leg.tiered else None
        self._forms, self._shifts = {}, None  # :meth:`linear`'s per interval of :meth:`shifts`, and those
        self._rows = {}  # a haircut row's values as mpq
        self._states, self._holds = {}, {}  # :meth:`state`'s and :meth:`holds`'s, per (shift, margin)
        self.operator = _OPERATORS.get(self.condition.relation.rel_op)

    def state(self, shift: Fraction, margin: Fraction, notional=None) -> dict:
        """The coin's values with ``shift`` (coin units) added to its equity and ``margin`` (USD) as its positions'
        maintenance margin; its haircut row at the new holding.  Remembered per (shift, margin): every position of
        the coin asks at its mark, where they are the same (not to be changed by the caller).  ``notional``: its
        positions' notional (USD) where the rule reads one and it moves (else the balance's own is held)."""
        key = shift, margin, notional
        found = self._states.get(key)
        if found is None:
            found = self._states[key] = self._state(shift, margin, notional=notional)
        return found

    def holds(self, shift: Fraction, margin: Fraction, notional=None) -> bool:
        """Whether the rule's liquidation condition holds at :meth:`state` (the whole state, exactly); remembered."""
        key = shift, margin, notional
        found = self._holds.get(key)
        if found is None:
            values = self.state(shift, margin, notional)
            sides = self._sided(values) if self.operator is not None else None
            found = self.fast.holds(self.mode, "liquidation", values) if sides is None else \
                self.operator(*sides)
            self._holds[key] = found
        return found

    def difference(self, values: dict):
        """The condition's ``lhs - rhs`` at ``values`` (KeyError, ZeroDivisionError where it has none)."""
        sides = self._sided(values)
        return self._difference(values) if sides is None else sides[0] - sides[1]

    def _sided(self, values: dict) -> tuple | None:
        """(lhs, rhs) of the condition at ``values`` from the straight-line function, or None where it has none
        (the compiled expressions then say why, as before)."""
        if self._sides is None:
            return None
        try:
            return self._sides(values)
        except (KeyError, ZeroDivisionError):
            return None

    def whole(self, shift: Fraction, margin: Fraction, notional=None) -> tuple:
        """(the condition's ``lhs - rhs``, whether it holds) at :meth:`state`: the whole state, never a fitted
        form."""
        return self.difference(self.state(shift, margin, notional)), self.holds(shift, margin, notional)

    def _state(self, shift, margin, price=None, *, notional=None) -> dict:
        values = dict(self.values)
        if price is not None:  # the coin's USD price moved too (an inverse position's: :func:`_price_inverse`)
            values[self.mode.symbols[self.setting.rule.price].sympy] = price
        held = self.held + shift
        values[self.names["total"]] = max(held, _ZERO)
        values[self.names["debt"]] = self.owed + max(-held, _ZERO)
        values[self.names["maintenanceMargin"]] = margin
        if notional is not None:
            values[self.notional] = notional
        if self.table is not None:
            basis = self.fast.tier_basis(self.mode, values)
            row = self.table.row_for(basis) if basis is not None else None
            if row is None:
                raise EvaluationError(f"no haircut tier row of {self.leg.position.symbol} holds basis {_txt(basis)}")
            values.update(_row_values(self._rows, row, self.mode))
        return values

    def shifts(self) -> list:
        """The shifts of the coin's equity where its side of the condition may bend, in order: where its holding
        reaches 0 (a loan starts) and where its haircut tier basis crosses a row's floor or cap (solved from the
        basis's affine form where the coin's net equity is positive); built once, shared by its positions."""
        if self._shifts is None:
            found = {-self.held}
            if self.table is not None:
                low = self.owed - self.held + 1  # shifts where the coin's net equity is positive (1 and 2 coin units)
                c1, c2, c3 = self.basis(low), self.basis(low + 1), self.basis(low + 2)
                if None not in (c1, c2, c3) and c2 != c1 and c1 + 2 * (c2 - c1) == c3:
                    for row in self.table.rows:
                        for bound in (row.floor, row.cap):
                            if bound is not None:
                                found.add(low + (bound - c1) / (c2 - c1))
                else:
                    self._forms = None  # the bounds are unknown: no shared form
            self._shifts = sorted(found)
        return self._shifts

    def linear(self, shift: Fraction, margin: Fraction) -> Fraction | None:
        """``difference(state(shift, margin))`` from the coin's affine form on the open interval of :meth:`shifts`
        that holds ``shift``: fitted once per interval from :meth:`state` at three points inside it (two shifts, two
        margins), checked at two more, and shared by every position settled in the coin; at a bound itself, affine
        in the margin alone (fitted at two margins, checked at a third).  None where a form does not check or a
        value is missing (the caller then evaluates the state itself)."""
        form = self.form(shift)
        return None if form is None else form[0] + form[1] * shift + form[2] * margin

    def form(self, shift: Fraction) -> tuple | None:
        """:meth:`linear`'s form on the interval (or at the bound) that holds ``shift``: (value at shift 0 and
        margin 0, its slope in the shift, its slope in the margin), or None."""
        bounds = self.shifts()
        if self._forms is None:
            return None
        i = bisect_left(bounds, shift)
        if i < len(bounds) and bounds[i] == shift:  # at the bound itself: affine in the margin alone
            if ("at", i) not in self._forms:
                m1 = self.values[self.names["maintenanceMargin"]]
                form = None
                try:
                    a, b = (self.difference(self.state(shift, m)) for m in (m1, m1 + 1))
                    if self.difference(self.state(shift, 2 * m1 + 3)) == a + (b - a) * (m1 + 3):
                        form = (a - (b - a) * m1, _ZERO, b - a)
                except (KeyError, ZeroDivisionError, EvaluationError):
                    pass
                self._forms["at", i] = form
            i = "at", i
        elif i not in self._forms:
            s1, s2, s3 = _interior(bounds[i - 1] if i else None, bounds[i] if i < len(bounds) else None)
            m1 = self.values[self.names["maintenanceMargin"]]
            m2, m3 = m1 + 1, 2 * m1 + 3
            form = None
            try:
                d = self.difference
                a = d(self.state(s1, m1))
                b, c = (d(self.state(s2, m1)) - a) / (s2 - s1), d(self.state(s1, m2)) - a
                if all(d(self.state(x, m)) == a + b * (x - s1) + c * (m - m1) for x, m in ((s3, m3), (s2, m2))):
                    form = (a - b * s1 - c * m1, b, c)
            except (KeyError, ZeroDivisionError, EvaluationError):
                pass
            self._forms[i] = form
        return self._forms[i]

    def basis(self, shift: Fraction) -> Fraction | None:
        if self.table is None:
            return None
        values = dict(self.values)
        values[self.names["total"]] = self.held + shift
        return _q(self.fast.tier_basis(self.mode, values))


def _price(setting, coin, derivative, product) -> PositionPrice:
    if _inverse(product, derivative):
        return _price_inverse(setting, coin, derivative, product)
    leg = coin.leg
    mark = product.mark
    mm0, pnl0, _, _ = product.at(mark)
    own = _q(derivative.maintenance) if derivative.maintenance is not None else mm0
    others = coin.values[coin.names["maintenanceMargin"]] - own * coin.price  # the coin's other positions' margin
    base = dict(mark=_f(mark), rule=product.rule.id, rule_maintenance=_f(mm0),
                differs=derivative.maintenance is not None and mm0 != derivative.maintenance)
    # a coin whose positions' notional the rule reads (OKX's fee term): this position's moves with its price (its
    # product rule's notional, in the coin, at the coin's price), the others' held (the coin's less the row's own)
    notional = coin.notional is not None and derivative.notional is not None
    others_notional = coin.values[coin.notional] - _q(derivative.notional) if notional else None

    def moved(x):
        """(the settle coin's equity shift, its positions' margin[, their notional]) with the position at ``x``."""
        mm, pnl, _, _ = product.at(x)
        if notional:
            return pnl - pnl0, others + mm * coin.price, others_notional + product.notional_at(x) * coin.price
        return pnl - pnl0, others + mm * coin.price

    def fast(x):
        """d(x) from the product's and the coin's affine forms, or None where they do not apply (a moving notional:
        the coin's form is fitted in its equity and margin only)."""
        if notional:
            return None
        found = product.linear(x)
        if found is None:
            return None
        mm, pnl = found
        return coin.linear(pnl - pnl0, others + mm * coin.price)

    def judged(x):
        """(d(x), holds(x)) exactly."""
        if coin.operator is not None and (d := fast(x)) is not None:
            return d, coin.operator(d, 0)
        return coin.whole(*moved(x))

    def full(x):
        """(d(x), holds(x)) from the whole state, never the fitted forms: every price returned is confirmed by it,
        so a fit that were wrong at the root could refuse a price, never give a wrong one."""
        return coin.whole(*moved(x))

    def piece(x):
        """(d at 0, d's slope) on the piece that holds ``x`` (strictly inside it): the product's forms and the
        coin's are both affine there (the piece lies inside one interval of each, its ends being both's bounds),
        so their combination is, and its root is exact; None where either form does not apply."""
        if notional:
            return None
        found = product.forms(x)
        if found is None:
            return None
        a, b, c, e = found
        form = coin.form(c + e * x - pnl0)
        if form is None:
            return None
        f0, f1, f2 = form
        return f0 + f1 * (c - pnl0) + f2 * (others + a * coin.price), f1 * e + f2 * b * coin.price

    def difference(x):  # d(x) alone, for the fit
        d = fast(x)
        return coin.difference(coin.state(*moved(x))) if d is None else d

    down = product.position.side == "long"
    where = "down to 0" if down else "up without bound"
    try:
        if coin.holds(*moved(mark)):
            return PositionPrice(None, "the account is liquidated at the marks already", **base)
        points, owes_from = _breakpoints(product, coin, mark, pnl0, down)
    except EvaluationError as error:
        said = error.diagnostics[0].message if error.diagnostics else str(error)
        return PositionPrice(None, f"it cannot be priced: {said}", **base)
    # symbols nobody gave, 0 only while the coin owes nothing: the coin's catalog loan rate, or a rule symbol the
    # account's zero loans took out of every condition (Binance's BMMR: Setting.vanished)
    unknown = sorted(leg.assumed | setting.vanished)
    start = mark
    for end in [*points, None]:
        if unknown and owes_from is not None and start == owes_from:
            return _owes(down, start, derivative.settle, unknown, base)
        try:
            if start != mark and judged(start)[1] and full(start)[1]:  # a jump at a tier bound
                return PositionPrice(_f(start), None, **base)
            inner = _inside(start, end, down)
            combined = piece(inner[0])  # the piece's affine form straight from the fitted ones, when they apply
            if combined is None:  # else fitted from d at three prices inside the piece, checked at the third
                d1, d2, d3 = (difference(x) for x in inner)
        except EvaluationError as error:
            return _unpriceable_beyond(down, start, error, base)
        (x1, x2, x3) = inner
        if combined is not None:
            d1, slope = combined[0] + combined[1] * x1, combined[1]
        else:
            slope = (d2 - d1) / (x2 - x1)
        if combined is None and d1 + slope * (x3 - x1) != d3:
            return PositionPrice(None, f"the account's condition is not linear in the price of {derivative.symbol} "
                                       f"between {_txt(start)} and {_txt(end)} (the product rule's margin or PnL "
                                       "is not affine in it): not solved", **base)
        found = _crossing(x1, d1, slope, start, end, down, full, base)
        if found is not None:
            return found
        start = end
    return PositionPrice(None, f"moving it {where} with everything else held, the account's liquidation condition "
                               "never holds", **base)


def _crossing(x1, d1, slope, start, end, down, whole, base, settle=None) -> PositionPrice | None:
    """The piece's answer where its line ``d1 + slope (x - x1)`` crosses 0 inside it: the price, when the whole
    state (``whole(x)``: ``(lhs - rhs, holds)``) confirms the condition there (a strict condition holds just past its
    boundary: the boundary is the price); the reason, when the line crosses where the rule's own condition does not;
    None when it does not cross in the piece.  ``settle``: an inverse position's coin price over its mark, for the
    coin's price at the root."""
    if not slope:
        return None
    root = x1 - d1 / slope
    if not (_within(root, start, end, down) and root > 0):
        return None
    try:
        at_root, holds = whole(root)
        if holds or at_root == 0 and whole(_inside(root, end, down)[0])[1]:
            moved = {} if settle is None else {"settle_price": _f(settle * root)}
            return PositionPrice(_f(root), None, **base, **moved)
    except EvaluationError:
        return None
    if at_root != 0:  # the fitted line crosses where the whole state does not: say so, no price
        return PositionPrice(None, f"the account's condition fitted between {_txt(start)} and {_txt(end)} crosses "
                                   f"at {_txt(root)}, where the rule's own does not: not solved", **base)
    return None


def _owes(down, start, settle, unknown, base) -> PositionPrice:
    """No price: the walk reached the price from which the settle coin owes, and the loan's margin needs symbols
    nobody gives."""
    return PositionPrice(None, f"not liquidated {'down' if down else 'up'} to {_txt(start)}, where its loss makes "
                               f"{settle} owe; beyond it the loan's margin needs {', '.join(unknown)}, which nobody "
                               f"gives for {settle} (the catalog has no value): not priced", **base)


def _unpriceable_beyond(down, start, error, base) -> PositionPrice:
    """No price: the position cannot be evaluated past ``start`` (the rule's own message)."""
    message = error.diagnostics[0].message if error.diagnostics else str(error)
    return PositionPrice(None, f"not liquidated {'down' if down else 'up'} to {_txt(start)}, and beyond it the "
                               f"position cannot be priced: {message}", **base)


def _breakpoints(product, coin, mark, pnl0, down) -> list:
    """The prices beyond the mark (in the adverse direction) where a piece ends, in order, and the price from
    which the settle coin owes (the mark when it owes there already; None when its holding never reaches 0)."""
    # the bases and the PnL are affine in the price whatever the tier (near the mark: a table that ends far from it
    # does not stop the fit)
    x1, x2, x3 = product.near()
    (mm1, p1, b1, table), (_, p2, b2, _), (_, p3, b3, _) = (product.at(x) for x in (x1, x2, x3))
    pnl_slope = (p2 - p1) / (x2 - x1)
    if p1 + pnl_slope * (x3 - x1) != p3:
        raise EvaluationError(f"the unrealised PnL of {product.derivative.symbol} under {product.rule.id} is not "
                              "affine in its price (an inverse contract?): not solved")
    found, owes_from = set(), None
    if table is not None and b1 is not None and b2 is not None and b2 != b1:
        slope = (b2 - b1) / (x2 - x1)
        for row in table.rows:
            for bound in (row.floor, row.cap):
                if bound is not None:
                    found.add(x1 + (bound - b1) / slope)
    if pnl_slope:
        def price_of(shift):  # the price at which the coin's holding has moved by ``shift``
            return mark + shift / pnl_slope
        owes_from = price_of(-coin.held)  # the holding reaches zero: a loan starts
        if coin.held <= 0 or coin.owed:
            owes_from = mark
        elif (owes_from > mark) == down or owes_from <= 0:  # the loss never takes the holding to 0
            owes_from = None
        for shift in coin.shifts():  # the coin's own bounds (its holding at 0, its haircut rows)
            found.add(price_of(shift))
    return sorted((x for x in found if (x < mark if down else x > mark) and x > 0), reverse=down), owes_from


def _inverse(product, derivative) -> bool:
    """Whether the position is an inverse contract settled in its own base coin (Binance COIN-M's BTC/USD:BTC, in
    BTC): its unrealised PnL not affine in its price and affine in the price's reciprocal, checked exactly at the
    mark and two prices beside it.  Such a position is priced by :func:`_price_inverse`."""
    if derivative.symbol.partition("/")[0] != derivative.settle:
        return False
    points = product.near()
    try:
        pnls = [product.at(x)[1] for x in points]
    except EvaluationError:
        return False  # :func:`_price` says why
    return _affine(points, pnls) is None and _affine([1 / x for x in points], pnls) is not None


def _affine(xs, ys) -> tuple | None:
    """(value at 0, slope) of the line through the first two points when the third is on it; else None."""
    (x1, x2, x3), (y1, y2, y3) = xs, ys
    slope = (y2 - y1) / (x2 - x1)
    return (y1 - slope * x1, slope) if y1 + slope * (x3 - x1) == y3 else None


def _price_inverse(setting, coin, derivative, product) -> PositionPrice:
    """:func:`_price` for an inverse contract settled in its own base coin.

    Its PnL and margin are in the coin, ``s Q CM (1/EP - 1/X)`` and ``Q CM / X x MMR - cum``: not affine in its mark
    ``X``.  The contract is the coin's own price, so the coin's USD price moves with the mark, in proportion
    (``P = P0 X / X0``: the export's price of the coin and the row's mark, equal when they are the same figure); the
    other coins' prices and the other positions' marks are held, their margin and PnL in the coin held and valued
    at ``P``.  In USD the coin's holding ``(A0 + upnl(X) - upnl(X0)) P`` and its positions' margin ``(MM1 + mm(X))
    P`` are then affine in ``X`` on each piece between breakpoints, and so is the condition's ``lhs - rhs`` (the
    unified rule values the coin at ``P``).  The breakpoints, each exact: the product's tier bounds (its basis, the
    notional in the coin, is affine in ``1/X``: a row's bound ``b`` is crossed where ``1/X`` makes it ``b``), the
    coin's own (its holding at 0 and its haircut rows, whose basis is in the coin: the equity shift ``upnl(X) -
    upnl(X0)`` is affine in ``1/X``).  Each piece is fitted from the whole state at three prices inside it (two
    fit, the third checks); its root is the price when the whole state holds the condition there."""
    mark, price = product.mark, coin.price
    mm0, pnl0, _, _ = product.at(mark)
    own = _q(derivative.maintenance) if derivative.maintenance is not None else mm0
    base = dict(mark=_f(mark), rule=product.rule.id, rule_maintenance=_f(mm0),
                differs=derivative.maintenance is not None and mm0 != derivative.maintenance)
    if not price or price < 0:
        return PositionPrice(None, f"its settle coin {derivative.settle} has no USD price above 0 to move with it: "
                                   "not priced", **base)
    ratio = price / mark  # the coin's USD price over the mark, held as both move
    others = coin.values[coin.names["maintenanceMargin"]] / price - own  # the coin's other positions', in the coin
    seen = {}

    def whole(x):
        """(d(x), holds(x)) from the whole state with the mark at ``x`` and the coin's price at ``ratio x``."""
        if x not in seen:
            mm, pnl, _, _ = product.at(x)
            at = ratio * x
            values = coin._state(pnl - pnl0, (others + mm) * at, at)
            sides = coin._sided(values) if coin.operator is not None else None
            if sides is None:
                seen[x] = coin.difference(values), coin.fast.holds(coin.mode, "liquidation", values)
            else:
                seen[x] = sides[0] - sides[1], coin.operator(*sides)
        return seen[x]

    down = product.position.side == "long"
    where = "down to 0" if down else "up without bound"
    try:
        if whole(mark)[1]:
            return PositionPrice(None, "the account is liquidated at the marks already", **base)
        points, owes_from = _inverse_breakpoints(product, coin, mark, pnl0, down)
    except EvaluationError as error:
        said = error.diagnostics[0].message if error.diagnostics else str(error)
        return PositionPrice(None, f"it cannot be priced: {said}", **base)
    unknown = sorted(coin.leg.assumed | setting.vanished)  # as in :func:`_price`: 0 only while the coin owes nothing
    start = mark
    for end in [*points, None]:
        if unknown and owes_from is not None and start == owes_from:
            return _owes(down, start, derivative.settle, unknown, base)
        try:
            if start != mark and whole(start)[1]:  # a jump at a tier bound
                return PositionPrice(_f(start), None, **base, settle_price=_f(ratio * start))
            inner = _inside(start, end, down)
            (d1, _), (d2, _), (d3, _) = (whole(x) for x in inner)
        except EvaluationError as error:
            return _unpriceable_beyond(down, start, error, base)
        x1, x2, x3 = inner
        slope = (d2 - d1) / (x2 - x1)
        if d1 + slope * (x3 - x1) != d3:
            return PositionPrice(None, f"the account's condition, in USD with {derivative.settle} at the mark's "
                                       f"price, is not linear in the price of {derivative.symbol} between "
                                       f"{_txt(start)} and {_txt(end)}: not solved", **base)
        found = _crossing(x1, d1, slope, start, end, down, whole, base, settle=ratio)
        if found is not None:
            return found
        start = end
    return PositionPrice(None, f"moving it {where} with {derivative.settle}'s price beside it and everything else "
                               "held, the account's liquidation condition never holds", **base)


def _inverse_breakpoints(product, coin, mark, pnl0, down) -> tuple:
    """:func:`_breakpoints` of an inverse position: the prices beyond the mark (in the adverse direction) where a
    piece ends, in order, and the price from which the settle coin owes (the mark when it owes there already; None
    when its holding never reaches 0).  The product's tier basis and the coin's equity shift are affine in ``1/X``
    (fitted at the mark and two prices beside it, checked at the third): each bound is solved in ``1/X``."""
    points = product.near()
    found = [product.at(x) for x in points]
    reciprocals = [1 / x for x in points]
    pnl = _affine(reciprocals, [f[1] for f in found])
    if pnl is None or not pnl[1]:
        raise EvaluationError(f"the unrealised PnL of {product.derivative.symbol} under {product.rule.id} is neither "
                              "affine in its price nor in its reciprocal: not solved")
    wanted = set()  # values of 1/X
    table, bases = found[0][3], [f[2] for f in found]
    if table is not None:
        basis = _affine(reciprocals, bases) if None not in bases else None
        if basis is None:
            raise EvaluationError(f"the tier basis of {product.derivative.symbol} under {product.rule.id} is not "
                                  "affine in the reciprocal of its price: not solved")
        if basis[1]:
            wanted.update((bound - basis[0]) / basis[1] for row in table.rows for bound in (row.floor, row.cap)
                          if bound is not None)
    if coin.table is not None and not _basis_ignores_price(coin):
        raise EvaluationError(f"the haircut tier basis of {coin.leg.position.symbol} moves with its price: not solved")

    def reciprocal(shift):  # 1/X at which the coin's holding has moved by ``shift``
        return (shift + pnl0 - pnl[0]) / pnl[1]

    wanted.update(reciprocal(shift) for shift in coin.shifts())  # its holding at 0, its haircut rows
    u = reciprocal(-coin.held)
    owes_from = 1 / u if u > 0 else None
    if coin.held <= 0 or coin.owed:
        owes_from = mark
    elif owes_from is not None and (owes_from > mark) == down:  # the loss never takes the holding to 0
        owes_from = None
    prices = {1 / u for u in wanted if u > 0}
    return sorted((x for x in prices if (x < mark if down else x > mark)), reverse=down), owes_from


def _basis_ignores_price(coin) -> bool:
    """Whether the coin's haircut tier basis is the same at another USD price of it (at its holding and at a
    larger one): then its bounds, solved in the coin's units (:meth:`_Coin.shifts`), hold as its price moves."""
    key = coin.mode.symbols[coin.setting.rule.price].sympy
    for held in (coin.held, coin.owed + abs(coin.held) + 1):
        values = dict(coin.values)
        values[coin.names["total"]] = held
        before = coin.fast.tier_basis(coin.mode, values)
        values[key] = coin.price * 2 + 1
        if before != coin.fast.tier_basis(coin.mode, values):
            return False
    return True


def _interior(low, high) -> tuple:
    """Three distinct points strictly between ``low`` and ``high`` (None: no bound on that side)."""
    if low is None and high is None:
        low = _ZERO
    if high is None:
        return low + 1, low + 2, low + 3
    if low is None:
        return high - 1, high - 2, high - 3
    step = (high - low) / 4
    return low + step, low + 2 * step, low + 3 * step


def _inside(start, end, down) -> tuple:
    """Three prices strictly inside the piece from ``start`` to ``end`` (None: 0 going down, no bound going up)."""
    if end is None:
        end = _ZERO if down else start * 4
    step = end - start
    return start + step / 3, start + 2 * step / 3, start + step / 2


def _within(x, start, end, down) -> bool:
    if down:
        return x < start and (end is None or x >= end)
    return x > start and (end is None or x <= end)


def _txt(x) -> str:
    from verifier.model.numbers import approx_text

    return "its end" if x is None else approx_text(_f(x) if type(x) is mpq else x)


_MOVED: dict = {}


def _moved(mode, field: str) -> frozenset:
    """The names of ``mode``'s symbols whose cross reading uses the position's ``field`` (found once per mode and
    field: every position of a product rule asks)."""
    from verifier.model.snapshot import fields_of

    key = id(mode), field
    found = _MOVED.get(key)
    if found is None or found[0] is not mode:
        found = _MOVED[key] = (mode, frozenset(
            name for name, spec in mode.symbols.items()
            if (reading := spec.reading("cross")) is not None and field in fields_of(reading)))
    return found[1]


def _row_values(cache: dict, row, mode, only=None) -> dict:
    """SymPy symbol -> value (mpq) of tier ``row``'s columns under ``mode`` (``only``: those tier symbols), built
    once per row."""
    key = id(row), None if only is None else tuple(only)
    found = cache.get(key)
    if found is None or found[0] is not row:
        values = {mode.symbols[name].sympy: _q(Fraction(row.values[column]))
                  for name, column in mode.tier_symbols.items() if only is None or name in only}
        found = cache[key] = (row, values)
    return found[1]


_STRAIGHT: dict = {}


def _straight(exprs):
    """``values -> (value, ...)`` of SymPy ``exprs`` as one straight-line function over GMP rationals
    (:func:`verifier.derive.rational_code.compile_many`: a subexpression they share computed once; no closure per
    node), reading ``values`` by the rule's SymPy symbols (bound to the code's input names: no text of the rule
    enters the code); None where that compiler does not take them (the compiled trees then evaluate them).  Built
    once per expressions: every position of a product rule asks."""
    from verifier.derive.rational_code import Code, NotCompilable, compile_many

    key = tuple(exprs)
    if key not in _STRAIGHT:
        symbols = {}
        for expr in exprs:
            for symbol in expr.free_symbols:
                symbols.setdefault(symbol.name, set()).add(symbol)
        function = None
        if all(len(found) == 1 for found in symbols.values()):  # one symbol a name, as the code reads them
            try:
                code = compile_many(exprs)
                function = Code(code.source, code.constants,
                                tuple(next(iter(symbols[name])) for name in code.names)).function
            except (NotCompilable, KeyError):
                function = None
        if len(_STRAIGHT) > 256:
            _STRAIGHT.clear()
        _STRAIGHT[key] = function
    return _STRAIGHT[key]
