"""Stage ``report``: turning results into what people and programs read.

One exact number formatter (:mod:`verifier.report.numbers`), the rendering of diagnostics
(:mod:`verifier.report.diagnostics`), and one reporter per job and format.  Reporters take result objects
and return text or JSON-ready data; they compute nothing and never decide an exit code.
"""
