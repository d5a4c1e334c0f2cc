"""The one exact number formatter, for the report stage (it lives in :mod:`verifier.model.numbers` so that
every stage writes numbers into its messages the same way).

>>> decimal_text(Fraction(17, 16))
'1.0625'
"""

from fractions import Fraction  # noqa: F401 - for the doctest

from verifier.model.numbers import (PLACES, approx_text, decimal_text, exact_text, fixed_text, fraction_text,
                                    grouped_text, is_exact)

__all__ = ["PLACES", "approx_text", "decimal_text", "exact_text", "fixed_text", "fraction_text", "grouped_text",
           "is_exact"]
