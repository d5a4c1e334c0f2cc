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


def _written_out(code: Code):
    """The solver inlined with its index call written out (``rational_code._near_lines``): ``g(V, R, C, I)`` of the
    values, rows, bound convention and the caller's mapping of built indexes."""
    import bisect
    import itertools

    from verifier.derive.rational_code import inline

    count, constants = itertools.count(), []
    inputs = {name: f"V[{i}]" for i, name in enumerate(code.names)}
    inputs.update(rows="R", closed="C", near="N", indexes="I", index="X", bisect="B")
    body, result = inline(code, inputs, lambda: f"z{next(count)}",
                          lambda pair: constants.append(pair) or f"k{len(constants) - 1}")
    text = "def g(V, R, C, I):\n" + "".join(f"    {line}\n" for line in body) + f"    return {result}\n"
    assert "near(" not in text and "N(" not in text  # the call is written out, not made
    namespace = {"N": code.near.find, "X": code.near.index, "B": bisect.bisect_left, "min": min, "max": max,
                 "abs": abs, "len": len}
    namespace.update((f"k{i}", mpq(p, q)) for i, (p, q) in enumerate(constants))
    exec(compile(text, "<test>", "exec"), namespace)  # noqa: S102 - the shipped solver's own text
    return namespace["g"]


@pytest.mark.parametrize("solver", sorted(SOLVERS), ids="/".join)
@given(data=st.data(), full=st.booleans())
def test_the_index_written_out_answers_what_the_call_answers(solver, data, full):
    """The solver with its :class:`RowIndex` call written out (a fused function's), reading its built indexes from
    the caller's mapping (``full``: one holding ``LIMIT`` other keys already, which it then does not grow), gives
    what the solver calling ``near`` gives, at every point, gap and extreme of the index."""
    code = SOLVERS[solver]
    written = _written_out(code)
    rows = data.draw(st.one_of(tables(), st.sampled_from(SHIPPED_ROWS[solver[0]])))
    closed = data.draw(st.booleans())
    values = _inputs(data.draw, code.names)
    key = tuple(values[k] for k in code.screen[2])
    indexes = {("other", i): () for i in range(RowIndex.LIMIT)} if full else {}
    for target in _targets(code.near, rows, closed, key):
        moved = _at(code, values, rows, closed, target)
        try:
            got = written([moved[name] for name in code.names], rows, closed, indexes)
        except ZeroDivisionError:
            got = ZeroDivisionError
        assert got == _run(code, moved, rows, closed), (target, rows)
    assert len(indexes) == (RowIndex.LIMIT if full else 1)


def test_an_index_past_its_limit_or_without_shape_gives_every_row():
    """:meth:`RowIndex.index` gives ``()`` (the caller then screens every row, as ``find`` returns them) for rows
    whose ``LIMIT`` keys are indexed already, and for a key at which a row's denominator vanishes."""
    code = SOLVERS["binance/usdm-perpetual", "isolated"]
    index = RowIndex(*code.screen)
    rows = SHIPPED_ROWS["binance/usdm-perpetual"][0]
    for side in range(RowIndex.LIMIT):
        assert index.index({}, side, rows, True, (mpq(side + 2),))
    assert index.index({}, "past", rows, True, (mpq(-1),)) == ()
    assert index.find(rows, True, mpq(0), (mpq(-1),)) is rows
    vanishing = ((1, mpq(0), None, mpq(1), mpq(0)),)  # MMR 1: s - MMR is 0 for a long
    assert RowIndex(*code.screen).index({}, 1, vanishing, True, (mpq(1),)) == ()
