"""The jobs: what each verb does, apart from the command line.

A job takes parsed values (a rule, accounts or file paths, options as Python values) and returns a result object;
it never parses arguments, prints or exits.  The command line (:mod:`verifier.cli`) parses, calls a job and hands
its result to a reporter (:mod:`verifier.report`); the Python API (:mod:`verifier.api`), the site
(:mod:`verifier.docs`) and the verification of conformance cases (:mod:`verifier.verify.conformance`) call the
same jobs, so none of them can answer differently.

- :mod:`~verifier.jobs.evaluate`: an account file (snapshot or ccxt export) evaluated, each position reconciled
  with the exchange's own price; JSON lines one account at a time;
- :mod:`~verifier.jobs.compare`: the same positions in cross and isolated margin, with shocks;
- :mod:`~verifier.jobs.importing`: ccxt market data into a rule's catalog, with the effect on prices;
- :mod:`~verifier.jobs.conformance`: a rule's recorded exchange responses run through the evaluate job;
- :mod:`~verifier.jobs.derive`: a rule's closed forms and published-formula proofs.

``check``, ``verify`` and ``simulate`` are the verification stage's own jobs (:mod:`verifier.verify`).
"""
