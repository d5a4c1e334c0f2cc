"""The simulator's world basics: a refusal, a conservation failure, a market's name, a user.

>>> split_market("BTC/USD:BTC")
('BTC', 'USD', 'BTC')
"""

from __future__ import annotations

from verifier.errors import InternalError, VerifierError


class Refused(VerifierError):
    """The exchange would refuse this action; the state is unchanged."""

    code = "MV715"


class ConservationError(InternalError):
    """Funds appeared or vanished: a bug in the simulator (raised in debug mode), never the user's input."""


def split_market(market: str) -> tuple[str, str, str]:
    """``'BTC/USDT:USDT'`` -> ('BTC', 'USDT', 'USDT'); ``'ETH/USDT'`` -> ('ETH', 'USDT', 'USDT').

    >>> split_market("ETH/USDT")
    ('ETH', 'USDT', 'USDT')
    """
    pair, _, settle = market.partition(":")
    base, _, quote = pair.partition("/")
    if not base or not quote:
        raise Refused(f"market {market!r} is not of the form BASE/QUOTE or BASE/QUOTE:SETTLE")
    return base, quote, settle or quote


class User:
    def __init__(self, id: str):
        self.id = id
        self.cross: str | None = None
        self.margin_modes: dict = {}  # market -> 'cross' | 'isolated'
        self.position_mode = "one-way"

    def clone(self) -> "User":
        copy = User(self.id)
        copy.cross, copy.margin_modes, copy.position_mode = self.cross, dict(self.margin_modes), self.position_mode
        return copy
