"""Symbol roles for test generation: declared in the rule, else derived from data (never from ``meaning`` prose).

``OLD_ROLES`` was computed once, on the commit before roles became declarable, by the former ``role()`` that
searched each symbol's English ``meaning`` ("maximum leverage", "rate", "leverage").  It is kept here as data:
the Hypothesis draws depend on each symbol's role, so equal roles for every shipped rule, mode and symbol mean
``verify --profile ci`` draws exactly the cases it drew before.  A new shipped symbol must be added here.
"""

import dataclasses
from pathlib import Path

import pytest

from verifier.model import SYMBOL_ROLES
from verifier.read import load_rule, load_schema
from verifier.verify.strategies import role

from shipped import SHIPPED_RULES as RULE_IDS  # noqa: E402 - found in rules/

OLD_ROLES = {
    'binance/coinm-perpetual': {
        'CM': 'money', 'EP': 'entry', 'MMR': 'rate', 'P': 'price', 'Q': 'size', 'TMM1': 'money',
        'UPNL1': 'signed_money', 'WB': 'money', 'cum': 'money', 'lev': 'leverage', 's': 'side'
    },
    'binance/portfolio-margin': {  # issue 29: a new unified-margin rule, its derived roles as first computed
        'A': 'money', 'BMMR': 'rate', 'CV1': 'money', 'D': 'money', 'HR': 'rate', 'I': 'money', 'MM1': 'money',
        'P': 'price', 'PM': 'money', 'hd': 'signed_money'
    },
    'binance/spot-margin': {
        'A': 'money', 'AV1': 'money', 'D': 'money', 'I': 'money', 'L1': 'money', 'P': 'price', 'r': 'rate'
    },
    'binance/usdm-perpetual': {
        'EP': 'entry', 'MMR': 'rate', 'P': 'price', 'TMM1': 'money', 'UPNL1': 'signed_money', 'WB': 'money',
        'cum': 'signed_money', 'lev': 'leverage', 'q': 'size', 's': 'side'
    },
    'bitget/usdt-perpetual': {  # issue 30: a new rule, its derived roles as first computed
        'EP': 'entry', 'M': 'money', 'MMR': 'rate', 'P': 'price', 'TMM1': 'money', 'UPNL1': 'signed_money',
        'WB': 'money', 'cum': 'signed_money', 'f': 'rate', 'lev': 'leverage', 'q': 'size', 's': 'side'
    },
    'bybit/inverse-perpetual': {
        'B': 'money', 'EP': 'entry', 'MMR': 'rate', 'OM': 'money', 'P': 'price', 'Q': 'size', 'extra': 'money',
        'fee': 'rate', 'lev': 'leverage', 'mmd': 'money', 's': 'side'
    },
    'bybit/linear-perpetual': {
        'AB': 'money', 'EP': 'entry', 'MMR': 'rate', 'P': 'price', 'TMM1': 'money', 'UPNL1': 'signed_money',
        'WB': 'money', 'extra': 'money', 'fee': 'rate', 'lev': 'leverage', 'mmd': 'signed_money', 'q': 'size',
        's': 'side'
    },
    'bybit/unified-trading-account': {  # issue 29: a new unified-margin rule, its derived roles as first computed
        'A': 'money', 'BMMR': 'rate', 'CV1': 'money', 'D': 'money', 'HR': 'rate', 'I': 'money', 'MM1': 'money',
        'P': 'price', 'PM': 'money', 'hd': 'signed_money'
    },
    'dydx/v4-perpetual': {  # issue 30: added with the rule (no former role() to compare with)
        'EP': 'entry', 'F': 'price', 'IMF': 'rate', 'M': 'money', 'MF': 'rate', 'MMF': 'rate', 'OIL': 'money',
        'OIU': 'money', 'ON': 'money', 'P': 'price', 'TMM1': 'money', 'UPNL1': 'signed_money', 'WB': 'signed_money',
        'q': 'size', 's': 'side'
    },
    'gate/usdt-perpetual': {  # issue 30: a new rule, its derived roles as first computed
        'EP': 'entry', 'M': 'money', 'MMR': 'rate', 'P': 'price', 'TREQ1': 'money', 'UPNL1': 'signed_money',
        'WB': 'money', 'cum': 'signed_money', 'lev': 'leverage', 'q': 'size', 's': 'side'
    },
    'hyperliquid/perpetual': {
        'EP': 'entry', 'M': 'money', 'P': 'price', 'TMM1': 'money', 'UPNL1': 'signed_money', 'WB': 'money',
        'lev': 'leverage', 'maxLev': 'max_leverage', 'q': 'size', 's': 'side',
        'P0': 'price',  # issue 13: the mark the 2023 liquidation price held the requirement at
    },
    'kucoin/inverse-perpetual': {
        'EP': 'entry', 'LFR': 'rate', 'MMR': 'rate', 'P': 'price', 'TREQ1': 'money', 'UPNL1': 'signed_money',
        'WB': 'money', 'fee': 'rate', 'lev': 'leverage', 'mult': 'money', 'n': 'size', 's': 'side',
        'extra': 'signed_money',  # issue 23: KuCoin's posMargin falls below posInit by the funding fees paid
    },
    'kucoin/linear-perpetual': {
        'EP': 'entry', 'LFR': 'rate', 'MMR': 'rate', 'OCF': 'money', 'OMM': 'money', 'OOF': 'money', 'P': 'price',
        'TCF1': 'money', 'TMM1': 'money', 'UPNL1': 'signed_money', 'WB': 'money', 'fee': 'rate',
        'lev': 'leverage', 'mult': 'money', 'n': 'size', 's': 'side',
        'extra': 'signed_money',  # issue 23: KuCoin's posMargin falls below posInit by the funding fees paid
        'FR': 'rate',  # issue 13: the funding rate of the pre-2025-05-22 maintenance margin
    },
    'kucoin/spot-margin': {  # issue 23: per asset (A, D, I; the account's other assets as AV1, L1), as evaluate reads it
        'A': 'money', 'AV1': 'money', 'D': 'money', 'I': 'money', 'L1': 'money', 'P': 'price', 'r': 'rate',
    },
    'okx/inverse-swap': {
        'EP': 'entry', 'M': 'money', 'MMR': 'rate', 'P': 'price', 'Q': 'size', 'TREQ1': 'money',
        'UPNL1': 'signed_money', 'WB': 'money', 'f': 'rate', 'lev': 'leverage', 's': 'side'
    },
    'okx/linear-swap': {
        'EP': 'entry', 'M': 'money', 'MMR': 'rate', 'P': 'price', 'TREQ1': 'money', 'UPNL1': 'signed_money',
        'WB': 'money', 'f': 'rate', 'lev': 'leverage', 'q': 'size', 's': 'side'
    },
    'okx/multi-currency-margin': {  # issue 29: a new unified-margin rule, its derived roles as first computed
        'A': 'money', 'BMMR': 'rate', 'CV1': 'money', 'D': 'money', 'HR': 'rate', 'I': 'money', 'LF1': 'money',
        'MM1': 'money', 'N': 'money', 'P': 'price', 'PM': 'money', 'fee': 'rate', 'hd': 'signed_money'
    },
    'okx/spot-margin': {  # issue 23: per asset (A, D, I; the pair's other asset as AV1, L1), as evaluate reads it
        'A': 'money', 'AV1': 'money', 'D': 'money', 'I': 'money', 'L1': 'money', 'MMR': 'rate', 'P': 'price',
        'f': 'rate', 'r': 'rate',
    },
}


def test_the_table_covers_every_shipped_rule():
    assert sorted(OLD_ROLES) == RULE_IDS


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_every_symbol_of_every_mode_keeps_the_role_it_had(rule_id):
    rule = load_rule(rule_id)
    for mode in rule.modes.values():
        roles = {name: role(rule, mode, name) for name in mode.symbols}
        assert roles == {name: OLD_ROLES[rule_id][name] for name in mode.symbols}, mode.name


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_a_shipped_rule_declares_a_role_only_where_the_derivation_cannot_tell(rule_id):
    rule = load_rule(rule_id)
    for mode in rule.modes.values():
        for name, spec in mode.symbols.items():
            if spec.role is None:
                continue
            undeclared = dataclasses.replace(mode, symbols={**mode.symbols, name: dataclasses.replace(spec, role=None)})
            assert role(rule, undeclared, name) != spec.role, f"{rule_id} {mode.name} {name}: role is derivable"


def test_the_schema_offers_exactly_the_model_roles():
    schema = load_schema("rule")
    symbol = schema["properties"]["symbols"]["additionalProperties"]["properties"]
    mode_symbol = schema["properties"]["modes"]["additionalProperties"]["properties"]["symbols"]
    assert symbol["role"]["enum"] == list(SYMBOL_ROLES)
    assert mode_symbol["additionalProperties"]["properties"]["role"]["enum"] == list(SYMBOL_ROLES)


def test_a_declared_role_wins_over_the_derivation():
    rule = load_rule("binance/usdm-perpetual")
    mode = rule.mode("isolated")
    changed = dataclasses.replace(mode, symbols={**mode.symbols, "WB": dataclasses.replace(mode.symbols["WB"],
                                                                                           role="signed_money")})
    assert role(rule, mode, "WB") == "money" and role(rule, changed, "WB") == "signed_money"

