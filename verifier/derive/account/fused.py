"""A position's whole compiled evaluation fused into one generated function, per shape of position.

:mod:`~verifier.derive.account.run` evaluates a position by steps (its readings, its definitions at the mark, the
liquidation price, the status), each a call of compiled code over a mapping of values; for an account of thousands
of positions the steps' glue costs more than their arithmetic.  Positions of one file mostly look alike -- the same
fields, markets whose catalogs fill the same ones -- and for such a *shape* every decision the steps take about
which value exists is the same.  So, for a mode without sums over the other positions (each position alone), the
steps are written out once per shape as one function: each compiled code's text inlined
(:func:`verifier.derive.rational_code.inline`) with its inputs in local names, each decision taken while writing.

Where a position has no price, the function says why as the steps do (:func:`_no_price`: the same conditions at the
same values, written out instead of the steps' helper called with a mapping of them).

The function answers what the steps answer, or ``None`` where they would do something it does not (a value outside
its domain, a zero denominator, a tier row that does not hold the basis): the steps then evaluate the position
(and hand it to the reference where they must).  A shape it cannot write (a field the mode needs missing, some of
the exchange's tier values given and not the others) gets no function; its positions go by the steps.  The result
is the steps' exactly (``tests/derive/test_compiled_evaluation.py`` holds both to the reference).
"""

from __future__ import annotations

import bisect
import re
from fractions import Fraction

from gmpy2 import mpq

from verifier.derive.rational_code import Code, checked_source, inline, inline_available

RESULT = ("price", "reason", "maintenance_margin", "upnl", "tier", "status", "mark", "bracket", "bracket_source",
          "ratio", "liquidation_tier")
"""What a fused function returns, in this order (``bracket``: the catalog's row as a result gives it, (symbol,
Fraction) pairs sorted by symbol, when ``bracket_source`` is ``catalog``; else the tier values, in the mode's tier
order)."""


class _Writer:
    def __init__(self):
        self.lines: list = []
        self.count = 0
        self.constants: list = []
        self.globals: dict = {}
        # the locals holding the market's table's parts, once read (run._Market.table_for)
        self.rows = self.closed = self.indexes = self.floors = self.caps = self.search = None

    def fresh(self) -> str:
        self.count += 1
        return f"z{self.count}"

    def constant(self, pair) -> str:
        pair = (int(pair[0]), int(pair[1]))
        if pair not in self.constants:
            self.constants.append(pair)
        return f"k{self.constants.index(pair)}"

    def bind(self, value) -> str:
        """A name for ``value`` in the function's namespace (a helper, a text, a tuple)."""
        name = f"g{len(self.globals)}"
        self.globals[name] = value
        return name

    def emit(self, line: str, depth: int = 0) -> None:
        self.lines.append("    " * depth + line)

    def code(self, code: Code, inputs: dict, depth: int = 0) -> str:
        body, result = inline(code, inputs, self.fresh, self.constant)
        for line in body:
            self.emit(line, depth)
        return result


def fuse(program, plan, prepared, margin_mode: str, fields: tuple, wallet: bool, fills: tuple, futures: bool,
         reason, texts=None):
    """The fused function of positions with ``fields`` (their own, in order), the account's wallet given or not,
    the market filling ``fills``; None when the shape needs the steps.  It is called ``f(F, S, W, L, M)``: the
    position's fields, its side (1 or -1), the wallet, the market's fill values and the market (``_Market``), and
    returns the values of :data:`RESULT` (None: the steps must evaluate the position).  ``reason(values, market,
    side, catalog)`` is the steps' reason for no price (None: the steps must say it); with ``texts`` (the steps'
    ``NO_PRICE``) the function writes that reason out (:func:`_no_price`) where it can, else it calls ``reason``."""
    if plan.others or plan.form is None and "liquidation" in plan.conditions:
        return None
    w = _Writer()
    available = {}  # field -> expression holding it
    for index, name in enumerate(fields):
        available[name] = f"F[{w.bind(name)}]"
    if futures:
        available["side"] = "S"
        if wallet and "walletBalance" not in available:
            available["walletBalance"] = "W"
        for name in fills:
            if name not in available:
                available[name] = f"L[{w.bind(name)}]"
    w.emit("def f(F, S, W, L, M):")
    if futures:  # the position's own contractSize against the catalog's: a difference the steps hand over
        for name in fields:
            if name in fills:
                w.emit(f"if F[{w.bind(name)}] != L[{w.bind(name)}]:", 1)
                w.emit("return None", 2)
    if "leverage" in fields:  # a leverage above the market's limit: the reference refuses it
        w.emit(f"if M.leverage_limit is not None and F[{w.bind('leverage')}] > M.leverage_limit:", 1)
        w.emit("return None", 2)
    values = {name: w.constant((v.numerator, v.denominator)) for name, v in plan.parameters.items()}
    given = set()
    tier_given = []
    for name, field, function, market_field, fails, accept, from_tiers in prepared.steps:
        symbol = next(s for s in plan.symbols if s.name == name)
        reading = symbol.readings.get(margin_mode)
        value = None
        if reading is not None and all(n in available for n in reading.names):
            value = w.fresh()
            w.emit(f"{value} = " + w.code(reading, {n: available[n] for n in reading.names}, 1), 1)
            if market_field is not None:  # its own value against the catalog's: a difference the steps hand over
                catalog = w.fresh()
                w.emit(f"{catalog} = M.fields.get({w.bind(market_field)})", 1)
                w.emit(f"if {catalog} is not None and {catalog} != {value}:", 1)
                w.emit("return None", 2)
        elif market_field is not None:
            value = w.fresh()
            w.emit(f"{value} = M.fields.get({w.bind(market_field)})", 1)
            w.emit(f"if {value} is None:", 1)
            w.emit("return None", 2)
        elif fails:
            return None  # a missing field: the steps (then the reference) say so
        else:
            continue
        for op, bound in symbol.domain:
            w.emit(f"if not ({value} {op} {w.constant((bound.numerator, bound.denominator))}):", 1)
            w.emit("return None", 2)
        if symbol.one_of:
            w.emit(f"if {value} not in {w.bind(tuple(symbol.one_of))}:", 1)
            w.emit("return None", 2)
        values[name] = value
        given.add(name)
        if from_tiers:
            tier_given.append(name)
    tier_names = prepared.tier_names
    if tier_given and len(tier_given) != len(tier_names):
        return None
    if tier_given and program.has_tiers and futures:
        return None  # a bracket the position gives, compared with the catalog's row: the steps
    tiered = program.has_tiers and futures and bool(tier_names) and not tier_given
    tier, source = "None", "None"
    if tier_names and tier_given:
        source = w.bind("position")
    if tiered:
        if plan.basis is None or not all(n in values for n in plan.basis.names):
            return None
        w.emit("if M.table is None:", 1)
        w.emit("return None", 2)
        basis = w.fresh()
        w.emit(f"{basis} = " + w.code(plan.basis, {n: values[n] for n in plan.basis.names}, 1), 1)
        # the market's table as this function reads it (run._Market.table_for, kept by the market under this
        # function's own key): the rows the solver below reads too (the same values M.row_values gives: the row's,
        # as mpq), the bound convention, the floors and caps, the bisection, the solver's built row indexes
        table, brackets = w.fresh(), w.fresh()
        w.rows, w.closed, w.indexes, w.floors, w.caps, w.search = (w.fresh() for _ in range(6))
        key = w.bind(object())
        w.emit(f"{table} = M.tables.get({key})", 1)
        w.emit(f"if {table} is None:", 1)
        w.emit(f"{table} = M.table_for({key}, {w.bind(prepared.columns)}, {w.bind(tier_names)})", 2)
        w.emit(f"{w.rows}, {w.closed}, {w.floors}, {w.caps}, {w.search}, {w.indexes}, {brackets} = {table}", 1)
        # the row holding the basis, by its place in the table (M.row_at written out)
        index, number = w.fresh(), w.fresh()
        _row_at(w, index, basis, 1)
        w.emit(f"if {index} is None:", 1)
        w.emit("return None", 2)
        names = [w.fresh() for _ in tier_names]
        w.emit(f"{number}, {w.fresh()}, {w.fresh()}{''.join(', ' + n for n in names)} = {w.rows}[{index}]", 1)
        for name, local in zip(tier_names, names):
            values[name] = local
        tier, source = number, w.bind("catalog")
    # every definition at the mark and both sides of each status condition, what they share computed once; a zero
    # denominator anywhere: the steps (which give that definition no value and go on)
    lines, outputs = inline_available(plan.mark, values, w.fresh, w.constant)
    w.emit("try:", 1)
    for line in lines:
        w.emit(line, 2)
    w.emit("pass", 2)
    w.emit("except ZeroDivisionError:", 1)
    w.emit("return None", 2)
    at_mark = {name: out for name, out in zip(plan.mark_definitions, outputs) if out is not None}
    sides = outputs[len(plan.mark_definitions):]
    if len(plan.mark_status) != len(plan.status) or None in sides:
        return None  # a condition the steps must decide
    condition_at_mark = None  # the liquidation condition at the mark, as the status below tests it (a local's comparison)
    for (name, comparison), left, right in zip(plan.mark_status, sides[::2], sides[1::2]):
        if name == "liquidation" and condition_at_mark is None:
            condition_at_mark = f"{left} {comparison} {right}"
    price, reason, number = _liquidation(w, program, plan, prepared, values, given, tiered, reason,
                                         condition_at_mark, texts)
    if price is False:
        return None
    liquidation_tier = "None"
    if number is not None and plan.form.solve_for == program.price and \
            not set(plan.basis.names) & set(tier_names):
        # the solver's row holds the basis at the price (its own check, by the table's bounds); in a table whose
        # rows follow each other without gap or overlap no other row does: that is the row the lookup finds
        liquidation_tier = w.fresh()
        w.emit(f"{liquidation_tier} = None", 1)
        w.emit(f"if {price} is not None:", 1)
        w.emit("if M.contiguous:", 2)
        w.emit(f"{liquidation_tier} = {number}", 3)
        w.emit("else:", 2)
        inputs = {n: (price if n == program.price else values[n]) for n in plan.basis.names}
        w.emit("try:", 3)
        moved = w.fresh()
        w.emit(f"{moved} = M.row_for(" + w.code(plan.basis, inputs, 4) + ")", 4)
        w.emit("except ZeroDivisionError:", 3)
        w.emit("return None", 4)
        w.emit(f"if {moved} is not None:", 3)
        w.emit(f"{liquidation_tier} = {moved}.number", 4)
    elif tiered and price != "None":  # the row holding the basis at the price (legs at the mark hold theirs)
        liquidation_tier, moved = w.fresh(), w.fresh()
        w.emit(f"{liquidation_tier} = None", 1)
        w.emit(f"if {price} is not None:", 1)
        w.emit("try:", 2)
        inputs = {n: (price if n == program.price else values[n]) for n in plan.basis.names}
        w.emit(f"{moved} = M.row_for(" + w.code(plan.basis, inputs, 3) + ")", 3)
        w.emit("except ZeroDivisionError:", 2)
        w.emit("return None", 3)
        w.emit(f"if {moved} is not None:", 2)
        w.emit(f"{liquidation_tier} = {moved}.number", 3)
    status = w.fresh()
    w.emit(f"{status} = {w.bind('normal')}", 1)
    for (name, comparison), left, right in zip(plan.mark_status, sides[::2], sides[1::2]):
        w.emit(f"if {left} {comparison} {right} and {status} == {w.bind('normal')}:", 1)
        w.emit(f"{status} = {w.bind(name)}", 2)
    ratio = at_mark.get(prepared.ratio_at_mark) if prepared.ratio_at_mark else "None"
    if prepared.ratio is not None and not prepared.ratio_at_mark:
        return None
    mark = values.get(program.price) if program.price in given else "None"
    bracket = "(" + "".join(values[name] + ", " for name in tier_names) + ")" if tier_names else "()"
    if tiered:  # the row at the mark's bracket as a result gives it, made once a row (run._Market.table_for)
        bracket = f"{brackets}[{index}]"
    w.emit(f"return ({price}, {reason}, {at_mark.get('maintenance_margin', 'None')}, {at_mark.get('upnl', 'None')}, "
           f"{tier}, {status}, {mark}, {bracket}, {source}, {ratio or 'None'}, {liquidation_tier})", 1)
    source_text = "\n".join(simplified(w.lines))
    namespace = {"__builtins__": {}, "min": min, "max": max, "abs": abs, "len": len,
                 "ZeroDivisionError": ZeroDivisionError, "True": True}
    namespace.update((f"k{i}", mpq(p, q)) for i, (p, q) in enumerate(w.constants))
    namespace.update(w.globals)
    exec(compile(checked_source(source_text), "<fused evaluation>", "exec"), namespace)  # noqa: S102 - see rational_code
    return namespace["f"]


def _row_at(w, index: str, basis: str, depth: int) -> None:
    """``index = M.row_at(basis)`` written out over the market's table read above: the bisection's row when it
    holds the basis, else M.row_at's own answer (None where no row holds it, or the reference's row in a table
    with gaps or overlaps)."""
    caps = w.caps
    w.emit(f"{index} = {w.search}({w.floors}, {basis}) - 1", depth)
    w.emit(f"if {index} < 0 or {caps}[{index}] is not None and not ({basis} < {caps}[{index}] if {w.closed} "
           f"else {basis} <= {caps}[{index}]):", depth)
    w.emit(f"{index} = M.row_at({basis})", depth + 1)


_ASSIGNED = re.compile(r"^(z\d+(?:, z\d+)*) = ")
_LOOP = re.compile(r"^for (z\d+(?:, z\d+)*) in ")
_COPY = re.compile(r"^(z\d+) = (z\d+|S)$")
_PURE = re.compile(r"^(z\d+) = ([zk0-9 ()*+\-]+)$")  # locals and constants under + - * only: nothing can raise
_LOCAL = re.compile(r"\bz\d+\b")


def simplified(lines: list) -> list:
    """The fused function's lines with what its pieces, written apart, left redundant taken out: a local that only
    copies another (``z1 = z2``, ``z9 = S``) is that other one, and a local computed by ``+``, ``-``, ``*`` alone
    that nothing reads is not computed (a definition at the mark the result does not use), and a product that
    contains one computed already multiplies by it (:func:`_shared_products`).  The values computed are
    the same ones, and so is every exception (a division is never dropped; an operation on rationals without a
    division raises nothing).

    A copy is taken out only when both names are assigned once, outside any loop (then both hold the same value
    wherever the copy's is read); a block left empty gets ``pass``.

    >>> print("\\n".join(simplified(["def f(F, S):", "    z2 = F[g0]", "    z1 = z2", "    z3 = z1 * S",
    ...                                "    z4 = z1 * z1", "    return z3"])))
    def f(F, S):
        z2 = F[g0]
        z3 = z2 * S
        return z3
    """
    lines = list(lines)
    while True:
        once, assigned = _assigned_once(lines)
        renamed = None
        for index, line in enumerate(lines):
            copy = _COPY.match(line.strip())
            if copy and copy.group(1) in once and (copy.group(2) == "S" or copy.group(2) in once):
                renamed = index, copy.group(1), copy.group(2)
                break
        if renamed is not None:
            index, old, new = renamed
            del lines[index]
            pattern = re.compile(rf"\b{old}\b")
            lines = [pattern.sub(new, line) for line in lines]
            continue
        reads: dict = {}
        for line in lines:
            for name in _LOCAL.findall(line):
                reads[name] = reads.get(name, 0) + 1
        dead = next((index for index, line in enumerate(lines) if (pure := _PURE.match(line.strip()))
                     and reads[pure.group(1)] == assigned.get(pure.group(1), 0)), None)
        if dead is None:
            break
        del lines[dead]
    lines = _shared_products(lines, _assigned_once(lines)[0])
    out = []
    for index, line in enumerate(lines):  # a block whose every line was taken out: pass
        out.append(line)
        if line.rstrip().endswith(":"):
            depth = len(line) - len(line.lstrip())
            following = lines[index + 1] if index + 1 < len(lines) else ""
            if len(following) - len(following.lstrip()) <= depth:
                out.append(" " * (depth + 4) + "pass")
    return out


_PAIR = re.compile(r"^    (z\d+) = (z\d+|S|k\d+) \* (z\d+|S|k\d+)$")  # a product of two, at the function's top level
_PRODUCT = re.compile(r"^(\s*)(z\d+) = ((?:(?:z\d+|S|k\d+) \* )+(?:z\d+|S|k\d+))$")


def _shared_products(lines: list, once: set) -> list:
    """Each product of three or more factors that contains a product of two computed before it at the function's
    top level (``z24 = z17 * z2 * z8`` after ``z13 = z2 * z8``) multiplied by that one instead (``z17 * z13``):
    one operation fewer, the same exact value (a product of rationals does not depend on its order, and raises
    nothing).  Every name involved is assigned once outside any loop, so it holds one value wherever it is read.

    >>> _shared_products(["    z13 = z2 * z8", "    if S:", "        z24 = z17 * z2 * z8"], {"z13", "z2", "z8", "z17"})
    ['    z13 = z2 * z8', '    if S:', '        z24 = z17 * z13']
    """
    pairs: dict = {}
    out = []
    for line in lines:
        product = _PRODUCT.match(line)
        if product and " * " in product.group(3):
            factors = product.group(3).split(" * ")
            if len(factors) >= 3 and all(f in once or not f.startswith("z") for f in factors):
                for (a, b), name in pairs.items():
                    rest = list(factors)
                    if a in rest:
                        rest.remove(a)
                        if b in rest:
                            rest.remove(b)
                            line = f"{product.group(1)}{product.group(2)} = {' * '.join(rest + [name])}"
                            break
        pair = _PAIR.match(line)
        if pair and pair.group(1) in once and all(f in once or not f.startswith("z") for f in pair.group(2, 3)):
            pairs.setdefault((pair.group(2), pair.group(3)), pair.group(1))
        out.append(line)
    return out


def _assigned_once(lines: list) -> tuple:
    """(the locals assigned exactly once and not inside a loop, every local's count of assignments)."""
    counts: dict = {}
    looped = set()
    loops: list = []  # the indentation of each enclosing loop
    for line in lines:
        depth = len(line) - len(line.lstrip())
        text = line.strip()
        while loops and depth <= loops[-1]:
            loops.pop()
        target = _ASSIGNED.match(text) or _LOOP.match(text)
        if target:
            for name in target.group(1).split(", "):
                counts[name] = counts.get(name, 0) + 1
                if loops or text.startswith("for "):
                    looped.add(name)
        if text.startswith("for "):
            loops.append(depth)
    return {name for name, count in counts.items() if count == 1 and name not in looped}, counts


def _liquidation(w, program, plan, prepared, values, given, tiered, helper, at_mark, texts) -> tuple:
    """(the price's expression, the reason's, the expression of the number of the tier row the solver found the
    price in, None where no solver of rows found it), all locals; (False, None, None) where the steps must
    answer."""
    if "liquidation" not in plan.conditions:
        return "None", w.bind(f"the {plan.name} mode has no liquidation condition"), None
    form = plan.form
    current = values[form.solve_for] if form.solve_for in given else None
    missing = tuple(name for name in prepared.tier_names if name not in given)
    uses = prepared.uses_tiers(plan, program, missing)
    prices = w.fresh()
    if not uses:
        inputs = {n: values[n] for n in form.flat.names if n != form.solve_for and (n in given or n in plan.parameters)}
        if len(inputs) != len(form.flat.names):
            return False, None, None
        w.emit("try:", 1)
        w.emit(f"{prices} = " + w.code(form.flat, inputs, 2), 2)
        w.emit("except ZeroDivisionError:", 1)
        w.emit("return None", 2)
    else:
        if not tiered or prepared.basis is None or not form.roots or prepared.tiered is None or \
                len(missing) != len(prepared.tier_names):
            return False, None, None
        static = [n for n in form.tiered.names]
        if not all(n in given or n in plan.parameters for n in static):
            return False, None, None
        if not prepared.basis_need <= given and (current is not None or form.entry in given):
            return False, None, None
        inputs = {n: values[n] for n in static}
        inputs.update(rows=w.rows, closed=w.closed)  # the market's table, read above for the row at the mark
        if form.tiered.near is not None:  # the solver's rows found by bisection (rational_code.RowIndex), the
            # indexes kept with the market's table (the call written out: rational_code._near_lines)
            near = form.tiered.near
            inputs.update(near=w.bind(near.find), indexes=w.indexes, index=w.bind(near.index),
                          bisect=w.bind(bisect.bisect_left))
        w.emit("try:", 1)
        found = w.code(form.tiered, inputs, 2)
        w.emit(f"{prices} = {found}", 2)  # (row number, price) pairs
        w.emit("except ZeroDivisionError:", 1)
        w.emit("return None", 2)
    reference = current if current is not None else (values[form.entry] if form.entry in given else None)
    price, reason = w.fresh(), w.fresh()
    number = w.fresh() if uses else None
    # the pick of tiers._pick: the only price, else the first nearest the reference (min keeps the first of
    # equals), else the first; over (row, price) pairs, the same price and the row it was found in
    pick = (lambda z: f"{price} = {z}") if not uses else (lambda z: f"{number}, {price} = {z}")
    w.emit(f"{reason} = None", 1)
    w.emit(f"if len({prices}) == 1:", 1)
    w.emit(pick(f"{prices}[0]"), 2)
    w.emit(f"elif {prices}:", 1)
    if reference is None:
        w.emit(pick(f"{prices}[0]"), 2)
    elif not uses:
        w.emit(pick(f"min({prices}, key=lambda z: abs(z - {reference}))"), 2)
    else:
        w.emit(pick(f"min({prices}, key=lambda z: abs(z[1] - {reference}))"), 2)
    w.emit("else:", 1)
    w.emit(f"{price} = None", 2)
    if texts is None or not _no_price(w, program, plan, prepared, values, tiered, at_mark, reason, texts):
        names = sorted(values)
        snapshot = "{" + ", ".join(f"{w.bind(n)}: {values[n]}" for n in names) + "}"
        w.emit(f"{reason} = {w.bind(helper)}({snapshot}, M, S, {w.bind(tiered)})", 2)
        w.emit(f"if {reason} is None:", 2)
        w.emit("return None", 3)
    return price, reason, number


def _no_price(w, program, plan, prepared, values, tiered, at_mark, reason, texts) -> bool:
    """The steps' reason for no price (:func:`verifier.derive.account.run._reason`, which the function otherwise
    calls with its values) written out into ``reason``, and True; False (nothing written) where a value it reads is
    not at hand here or the condition is not one comparison: the call then.

    Step for step as ``_reason`` (a catalog's bracket: ``_outgrown`` first): the liquidation condition at the mark
    (``at_mark``, computed with the status above; a zero denominator there returned None already, as ``_outgrown``
    does, or, without the catalog, before ``_reason`` is reached); not holding, the price solved with the table's
    last row carried on past its cap -- a zero denominator there: None -- whose tier basis no row holds and lies at
    or past that cap: outgrown.  Then no mark or one at or below 0: no root; else the condition a trillion times
    along the losing side (a catalog's bracket: the row holding the basis there, none or a zero denominator: no
    root; a zero denominator in the condition: no root): not holding, over-collateralised; holding there and at
    the mark, liquidated everywhere; else no root.  Every value is the one ``_reason`` computes (the same inputs,
    the same exact code), so is every text (the same templates)."""
    tree = plan.status.get("liquidation")
    form = plan.form
    if at_mark is None or tree is None or tree[0] != "relation":
        return False
    condition = tree[1]
    tier_names = prepared.tier_names
    need = set(condition.names) - {program.price} - (set(tier_names) if tiered else set())
    if tiered:
        need |= set(plan.basis.names) - {program.price}
        need |= set(form.flat.names) - set(tier_names)
        if form.solve_for in form.flat.names:
            return False  # _outgrown's flat inputs leave the solved symbol out: a KeyError, the steps' None
    if not all(n in values for n in need):
        return False
    if not tiered and any(n in condition.names and n not in values for n in tier_names):
        return False
    d = 2
    outgrown = None
    if tiered:
        # _outgrown: not liquidated at the mark, the last row carried on past its cap
        rows = w.rows  # M.rows, read for the row at the mark
        last = [w.fresh() for _ in tier_names]
        cap, prices, picked, basis, outgrown = w.fresh(), w.fresh(), w.fresh(), w.fresh(), w.fresh()
        w.emit(f"{outgrown} = None", d)
        w.emit(f"if not ({at_mark}) and {rows} and {rows}[-1][2] is not None:", d)
        w.emit(f"{w.fresh()}, {w.fresh()}, {cap}{''.join(', ' + n for n in last)} = {rows}[-1]", d + 1)
        inputs = {n: values[n] for n in form.flat.names}
        inputs.update((n, local) for n, local in zip(tier_names, last) if n in inputs)
        w.emit("try:", d + 1)
        w.emit(f"{prices} = " + w.code(form.flat, inputs, d + 2), d + 2)
        w.emit("except ZeroDivisionError:", d + 1)
        w.emit("return None", d + 2)
        w.emit(f"if {prices}:", d + 1)
        reference = values.get(form.solve_for)
        if reference is None and form.entry is not None:
            reference = values.get(form.entry)
        if reference is None:
            w.emit(f"{picked} = {prices}[0]", d + 2)
        else:
            w.emit(f"{picked} = {prices}[0] if len({prices}) == 1 else min({prices}, key=lambda z: abs(z - "
                   f"{reference}))", d + 2)
        w.emit("try:", d + 2)
        inputs = {n: (picked if n == program.price else values[n]) for n in plan.basis.names}
        w.emit(f"{basis} = " + w.code(plan.basis, inputs, d + 3), d + 3)
        w.emit("except ZeroDivisionError:", d + 2)
        w.emit("return None", d + 3)
        held = w.fresh()  # the row holding the basis (M.row_for's None: M.row_at's)
        _row_at(w, held, basis, d + 2)
        w.emit(f"if {held} is None and not ({basis} < {cap}):", d + 2)
        w.emit(f"{outgrown} = {w.bind(texts.outgrown)}(M)", d + 3)
        w.emit(f"if {outgrown} is not None:", d)
        w.emit(f"{reason} = {outgrown}", d + 1)
        w.emit("else:", d)
        d += 1
    no_root = w.bind(texts.no_root)
    if program.price not in values:
        w.emit(f"{reason} = {no_root}", d)
        return True
    mark = values[program.price]
    w.emit(f"if {mark} <= {w.constant((0, 1))}:", d)
    w.emit(f"{reason} = {no_root}", d + 1)
    w.emit("else:", d)
    far, holds = w.fresh(), w.fresh()
    many = w.constant((texts.far.numerator, texts.far.denominator))
    w.emit(f"{far} = {mark} / {many} if S > {w.constant((0, 1))} else {mark} * {many}", d + 1)
    inputs = {n: (far if n == program.price else values.get(n)) for n in condition.names}
    w.emit(f"{holds} = None", d + 1)
    if tiered:
        found, moved = w.fresh(), w.fresh()
        w.emit("try:", d + 1)
        at = {n: (far if n == program.price else values[n]) for n in plan.basis.names}
        far_basis = w.fresh()
        w.emit(f"{far_basis} = " + w.code(plan.basis, at, d + 2), d + 2)
        _row_at(w, found, far_basis, d + 2)
        w.emit("except ZeroDivisionError:", d + 1)
        w.emit(f"{found} = None", d + 2)
        w.emit(f"if {found} is not None:", d + 1)
        moved = [w.fresh() for _ in tier_names]
        w.emit(f"{w.fresh()}, {w.fresh()}, {w.fresh()}{''.join(', ' + n for n in moved)} = {w.rows}[{found}]",
               d + 2)
        inputs.update((n, local) for n, local in zip(tier_names, moved) if n in inputs)
        w.emit("try:", d + 2)
        w.emit(f"{holds} = " + w.code(condition, inputs, d + 3), d + 3)
        w.emit("except ZeroDivisionError:", d + 2)
        w.emit("pass", d + 3)
    else:
        w.emit("try:", d + 1)
        w.emit(f"{holds} = " + w.code(condition, inputs, d + 2), d + 2)
        w.emit("except ZeroDivisionError:", d + 1)
        w.emit("pass", d + 2)
    w.emit(f"if {holds} is None:", d + 1)
    w.emit(f"{reason} = {no_root}", d + 2)
    w.emit(f"elif not {holds}:", d + 1)
    w.emit(f"{reason} = {w.bind(texts.long)} if S > {w.constant((0, 1))} else {w.bind(texts.short)}", d + 2)
    w.emit(f"elif {at_mark}:", d + 1)
    w.emit(f"{reason} = {w.bind(texts.mark_long)} if S > {w.constant((0, 1))} else "
           f"{w.bind(texts.mark_short)}", d + 2)
    w.emit("else:", d + 1)
    w.emit(f"{reason} = {no_root}", d + 2)
    return True


def fraction(value):
    """mpq -> Fraction (None stays None)."""
    if value is None or type(value) is Fraction:
        return value
    out = object.__new__(Fraction)
    out._numerator, out._denominator = int(value.numerator), int(value.denominator)
    return out
