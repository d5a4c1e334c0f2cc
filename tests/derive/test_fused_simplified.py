"""fused.simplified(): the fused function's text with copies, unread ``+ - *`` locals and repeated products taken out
computes what the text it was given computes -- the same values, the same ZeroDivisionError -- on random straight
code of the generated kind (reads, copies, sums, products, divisions under ``try``, a branch, a loop whose locals
are assigned again each time round)."""

from __future__ import annotations

from gmpy2 import mpq
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.derive.account.fused import simplified

VALUES = st.builds(mpq, st.integers(-6, 6), st.integers(1, 4))


@st.composite
def programs(draw):
    """(lines, inputs): a function ``f(F, S)`` of the fused kind."""
    lines = ["def f(F, S):"]
    names = []  # locals assigned once at the top level, in order
    count = [0]

    def fresh():
        count[0] += 1
        return f"z{count[0]}"

    def operand():
        return draw(st.sampled_from(names + ["S", "k0", "k1"]))

    for index in range(draw(st.integers(1, 3))):
        name = fresh()
        lines.append(f"    {name} = F[g{index}]")
        names.append(name)
    for _ in range(draw(st.integers(3, 14))):
        kind = draw(st.sampled_from(["copy", "sum", "difference", "product", "product3", "division", "branch",
                                     "loop"]))
        name = fresh()
        if kind == "copy":
            lines.append(f"    {name} = {operand()}")
        elif kind in ("sum", "difference", "product"):
            op = {"sum": "+", "difference": "-", "product": "*"}[kind]
            lines.append(f"    {name} = {operand()} {op} {operand()}")
        elif kind == "product3":
            lines.append(f"    {name} = {operand()} * {operand()} * {operand()}")
        elif kind == "division":
            lines += ["    try:", f"        {name} = {operand()} / {operand()}", "    except ZeroDivisionError:",
                      "        return None"]
        elif kind == "branch":  # a copy and a product inside a branch that returns
            inner, other = fresh(), fresh()
            lines += [f"    if {operand()} > {operand()}:", f"        {inner} = {operand()}",
                      f"        {other} = {inner} * {operand()} * {operand()}", f"        return ({other}, {inner})"]
            continue
        else:  # a loop: its locals are assigned each time round, and the last ones read after it
            item, copy, product, out, kept = fresh(), fresh(), fresh(), fresh(), fresh()
            pair = f"(k1, {operand()})"  # the first item is above k0: kept is assigned the first time round
            lines += [f"    {out} = []", f"    for {item} in {pair}:", f"        {copy} = {item}",
                      f"        {product} = {copy} * {operand()}", f"        {out}.append({product})",
                      f"        if {item} > k0:", f"            {kept} = {item}"]
            lines.append(f"    {name} = {product} + {copy} + {kept}")
        names.append(name)
    returned = draw(st.lists(st.sampled_from(names), min_size=1, max_size=4))
    lines.append("    return (" + "".join(r + ", " for r in returned) + ")")
    inputs = draw(st.lists(VALUES, min_size=3, max_size=3))
    return lines, inputs, draw(st.sampled_from([mpq(1), mpq(-1)]))


def _run(lines, inputs, side):
    namespace = {"__builtins__": {}, "k0": mpq(0), "k1": mpq(3, 2), "ZeroDivisionError": ZeroDivisionError}
    namespace.update((f"g{i}", f"field{i}") for i in range(3))
    exec(compile("\n".join(lines), "<test>", "exec"), namespace)  # noqa: S102 - the test's own generated text
    fields = {f"field{i}": value for i, value in enumerate(inputs)}
    try:
        return namespace["f"](fields, side)
    except ZeroDivisionError:
        return "ZeroDivisionError"


@settings(max_examples=400, deadline=None)
@given(programs())
def test_simplified_computes_the_same(program):
    lines, inputs, side = program
    assert _run(simplified(lines), inputs, side) == _run(lines, inputs, side)


def test_simplified_takes_out_what_it_says():
    lines = ["def f(F, S):", "    z1 = F[g0]", "    z2 = z1", "    z3 = S", "    z4 = z2 * z3", "    z5 = z4 * k1",
             "    z6 = k1 * z2 * z3", "    try:", "        z7 = z4 / z1", "        z8 = z7 * z7",
             "    except ZeroDivisionError:", "        return None", "    return (z6, z7)"]
    assert simplified(lines) == ["def f(F, S):", "    z1 = F[g0]", "    z4 = z1 * S", "    z6 = k1 * z4", "    try:",
                                 "        z7 = z4 / z1", "    except ZeroDivisionError:", "        return None",
                                 "    return (z6, z7)"]
