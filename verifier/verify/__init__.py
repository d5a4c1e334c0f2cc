"""Stage ``verify``: the ``check`` job (read, worked examples, published-formula proofs), the ``verify`` job (those
plus every applicable property of :mod:`verifier.verify.properties`, run with Hypothesis), and scenario files from
path to run (:func:`simulate_file`).

Results are verify's own types (:class:`~verifier.verify.check.CheckReport`,
:class:`~verifier.verify.runner.FileReport`); the report stage writes them.  The names are loaded when first
used (PEP 562), so :mod:`verifier.verify.check_cache` answers a cached ``check`` without loading SymPy.
"""

__all__ = ["CheckReport", "check_file", "check_paths", "run_examples", "simulate_file"]


def __getattr__(name: str):
    if name in ("CheckReport", "check_file", "check_paths", "run_examples"):
        from verifier.verify import check

        return getattr(check, name)
    if name == "simulate_file":
        from verifier.verify.scenarios import simulate_file

        return simulate_file
    raise AttributeError(f"module 'verifier.verify' has no attribute {name!r}")
