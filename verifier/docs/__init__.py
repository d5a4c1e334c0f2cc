"""Stage ``docs``: the reference site, generated from the rules at MkDocs build time.

:mod:`verifier.docs.plugin` is the MkDocs plugin (entry point ``margin-verifier``). One module per generated page
(:mod:`~verifier.docs.home`, :mod:`~verifier.docs.rule_page` with :mod:`~verifier.docs.rule_modes`,
:mod:`~verifier.docs.comparison`, :mod:`~verifier.docs.cross_vs_isolated`, :mod:`~verifier.docs.schema_reference`,
:mod:`~verifier.docs.cli_reference`); :mod:`~verifier.docs.markup` holds the shared markup,
:mod:`~verifier.docs.compute` and :mod:`~verifier.docs.prices` the numbers (computed by derive, never substituted),
:mod:`~verifier.docs.charts` the SVG charts, :mod:`~verifier.docs.verification` the verify results and
:mod:`~verifier.docs.problems` the build problems (logged as errors: ``mkdocs build --strict`` fails on them).
Pages are produced in memory during the build and never written into ``docs/``. Nothing imports this package.
"""
