"""``import --live EXCHANGE``: ccxt's ``load_markets()`` and ``fetch_leverage_tiers()``, fetched and turned into the
very JSON a user would dump (so a live import and a file import read the same data the same way).

ccxt is optional (``pip install 'margin-verifier[live]'``); tests never call this (they import recorded dumps).
"""

from __future__ import annotations

import json
import os

from verifier.errors import UsageError

PRECISION_MODES = {2: "decimals", 3: "significant", 4: "tick"}
"""ccxt's precisionMode constants (DECIMAL_PLACES, SIGNIFICANT_DIGITS, TICK_SIZE) as a catalog writes them."""


def fetch(exchange_id: str, catalog) -> tuple:
    """((name, markets data), (name, tiers data) or None) from the ccxt exchange ``exchange_id``.

    API credentials, where an exchange needs them for its tiers (Binance's leverage brackets do), are read from
    the environment variables MARGIN_VERIFIER_API_KEY and MARGIN_VERIFIER_API_SECRET when set.
    """
    try:
        import ccxt  # the optional 'live' extra
    except ImportError:
        raise UsageError("--live needs ccxt: pip install 'margin-verifier[live]'", code="MV826") from None
    exchange_class = getattr(ccxt, exchange_id, None)
    if exchange_class is None or exchange_id not in ccxt.exchanges:
        raise UsageError(f"ccxt has no exchange {exchange_id!r}", code="MV826",
                         hint=f"the catalog {catalog.id} is for {catalog.exchange!r}")
    options = {"enableRateLimit": True}
    if os.environ.get("MARGIN_VERIFIER_API_KEY"):
        options.update(apiKey=os.environ["MARGIN_VERIFIER_API_KEY"],
                       secret=os.environ.get("MARGIN_VERIFIER_API_SECRET", ""))
    exchange = exchange_class(options)
    mode = PRECISION_MODES.get(getattr(exchange, "precisionMode", None))
    if mode is not None and mode != catalog.price_precision:
        raise UsageError(f"ccxt {exchange_id} writes precision as {mode}, the catalog {catalog.id} says "
                         f"{catalog.price_precision}", code="MV826", hint=f"fix price_precision in {catalog.file}")
    name = f"ccxt {exchange_id} (ccxt {ccxt.__version__}, live)"
    try:
        markets = _as_json(exchange.load_markets(), name)
        tiers = _as_json(exchange.fetch_leverage_tiers(), name) if exchange.has.get("fetchLeverageTiers") else None
    except ccxt.BaseError as exc:
        raise UsageError(f"ccxt {exchange_id} failed: {exc}", code="MV826") from None
    return (name, markets), ((name, tiers) if tiers is not None else None)


def _as_json(value, name: str):
    """ccxt's result as a JSON dump reads back, through the reading layer (the same limits as a dump in a file):
    floats as their shortest decimal, exact; ``Infinity`` no bound."""
    from verifier.read.catalog.ccxt import CCXT_CONSTANTS
    from verifier.read.inputs import parse_json

    return parse_json(json.dumps(value, default=str, indent=1), name, constants=CCXT_CONSTANTS)
