"""The generated exact code's guard (:func:`verifier.derive.rational_code.checked_source`): text read back from a
cache or built by the fused writer is compiled only when it holds nothing but what this toolkit generates.

The allowed words are a security boundary: each is a keyword, a local the generator names, or a plain attribute
of the toolkit's own market object (``row_for``, ``contiguous``, ...).  Anything that reaches Python's machinery
(dunders, builtins, imports, strings) is refused.
"""

import pytest

from verifier.derive.rational_code import checked_source

HOSTILE = [
    "def f(v):\n    return __import__('os')",
    "def f(v):\n    return v.__class__",
    "def f(v):\n    return getattr(v, 'x')",
    "def f(v):\n    return open",
    "def f(v):\n    return eval",
    "def f(v):\n    exec",
    "def f(v):\n    import os",
    "def f(v):\n    return globals",
    "def f(v):\n    return M.__dict__",
    "def f(v):\n    return M.contiguous.__class__",
    "def f(v):\n    return 'text'",
    "def f(v):\n    return M; del M",
    "def f(v):\n    return breakpoint",
]


@pytest.mark.parametrize("source", HOSTILE)
def test_text_that_is_not_generated_code_is_refused(source):
    with pytest.raises(ValueError, match="not generated code"):
        checked_source(source)


def test_the_fused_writer_s_words_pass():
    # what the fused writer emits to take a tier row from the solver in a contiguous table
    source = ("def f(F, S, W, L, M):\n    z1 = None\n    if M.contiguous:\n        z1 = z2\n"
              "    z3 = M.row_for(z4)\n    return (z1, z3)")
    assert checked_source(source) == source
