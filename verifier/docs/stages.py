"""Optional later stages, imported lazily: every page still builds when one is missing.

>>> stage_function("verifier.no_such_stage", "anything") is None
True
"""

from __future__ import annotations

import importlib

DERIVE_MISSING = "derivation not available yet"
SIMULATE_MISSING = "simulation not available yet"


def stage_function(module: str, name: str):
    """``module.name`` when the module imports and has it, else None (never raises)."""
    try:
        mod = importlib.import_module(module)
    except Exception:  # noqa: BLE001 - a half-built stage must not break the site
        return None
    return getattr(mod, name, None)


def derive_prices(rule) -> dict | None:
    """mode -> condition -> (closed-form SymPy expression or None, validity conditions), or None when
    derivation is unavailable."""
    derive_rule = stage_function("verifier.derive", "derive_rule")
    if derive_rule is None:
        return None
    try:
        derived = derive_rule(rule)
        return {mode: {name: _closed_form(form) for name, form in (getattr(view, "prices", {}) or {}).items()}
                for mode, view in derived.modes.items()}
    except Exception:  # noqa: BLE001
        return None


_PROOFS: dict = {}


def proof_results(rule) -> dict | None:
    """(quantity, index) -> ProofResult, or None when derivation is unavailable (memoised per rule content)."""
    prove = stage_function("verifier.derive", "prove_published")
    if prove is None:
        return None
    key = (rule.id, rule.content_hash)
    if key not in _PROOFS:
        try:
            _PROOFS[key] = {(r.quantity, r.index): r for r in prove(rule)}
        except Exception:  # noqa: BLE001
            _PROOFS[key] = None
    return _PROOFS[key]


def _closed_form(form):
    """A ClosedForm (``.expr``, ``.conditions``) or a bare SymPy expression -> (expr, conditions)."""
    if hasattr(form, "expr"):
        return form.expr, tuple(getattr(form, "conditions", ()) or ())
    return form, ()
