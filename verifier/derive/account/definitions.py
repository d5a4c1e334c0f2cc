"""A position's own quantities as the rule defines them, at a price: what ``compare`` allocates and funds with
(the rule's ``initial_margin`` and ``notional``), never worked out in Python.

Only the inputs of the definitions asked for are read from the position (and its market): a position that lacks
its collateral still has an initial margin at its leverage.

>>> import datetime
>>> from verifier.read import load_rule
>>> from verifier.read.account import account_from_data
>>> account = account_from_data({"marginMode": "cross", "walletBalance": "5000", "positions": [{
...     "symbol": "BTC/USDT:USDT", "side": "long", "contracts": "0.25", "entryPrice": "60000",
...     "markPrice": "61000", "leverage": "5"}]})
>>> position_definitions(load_rule("binance/usdm-perpetual"), account, ("initial_margin", "notional"),
...                      datetime.date(2026, 11, 28))
({'initial_margin': Fraction(3050, 1), 'notional': Fraction(15250, 1)},)
"""

from __future__ import annotations

from verifier.derive.account.legs import read_legs
from verifier.derive.account.setting import setting_for


def position_definitions(rule, account, names, date=None) -> tuple:
    """Per position of ``account``, in order: {name: exact value} of the rule's definitions ``names`` at the
    position's mark price, each computed where its inputs are there (a name left out otherwise)."""
    setting = setting_for(rule, account, date, definitions=tuple(names))
    legs = read_legs(setting, account)
    return tuple({name: leg.at_mark[name] for name in names if name in leg.at_mark} for leg in legs)
