"""Stage 6 of the pipeline: the reference site, generated from the rules at MkDocs build time.

:mod:`verifier.docs.plugin` is the MkDocs plugin (entry point ``margin-verifier``); it asks
:mod:`verifier.docs.pages` for every generated page. Pages are produced in memory during the
build and never written into ``docs/``. Derivation and simulation are optional: when
:mod:`verifier.derive` or :mod:`verifier.simulate` are not there yet, the pages say so.
"""
