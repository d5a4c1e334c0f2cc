"""The solver's rows found by bisection (rational_code.RowIndex) against the solver screening every row: the same
``[(row number, price), ...]`` -- or the same ZeroDivisionError -- for positions whose position scalar lies on
every point of the table's index, inside every gap, just beside each point and far out on both sides, over the
shipped tables of every rule whose solver is indexed and over drawn ones (overlapping rows, a row whose
denominator vanishes, either bound convention)."""

from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace

import pytest
from gmpy2 import mpq
from hypothesis import given
from hypothesis import strategies as st

from verifier.derive.rational_code import Code, RowIndex
from verifier.jobs.programs import program_for

RULES = ("binance/usdm-perpetual", "binance/coinm-perpetual", "bitget/usdt-perpetual", "gate/usdt-perpetual")
PROGRAMS = {rule: program_for(rule) for rule in RULES}
SOLVERS = {(rule, name): plan.form.tiered for rule, program in PROGRAMS.items()
           for name, plan in program.latest.plans.items() if plan.form is not None and plan.form.tiered is not None}


def _loop(code: Code) -> Code:
    """The same solver screening every row (its ``near`` answers ``rows``)."""
    plain = Code(code.source, code.constants, code.names, code.screen)
    plain._near = SimpleNamespace(find=lambda rows, closed, x, key: rows)
    return plain


def _run(code, values, rows, closed):
    try:
        return code(values, rows, closed)
    except ZeroDivisionError:
        return ZeroDivisionError


def _scalar(code, values, rows, closed):
    """The position scalar ``x`` the solver hands its index at ``values``."""
    seen = []
    probe = Code(code.source, code.constants, code.names, code.screen)
    probe._near = SimpleNamespace(find=lambda rows, closed, x, key: seen.append(x) or rows)
    _run(probe, values, rows, closed)
    return seen[0]


def _at(code, values, rows, closed, target):
    """``values`` with the wallet (or isolated margin) moved so that the position scalar is ``target`` (it is
    affine in it)."""
    wallet = "WB" if "WB" in code.names else "M"
    zero = _scalar(code, {**values, wallet: mpq(0)}, rows, closed)
    slope = _scalar(code, {**values, wallet: mpq(1)}, rows, closed) - zero
    moved = {**values, wallet: (target - zero) / slope}
    assert _scalar(code, moved, rows, closed) == target
    return moved


def _targets(index: RowIndex, rows, closed, key) -> list:
    built = index.build(rows, closed, key)
    if built is None:
        return [mpq(0), mpq(10) ** 30, -mpq(10) ** 30]
    points = list(built[0])
    tiny = mpq(1, 10 ** 30)
    out = [mpq(10) ** 30, -mpq(10) ** 30]
    for a, b in zip(points, points[1:]):
        out.append((a + b) / 2)
    for p in points:
        out += [p, p - tiny, p + tiny]
    return out


ROW = st.tuples(st.fractions(0, 2, max_denominator=1000), st.fractions(-10 ** 6, 10 ** 6, max_denominator=100),
                st.fractions(0, 10 ** 7, max_denominator=10), st.one_of(st.none(), st.fractions(0, 10 ** 7,
                                                                                               max_denominator=10)))


@st.composite
def tables(draw):
    """Rows in order with floors not decreasing, caps anywhere (overlaps and gaps), MMR up to 2 (1: ``s - MMR``
    vanishes for a long), any cum."""
    drawn = draw(st.lists(ROW, min_size=1, max_size=8))
    rows = []
    for number, (rate, cum, floor, cap) in enumerate(sorted(drawn, key=lambda r: r[2]), start=1):
        rows.append((number, mpq(floor), None if cap is None else mpq(cap), mpq(rate), mpq(cum)))
    return tuple(rows)


def _inputs(draw, names):
    values = {}
    for name in names:
        if name == "s":
            values[name] = mpq(draw(st.sampled_from([1, -1, Fraction(1, 2)])))
        else:
            values[name] = mpq(draw(st.fractions(Fraction(1, 10 ** 4), 10 ** 5, max_denominator=10 ** 4)))
    return values


@pytest.mark.parametrize("solver", sorted(SOLVERS), ids="/".join)
@given(data=st.data())
def test_indexed_rows_answer_what_every_row_answers(solver, data):
    code = SOLVERS[solver]
    assert code.near is not None  # the rule's screen has the indexed shape: decided from its expression
    plain = _loop(code)
    rows = data.draw(st.one_of(tables(), st.sampled_from(SHIPPED_ROWS[solver[0]])))
    closed = data.draw(st.booleans())
    values = _inputs(data.draw, code.names)
    key = tuple(values[k] for k in code.screen[2])
    for target in _targets(code.near, rows, closed, key):
        moved = _at(code, values, rows, closed, target)
        assert _run(code, moved, rows, closed) == _run(plain, moved, rows, closed), (target, rows)


def _shipped_rows(program) -> list:
    rows = []
    for symbol in sorted(program.markets)[:8]:
        for version in program.market(symbol).tiers or ():
            table = version.table
            rows.append(tuple((r.number, mpq(r.floor), None if r.cap is None else mpq(r.cap),
                               mpq(r.values["MMR"]), mpq(r.values["cum"])) for r in table.rows))
    return rows


SHIPPED_ROWS = {rule: _shipped_rows(program) for rule, program in PROGRAMS.items()}


def test_a_screen_without_the_shape_keeps_the_loop():
    """A screen whose position inputs multiply a row's value (``WB * cum * q``: no row-free position scalar) gets
    no index: its solver keeps the loop over every row."""
    import sympy

    from verifier.derive.rational_code import compile_solver

    P, q, m, c, w = sympy.symbols("P q MMR cum WB")
    code = compile_solver([w * c / (1 + m)], (), (), P * q, "P", ("MMR", "cum"))
    assert code.screen is None and "near" not in code.source
