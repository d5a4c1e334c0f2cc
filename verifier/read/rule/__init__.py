"""Reading a rule document into a :class:`~verifier.model.Rule`, one part of the document per module.

``build`` orchestrates; ``context`` collects located problems; ``sources``, ``symbols``, ``parameters``,
``tiers``, ``definitions``, ``modes``, ``published`` and ``examples`` each read their part of the file.
"""

from verifier.read.rule.build import FORMAT_SALT, build_rule

__all__ = ["FORMAT_SALT", "build_rule"]
