"""The derive job: a rule's closed-form prices per mode and condition, and its published formulas proved (or
refuted) against them.

>>> result = derive("okx/linear-swap", mode="isolated")
>>> result.rule.id, result.refuted
('okx/linear-swap', False)
"""

from __future__ import annotations

from dataclasses import dataclass

from verifier.derive import derive_rule, prove_definitions, prove_published
from verifier.errors import Diagnostic, UsageError
from verifier.read import load_rule


@dataclass(frozen=True)
class Derived:
    rule: object
    derivation: object  # verifier.derive.derivation.RuleDerivation
    proofs: tuple  # verifier.derive.proof.Proof per published formula
    mode: str | None  # the one mode asked for, or None for all
    definitions: tuple = ()  # verifier.derive.definitions.DefinitionProof per level of a published ratio definition

    @property
    def refuted(self) -> bool:
        """Whether a published formula (of the mode asked for) was shown to differ from the derivation, or a
        published ratio definition not to meet its level at the derived price."""
        return any(proof.status == "refuted" for proof in self.proofs + self.definitions
                   if self.mode is None or self.mode in proof.modes)


def derive(rule, mode: str | None = None) -> Derived:
    """Derive ``rule`` (loaded, a file or an id), for one ``mode`` or all."""
    rule = rule if hasattr(rule, "modes") else load_rule(rule)
    if mode is not None and mode not in rule.modes:
        raise UsageError(f"unknown mode {mode!r}", [Diagnostic(
            "MV002", f"rule {rule.id} has no mode {mode!r}", file="<command line>",
            hint="one of " + ", ".join(rule.modes))])
    return Derived(rule, derive_rule(rule), tuple(prove_published(rule)), mode, tuple(prove_definitions(rule)))
