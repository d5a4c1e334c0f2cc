"""What kind of file a document is, from its top-level keys; and the one diagnostic for a file of another kind.

Handing ``simulate`` a rule file, or ``evaluate`` a scenario, is one mistake: it is reported as such, not as the
dozen unknown and missing keys the other kind's schema would find.

>>> kind_of({"format": 1, "rule": "binance/usdm-perpetual", "symbols": {}})
'rule'
>>> kind_of({"marginMode": "cross", "positions": []}), kind_of({"groups": []})
('account', None)
>>> kind_of({"format": 1, "catalog": "binance/usdm-perpetual", "markets": {}})
'markets'
>>> kind_of({"format": 1, "market": "BTC/USDT:USDT", "bounds": "[floor, cap)", "rows": []})
'tiers'
"""

from __future__ import annotations

from verifier.errors import Diagnostic

LABELS = {"rule": "a rule file", "catalog": "a market catalog header", "markets": "a market catalog shard",
          "scenario": "a scenario file", "account": "an account snapshot",
          "tiers": "a tier file of the previous rule format"}


def kind_of(data) -> str | None:
    """'rule', 'catalog', 'markets', 'scenario', 'account' or 'tiers' (a tier file of the previous format:
    :mod:`verifier.read.previous_format`) when the top-level keys say so unambiguously, else None."""
    if not isinstance(data, dict):
        return None
    if {"market", "rows"} <= set(data) and "rule" not in data and {"bounds", "columns", "basis"} & set(data):
        return "tiers"
    if "scenario" in data and "steps" in data:
        return "scenario"
    if "catalog" in data and "rule" not in data and ("markets" in data or "exchange" in data):
        return "markets" if "markets" in data else "catalog"
    if "rule" in data and "format" in data and ("symbols" in data or "modes" in data):
        return "rule"
    if "marginMode" in data and ("positions" in data or "balances" in data):
        return "account"
    return None


OUR_KEYS = frozenset({"format", "rule", "scenario", "catalog", "markets", "symbols", "modes", "conditions",
                      "definitions", "marginMode", "positions", "balances"})
"""Top-level keys of our file kinds: a file with none of them is not one of ours (one diagnostic, not a dozen)."""


def file_kind(data) -> str:
    """'rule', 'catalog' (a market catalog's header), 'markets' (a catalog shard) or 'scenario', from a document's
    top-level keys; anything else is read as a rule (whose schema then says what is wrong).

    >>> file_kind({"scenario": "x"}), file_kind({"catalog": "x", "markets": {}}), file_kind([])
    ('scenario', 'markets', 'rule')
    """
    data = data if isinstance(data, dict) else {}
    if "catalog" in data and "rule" not in data:
        return "markets" if "markets" in data else "catalog"
    if "scenario" in data:
        return "scenario"
    return "rule"


def wrong_kind(doc, expected: str, code: str, hint: str) -> Diagnostic | None:
    """The diagnostic for ``doc`` being clearly a file of another kind than ``expected`` (else None)."""
    found = kind_of(doc.data)
    if found is None or found == expected:
        return None
    return doc.diagnostic(code, f"this is {LABELS[found]}, not {LABELS[expected]}", (), hint=hint)
