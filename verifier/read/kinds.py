"""What kind of file a document is, from its top-level keys; and the one diagnostic for a file of another kind.

Handing ``simulate`` a rule file, or ``evaluate`` a scenario, is one mistake: it is reported as such, not as the
dozen unknown and missing keys the other kind's schema would find.

>>> kind_of({"format": 1, "rule": "binance/usdm-perpetual", "symbols": {}})
'rule'
>>> kind_of({"marginMode": "cross", "positions": []}), kind_of({"groups": []})
('account', None)
>>> kind_of({"format": 1, "catalog": "binance/usdm-perpetual", "markets": {}})
'markets'
"""

from __future__ import annotations

from verifier.errors import Diagnostic

LABELS = {"rule": "a rule file", "catalog": "a market catalog header", "markets": "a market catalog shard",
          "scenario": "a scenario file", "account": "an account snapshot"}


def kind_of(data) -> str | None:
    """'rule', 'catalog', 'markets', 'scenario' or 'account' when the top-level keys say so unambiguously, else
    None."""
    if not isinstance(data, dict):
        return None
    if "scenario" in data and "steps" in data:
        return "scenario"
    if "catalog" in data and "rule" not in data and ("markets" in data or "exchange" in data):
        return "markets" if "markets" in data else "catalog"
    if "rule" in data and "format" in data and ("symbols" in data or "modes" in data):
        return "rule"
    if "marginMode" in data and ("positions" in data or "balances" in data):
        return "account"
    return None


def wrong_kind(doc, expected: str, code: str, hint: str) -> Diagnostic | None:
    """The diagnostic for ``doc`` being clearly a file of another kind than ``expected`` (else None)."""
    found = kind_of(doc.data)
    if found is None or found == expected:
        return None
    return doc.diagnostic(code, f"this is {LABELS[found]}, not {LABELS[expected]}", (), hint=hint)
