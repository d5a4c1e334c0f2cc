"""MV609 staleness warnings are said once per set of stale markets (verifier.report.evaluate.stale_warnings keeps
them): the same Diagnostics as said afresh, for every account, date and rule that asks."""

import datetime as dt

from verifier.derive.account import AccountEvaluation
from verifier.model.market import Provenance
from verifier.report import evaluate as report

SEEN = Provenance("ft", dt.date(2026, 9, 29), dt.date(2026, 9, 29), dt.date(2026, 11, 28))


def _evaluation(stale, days=30, exchange="binanceusdm"):
    return AccountEvaluation("binance/usdm-perpetual", "isolated", None, (), None, "normal", stale, days,
                             "binance/usdm-perpetual", exchange)


def test_kept_warnings_are_the_ones_said_afresh():
    stale = (("BTC/USDT:USDT", "tiers", SEEN, 60), ("BTC/USDT:USDT", "market", SEEN, 60, dt.date(2026, 12, 1)),
             ("ETH/USDT:USDT", "tiers", SEEN, 60))
    on = dt.date(2026, 11, 28)
    first = report.stale_warnings(_evaluation(stale), on)
    assert first == report._stale_warnings(_evaluation(stale), on) and len(first) == 2
    first.append("changed by a caller")  # a caller's list is its own
    assert report.stale_warnings(_evaluation(stale), on) == report._stale_warnings(_evaluation(stale), on)
    # what the warnings say depends on the date, the threshold and the exchange: none answered for another
    for evaluation, when in ((_evaluation(stale), dt.date(2026, 11, 29)), (_evaluation(stale, days=45), on),
                             (_evaluation(stale, exchange="binance"), on)):
        assert report.stale_warnings(evaluation, when) == report._stale_warnings(evaluation, when)
        assert report.stale_warnings(evaluation, when) != report._stale_warnings(_evaluation(stale), on)


def test_entries_that_cannot_be_kept_are_said_afresh():
    stale = [("BTC/USDT:USDT", "tiers", SEEN, 60)]  # a list: not hashable
    on = dt.date(2026, 11, 28)
    assert report.stale_warnings(_evaluation(stale), on) == report._stale_warnings(_evaluation(stale), on)
