"""Stage ``verify``: the ``check`` job (read, worked examples, published-formula proofs), the ``verify`` job (those
plus every applicable property of :mod:`verifier.verify.properties`, run with Hypothesis), and scenario files from
path to run (:func:`simulate_file`).

Results are verify's own types (:class:`~verifier.verify.check.CheckReport`,
:class:`~verifier.verify.runner.FileReport`); the report stage writes them.
"""

from verifier.verify.check import CheckReport, check_file, check_paths, run_examples
from verifier.verify.scenarios import simulate_file

__all__ = ["CheckReport", "check_file", "check_paths", "run_examples", "simulate_file"]
