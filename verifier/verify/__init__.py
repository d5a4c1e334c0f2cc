"""Stage 5 of the pipeline: run examples, proofs and properties; report.

``check_paths`` is the ``check`` job (load + examples); the Hypothesis property
library arrives with the verification issue.
"""

from verifier.verify.check import check_paths, register_price_example_runner, run_examples

__all__ = ["check_paths", "register_price_example_runner", "run_examples"]
