"""The property library: named economic truths, each checked on generated cases of a rule.

A property is a function with a one-sentence docstring saying which truth it guards, registered with
:func:`register` together with when it applies (by product and mode).  Two kinds:

* ``case`` properties take ``(rule, case)`` for one generated position (:func:`verifier.verify.strategies.from_rule`);
* ``world`` properties take ``(rule, story)`` for a generated story run by the reference simulator
  (:func:`verifier.verify.stories.stories`, each story a scenario run by :func:`verifier.simulate.run_scenario`).

A property signals a counterexample by raising :class:`Violation` and rejects an irrelevant input with
``hypothesis.assume``.  A rule file can skip a property with a reason (``verify: {skip: {name: reason}}``).
"""

from __future__ import annotations

from verifier.verify.properties._exact import Violation
from verifier.verify.properties._registry import REGISTRY, Property, register


def _load_all():
    from verifier.verify.properties import (boundary, continuity, economics, margin_call, others,  # noqa: F401
                                            pooling, published, tiers, unified, world)


def properties() -> list:
    """Every registered property, in a stable order."""
    _load_all()
    return [REGISTRY[name] for name in sorted(REGISTRY, key=lambda n: (REGISTRY[n].kind, n))]


__all__ = ["Property", "REGISTRY", "Violation", "properties", "register"]
