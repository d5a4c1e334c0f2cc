"""Regenerate tests/corpus/ccxt/invalid/ from the recorded exports: one realistic mistake per file.

Each export starts from a recorded one (examples/ccxt/, tests/fixtures/ccxt_exports/: ccxt's own output for
recorded exchange responses) with one change a user's export could carry (a hand edit, another exchange's dump, a
field of the wrong type, an impossible value).  Beside each ``<slug>.json`` a ``<slug>.json.expect`` says, one a
line: the rule, the code ``evaluate`` must refuse it with (exit 2), the JSON path the diagnostic is at (a prefix),
and a fragment of its message.  tests/read/test_ccxt_corpus.py runs them.
Run: .venv/bin/python tests/corpus/make_invalid_exports.py
"""

import copy
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).parent / "ccxt" / "invalid"
EXAMPLES = ROOT / "examples" / "ccxt"
FIXTURES = ROOT / "tests" / "fixtures" / "ccxt_exports"


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


BINANCE = load(FIXTURES / "binance-usdm-cross-2024-07-28-1.json")  # {positions, walletBalance}
HYPERLIQUID = load(FIXTURES / "hyperliquid-isolated-hype-2025-10-30.json")  # [position]
COINM = load(EXAMPLES / "binance-coinm-perpetual.json")["positions"]  # [position] (the balance beside it is not needed)
SPOT_CROSS = load(EXAMPLES / "binance-spot-margin-cross.json")  # {balance, quote}
SPOT_ISOLATED = load(EXAMPLES / "binance-spot-margin-isolated.json")  # the dump
OKX_MARGIN = load(EXAMPLES / "okx-spot-margin-isolated.json")["positions"]  # [the MARGIN row]
OKX_LINEAR = load(EXAMPLES / "okx-linear-swap.json")["positions"]  # [an LTC-USDT-SWAP row]
BYBIT = {key: value for key, value in load(EXAMPLES / "bybit-linear-perpetual.json").items()
         if key != "balance"}  # {marginMode: cross, positions: [a BTCUSDT row]}: each error comes before the wallet
BYBIT_INVERSE = load(EXAMPLES / "bybit-inverse-perpetual.json")  # {marginMode: cross, positions}
KUCOIN = load(EXAMPLES / "kucoin-linear-perpetual.json")  # [position]
KUCOIN_MARGIN = load(EXAMPLES / "kucoin-spot-margin-isolated.json")  # {balance, quote}
UTA = load(EXAMPLES / "bybit-unified-trading-account.json")  # the fetch_balance() dump (seven coins, 2025-01-14)
PM = load(ROOT / "rules" / "binance" / "conformance" / "binance-pm-papi-balance-docs-2021-04-09.json")  # {balance,
# positions}: ccxt's portfolio-margin fetch_balance() and fetch_positions() of the API documentation's examples
PM_ACCOUNT = load(ROOT / "rules" / "binance" / "conformance" / "binance-pm-papi-account-docs-2022-07-13.json")
OKX_MCM = load(FIXTURES / "okx-multi-currency-positions.json")  # {balance, positions}: a multi-currency balance (built)
# beside three recorded position rows, parsed by ccxt (make_okx_multi_currency.py there)
PM_CONSISTENT = load(ROOT / "tests" / "fixtures" / "ccxt_exports" / "binance-pm-consistent-2026-12-07.json")  # with
# its papi_get_account() answer under 'account' (constructed, parsed by ccxt: the README there)


def _changed(base, change, *where):
    """A deep copy of ``base`` whose element at the path ``where`` is changed in place by ``change``."""
    data = copy.deepcopy(base)
    element = data
    for step in where:
        element = element[step]
    change(element)
    return data


def binance(change):
    return _changed(BINANCE, change, "positions", 0)


def hyperliquid(change):
    return _changed(HYPERLIQUID, change, 0)


def okx_margin(change, **extra):
    rows = _changed(OKX_MARGIN, change, 0)
    return {"positions": rows, **extra} if extra else rows


def bybit(change, mode=None):
    data = _changed(BYBIT, change, "positions", 0)
    if mode:
        data["marginMode"] = mode
    return data


def kucoin(change):
    return _changed(KUCOIN, change, 0)


def kucoin_margin(change):
    return _changed(KUCOIN_MARGIN, change, "balance", "info", "data", "assets", 0)


def spot_cross(change):
    return _changed(SPOT_CROSS, change)


def isolated_pair(base_free="1", borrowed="30000", rate="1.05", **extra):
    """The documentation's isolated pair with a holding and a loan (its placeholder zeros replaced)."""
    data = copy.deepcopy(SPOT_ISOLATED)
    pair = data["info"]["assets"][0]
    pair["baseAsset"]["free"] = base_free
    pair["quoteAsset"]["borrowed"] = borrowed
    pair["liquidateRate"] = rate
    return {"balance": data, **extra} if extra else data


def uta(change=None, *where, positions=None):
    """The recorded UTA balance changed at ``where`` (the account's raw totals and coins); with ``positions``, the
    export object {balance, positions} beside the recorded Bybit position row (LTC/USDT:USDT, parsed by ccxt)."""
    data = _changed(UTA, change or (lambda _: None), "info", "result", "list", 0, *where)
    return data if positions is None else {"balance": data, "positions": positions}


def uta_position(change):
    return _changed(BYBIT["positions"], change, 0)


def _set(path_value):
    def change(position):
        *keys, last, value = path_value
        target = position
        for key in keys:
            target = target[key]
        target[last] = value
    return change


# slug: (what a user did, rule, export, code, JSON path prefix, message fragment)
MISTAKES = {
    "contracts-as-text": ("wrote the size as words", "binance/usdm-perpetual",
                          binance(_set(("contracts", "a lot"))), "MV602", "$.positions[0].contracts",
                          "expected a number or null"),
    "negative-contracts": ("signed ccxt's absolute size", "binance/usdm-perpetual",
                           binance(_set(("contracts", -0.009))), "MV611", "$.positions[0].contracts",
                           "contracts is negative"),
    "unknown-side": ("misspelt the side", "binance/usdm-perpetual", binance(_set(("side", "buy"))), "MV601",
                     "$.positions[0].side", "unexpected value 'buy'"),
    "zero-mark": ("a mark price of 0 (a market not trading)", "binance/usdm-perpetual",
                  binance(_set(("markPrice", 0.0))), "MV602", "$.positions[0].markPrice", "must be > 0"),
    "negative-entry": ("an impossible entry price", "binance/usdm-perpetual", binance(_set(("entryPrice", -1.0))),
                       "MV602", "$.positions[0].entryPrice", "must be > 0"),
    "raw-size-not-a-number": ("a raw field of the wrong type", "binance/usdm-perpetual",
                              binance(_set(("info", "positionAmt", "0.009 BTC"))), "MV602",
                              "$.positions[0].info.positionAmt", "not a number"),
    "raw-size-against-side": ("edited the side but not the exchange's signed size", "binance/usdm-perpetual",
                              binance(_set(("side", "short"))), "MV611", "$.positions[0].info.positionAmt",
                              "side is 'short'"),
    "isolated-wallet-as-list": ("a raw margin of the wrong type", "binance/usdm-perpetual",
                                binance(lambda p: (p.update(marginMode="isolated"),
                                                   p["info"].update(isolatedWallet=["1"]))), "MV602",
                                "$.positions[0].info.isolatedWallet", "not a number"),
    "another-exchanges-export": ("evaluated a Hyperliquid dump with a Binance rule", "binance/usdm-perpetual",
                                 HYPERLIQUID, "MV618", "$[0].info", "evaluate it with hyperliquid/perpetual"),
    "inverse-under-linear": ("evaluated a COIN-M dump with the USDⓈ-M rule", "binance/usdm-perpetual", COINM,
                             "MV618", "$[0].symbol", "evaluate it with binance/coinm-perpetual"),
    "linear-under-inverse": ("evaluated a USDⓈ-M dump with the COIN-M rule", "binance/coinm-perpetual", BINANCE,
                             "MV618", "$.positions[0].symbol", "evaluate it with binance/usdm-perpetual"),
    "max-leverage-as-text": ("a raw maxLeverage that is not a number", "hyperliquid/perpetual",
                             hyperliquid(_set(("info", "position", "maxLeverage", "ten"))), "MV602",
                             "$[0].info.position.maxLeverage", "not a number"),
    "max-leverage-zero": ("an impossible maxLeverage", "hyperliquid/perpetual",
                          hyperliquid(_set(("info", "position", "maxLeverage", "0"))), "MV602",
                          "$[0].info.position.maxLeverage", "must be >= 1"),
    "spot-cross-without-quote": ("left out the asset a cross margin account is valued in", "binance/spot-margin",
                                 spot_cross(lambda d: d.pop("quote")), "MV600", "$", "valued in one asset"),
    "spot-negative-loan": ("a negative loan", "binance/spot-margin",
                           spot_cross(lambda d: d["balance"]["info"]["userAssets"][0].update(borrowed="-1")),
                           "MV602", "$.balance.info.userAssets[0]", "below 0"),
    "spot-price-of-nothing": ("gave a price for an asset the account does not hold", "binance/spot-margin",
                              spot_cross(lambda d: d.update(prices={"ETH": "3000"})), "MV614", "$.prices.ETH",
                              "no account of the balance holds or owes"),
    "spot-price-twice": ("gave a price the isolated pair already carries", "binance/spot-margin",
                         isolated_pair(prices={"BTC": "60000"}), "MV614", "$.prices.BTC", "given twice"),
    "spot-pair-level-unknown": ("an isolated pair whose liquidation rate is no mode's", "binance/spot-margin",
                                isolated_pair(rate="1.3"), "MV612", "$.info.assets[0]", "isolated modes"),
    "spot-positions-not-balance": ("gave fetch_positions() to the spot-margin rule", "binance/spot-margin", BINANCE,
                                   "MV610", "$", "reads a fetch_balance() dump"),
    "spot-another-exchanges-balance": ("gave a futures balance to the spot-margin rule", "binance/spot-margin",
                                       {"balance": load(FIXTURES / "binance-usdm-balance-2024-07-28.json"),
                                        "quote": "USDT"}, "MV618", "$.balance.info", "not a binance margin balance"),
    "okx-margin-liability-positive": ("wrote OKX's liability as a positive number", "okx/spot-margin",
                                      okx_margin(_set(("info", "liab", "99.9998177776581948"))), "MV602",
                                      "$[0].info.liab", "at or below 0"),
    "okx-margin-size-as-text": ("a held amount that is not a number", "okx/spot-margin",
                                okx_margin(_set(("info", "pos", "some"))), "MV602", "$[0].info.pos", "not a number"),
    "okx-margin-zero-mark": ("a mark price of 0", "okx/spot-margin", okx_margin(_set(("info", "markPx", "0"))),
                             "MV602", "$[0].info.markPx", "not a price"),
    "okx-margin-cross-row": ("a cross MARGIN row, which the rule has no mode for", "okx/spot-margin",
                             okx_margin(lambda p: (p["info"].update(mgnMode="cross"), p.update(marginMode="cross"))),
                             "MV601", "$[0].info.mgnMode", "has no cross mode"),
    "okx-margin-mode-disagrees": ("ccxt's marginMode against the raw mgnMode", "okx/spot-margin",
                                  okx_margin(_set(("marginMode", "cross"))), "MV611", "$[0].marginMode",
                                  "but info.mgnMode is 'isolated'"),
    "okx-margin-foreign-liability": ("a liability in an asset that is not the pair's", "okx/spot-margin",
                                     okx_margin(_set(("info", "liabCcy", "ETH"))), "MV611", "$[0].info.liabCcy",
                                     "neither asset of the pair"),
    "okx-margin-side-contradicts": ("a side against what the row holds", "okx/spot-margin",
                                    okx_margin(_set(("side", "short"))), "MV611", "$[0].side", "holds BTC"),
    "okx-margin-fee-out-of-range": ("a fee rate written in per cent", "okx/spot-margin",
                                    okx_margin(lambda p: None, takerFeeRate=0.1 * 10), "MV602", "$.takerFeeRate",
                                    "below 1"),
    "okx-swap-under-margin-rule": ("gave a swap position to the spot-margin rule", "okx/spot-margin", OKX_LINEAR,
                                   "MV618", "$[0].symbol", "evaluate it with okx/linear-swap"),
    "okx-margin-under-swap-rule": ("gave a MARGIN position to the linear swap rule", "okx/linear-swap", OKX_MARGIN,
                                   "MV618", "$[0].symbol", "evaluate it with okx/spot-margin"),
    "bybit-size-as-text": ("a raw Bybit size with its unit", "bybit/linear-perpetual",
                           bybit(_set(("info", "size", "0.001 BTC"))), "MV602", "$.positions[0].info.size",
                           "not a number"),
    "bybit-size-against-contracts": ("edited contracts but not Bybit's own size", "bybit/linear-perpetual",
                                     bybit(_set(("contracts", 2.0))), "MV611", "$.positions[0]", "size"),
    "bybit-negative-contracts": ("signed ccxt's absolute size", "bybit/linear-perpetual",
                                 bybit(_set(("contracts", -0.001))), "MV611", "$.positions[0].contracts",
                                 "contracts is negative"),
    "bybit-unknown-raw-side": ("a raw side Bybit does not write", "bybit/linear-perpetual",
                               bybit(_set(("info", "side", "Long"))), "MV611", "$.positions[0].info.side",
                               "info.side is 'Long'"),
    "bybit-zero-mark": ("a mark price of 0", "bybit/linear-perpetual", bybit(_set(("markPrice", 0.0))), "MV602",
                        "$.positions[0].markPrice", "must be > 0"),
    "bybit-risk-limit-as-text": ("a risk limit written in words", "bybit/linear-perpetual",
                                 bybit(_set(("info", "riskLimitValue", "200k"))), "MV602",
                                 "$.positions[0].info.riskLimitValue", "not a number"),
    "bybit-liq-price-as-object": ("the exchange's price of the wrong type", "bybit/linear-perpetual",
                                  bybit(_set(("info", "liqPrice", {"price": "60"}))), "MV602",
                                  "$.positions[0].info.liqPrice", "not a number"),
    "bybit-margin-as-text": ("an isolated position margin that is not a number", "bybit/linear-perpetual",
                             bybit(_set(("info", "positionBalance", "eleven")), mode="isolated"), "MV602",
                             "$.positions[0].info.positionBalance", "not a number"),
    "bybit-inverse-under-linear": ("evaluated a Bybit inverse dump with the linear rule", "bybit/linear-perpetual",
                                   BYBIT_INVERSE, "MV618", "$.positions[0].symbol",
                                   "evaluate it with bybit/inverse-perpetual"),
    "bybit-linear-under-inverse": ("evaluated a Bybit linear dump with the inverse rule", "bybit/inverse-perpetual",
                                   BYBIT, "MV618", "$.positions[0].symbol", "evaluate it with bybit/linear-perpetual"),
    "bybit-under-binance": ("evaluated a Bybit dump with a Binance rule", "binance/usdm-perpetual", BYBIT, "MV618",
                            "$.positions[0]", "bybit/linear-perpetual"),
    "kucoin-position-margin-as-text": ("a raw position margin that is not a number", "kucoin/linear-perpetual",
                                       kucoin(_set(("info", "posMargin", "22.5 USDT"))), "MV602",
                                       "$[0].info.posMargin", "not a number"),
    "kucoin-raw-qty-against-side": ("edited the side but not KuCoin's signed currentQty", "kucoin/linear-perpetual",
                                    kucoin(_set(("side", "short"))), "MV611", "$[0].info.currentQty",
                                    "side is 'short'"),
    "kucoin-size-against-raw-qty": ("edited ccxt's size but not KuCoin's currentQty", "kucoin/linear-perpetual",
                                    kucoin(_set(("contracts", 3.0))), "MV611", "$[0]", "contracts"),
    "kucoin-zero-initial-margin": ("an impossible initial margin (the leverage posCost / posInit divides by it)",
                                   "kucoin/linear-perpetual", kucoin(_set(("info", "posInit", 0))), "MV602",
                                   "$[0]", "posCost / posInit"),
    "kucoin-negative-mmr": ("an impossible maintenance margin rate", "kucoin/linear-perpetual",
                            kucoin(_set(("info", "maintMarginReq", -0.005))), "MV602", "$[0].info.maintMarginReq", "maintMarginReq gives -0.005"),
    "kucoin-linear-under-inverse": ("evaluated a USDT-margined KuCoin dump with the inverse rule",
                                    "kucoin/inverse-perpetual", KUCOIN, "MV618", "$[0].symbol",
                                    "evaluate it with kucoin/linear-perpetual"),
    "kucoin-under-binance": ("evaluated a KuCoin dump with a Binance rule", "binance/usdm-perpetual", KUCOIN,
                             "MV618", "$[0].info", "evaluate it with kucoin/linear-perpetual"),
    "kucoin-margin-liability-as-text": ("a raw liability that is not a number", "kucoin/spot-margin",
                                        kucoin_margin(lambda a: a["quoteAsset"].update(liability="lots")), "MV602",
                                        "$.balance.info.data.assets[0].quoteAsset.liability", "not a number"),
    "kucoin-margin-negative-holding": ("a negative holding", "kucoin/spot-margin",
                                       kucoin_margin(lambda a: a["quoteAsset"].update(total="-4.97")), "MV602",
                                       "$.balance.info.data.assets[0].quoteAsset", "below 0"),
    "uta-coin-without-ratio": ("a unified coin with no collateral ratio in the catalog", "bybit/unified-trading-account",
                               UTA, "MV606", "$.info.result.list[0].coin[0]", "no tier table for market 'USDC/USD'"),
    "uta-negative-balance-without-loan": ("a negative coin balance without a borrowing",
                                          "bybit/unified-trading-account",
                                          uta(lambda c: c.update(equity="-0.1", usdValue="-10000"), "coin", 1),
                                          "MV602", "$.info.result.list[0].coin[1]", "BTC: total is -0.1"),
    "uta-total-as-text": ("an account total that is not a number", "bybit/unified-trading-account",
                          uta(lambda a: a.update(totalMaintenanceMargin="seven")), "MV602",
                          "$.info.result.list[0].totalMaintenanceMargin", "not a number"),
    "uta-position-settle-not-in-balance": ("positions of another account beside the balance (settle coin USDE)",
                                           "bybit/unified-trading-account",
                                           uta(positions=uta_position(_set(("symbol", "LTC/USDE:USDE")))), "MV626",
                                           "$.positions[0].symbol", "settles in USDE, which the balance does not list"),
    "uta-position-margin-coin-without": ("a position's margin in a coin whose balance gives none of positions",
                                         "bybit/unified-trading-account",
                                         uta(lambda c: c.update(totalPositionMM="0"), "coin", 5,
                                             positions=BYBIT["positions"]), "MV626",
                                         "$.positions[0].info.positionMM", "the balance gives USDT none"),
    "pm-account-totals-as-balance": ("papi_get_account()'s totals given as the portfolio-margin balance",
                                     "binance/portfolio-margin", PM_ACCOUNT, "MV610", "$.balance",
                                     "this balance has no list of coins at info"),
    "pm-wallet-as-text": ("a portfolio-margin wallet that is not a number", "binance/portfolio-margin",
                          _changed(PM, lambda a: a.update(umWalletBalance="lots"), "balance", "info", 0), "MV602",
                          "$.balance.info[0].umWalletBalance", "umWalletBalance is 'lots', not a number"),
    "pm-account-contradicts-itself": ("a papi_get_account() answer whose uniMMR is not its own accountEquity / "
                                      "accountMaintMargin", "binance/portfolio-margin",
                                      _changed(PM_CONSISTENT, lambda a: a.update(uniMMR="271.2277"), "account"),
                                      "MV628", "$.account.uniMMR", "the account answer contradicts itself"),
    "pm-account-actual-below-rated-equity": ("a papi_get_account() answer whose equity without collateral rates is "
                                            "below its equity after them", "binance/portfolio-margin",
                                            _changed(PM_CONSISTENT, lambda a: a.update(actualEquity="152000.00000000"),
                                                     "account"),
                                            "MV629", "$.account.actualEquity", "the account answer is impossible"),
    "pm-account-not-an-object": ("the account answer given as a list", "binance/portfolio-margin",
                                 {**PM_CONSISTENT, "account": [PM_CONSISTENT["account"]]}, "MV610", "$.account",
                                 "account is the exchange's account answer as ccxt returns it"),
    "uta-position-without-product-rule": ("a position of a kind the unified rule names no product rule for (a USDC "
                                          "perpetual: the rule prices */USDT:USDT only)",
                                          "bybit/unified-trading-account",
                                          uta(positions=uta_position(_set(("symbol", "BTC/USDC:USDC")))), "MV627",
                                          "$.positions[0].symbol", "names no product rule for it"),
    "okx-mcm-account-mmr-unexplained": ("an OKX multi-currency account mmr its cross positions do not explain (spot "
                                        "orders with auto-borrow)", "okx/multi-currency-margin",
                                        _changed(OKX_MCM, lambda a: a.update(mmr="9.4696"), "balance", "info", "data",
                                                 0), "MV626", "$.balance.info.data[0].mmr",
                                        "of the account's requirement is on no position"),
    "okx-mcm-account-notional-unexplained": ("an OKX multi-currency account notionalUsd its cross positions do not "
                                             "explain", "okx/multi-currency-margin",
                                             _changed(OKX_MCM, lambda a: a.update(notionalUsd="150.5"), "balance",
                                                      "info", "data", 0), "MV626",
                                             "$.balance.info.data[0].notionalUsd",
                                             "50.2972751488 of the account's notional is on no position"),
    "okx-mcm-position-without-product-rule": ("an OKX delivery future beside a multi-currency balance (the rule "
                                              "prices */USDT:USDT swaps and */USD:* coin-margined ones)",
                                              "okx/multi-currency-margin",
                                              _changed(OKX_MCM, lambda p: p.update(symbol="LTC/USDT:USDT-260327"),
                                                       "positions", 0), "MV627", "$.positions[0].symbol",
                                              "names no product rule for it"),
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*"):
        old.unlink()
    for slug, (what, rule, export, code, path, message) in MISTAKES.items():
        (OUT / f"{slug}.json").write_text(json.dumps(export, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        (OUT / f"{slug}.json.expect").write_text(f"# {what}\n# rule: {rule}\n# expect: {code}\n# path: {path}\n"
                                                 f"# message: {message}\n", encoding="utf-8")
    print(f"wrote {len(MISTAKES)} invalid exports to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
