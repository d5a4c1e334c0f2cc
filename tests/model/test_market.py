"""Market catalog objects: versions in force on a date, adding imported versions without overwriting, staleness,
and the tier invariants."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction as F

import pytest

from verifier.model.catalog_merge import MergeConflict, add_version, merge_market
from verifier.model.market import Market, MarketSpec, Provenance, TierVersion
from verifier.model.tiers import TierRow, TierTable, table_problems


def day(n: int) -> dt.date:
    return dt.date(2024, 1, 1) + dt.timedelta(days=n)


def spec(tick: str, effective: int, seen: int | None = None) -> MarketSpec:
    provenance = Provenance("src", day(effective), day(seen if seen is not None else effective), day(effective))
    return MarketSpec("linear", "BTC", "USDT", "USDT", {"tick": F(tick)}, provenance)


def table(*caps, effective=0) -> TierVersion:
    rows, floor = [], F(0)
    for number, cap in enumerate(caps, start=1):
        rows.append(TierRow(number, floor, cap, {"MMR": F(number, 100)}))
        floor = cap
    provenance = Provenance("src", day(effective), day(effective), day(effective))
    return TierVersion(TierTable("BTC/USDT:USDT", "[floor, cap)", day(effective), {}, tuple(rows), "x"), provenance)


def test_the_version_in_force_is_the_last_one_effective_on_or_before_the_date():
    market = Market("BTC/USDT:USDT", (spec("0.1", 0), spec("0.01", 10)), ())
    assert market.spec_at(day(9)).price_tick == F(1, 10) and market.spec_at(day(10)).price_tick == F(1, 100)
    assert market.spec_at(None).price_tick == F(1, 100) and market.spec_at(day(-1)) is None


def test_an_older_observation_of_the_next_version_moves_its_effective_date_back():
    versions, what = add_version((spec("0.1", 0), spec("0.01", 10)), spec("0.01", 5))
    assert what == "confirmed" and [v.provenance.effective for v in versions] == [day(0), day(5)]
    assert versions[1].provenance.seen == day(10)


def test_a_change_inserted_between_two_versions_keeps_both():
    versions, what = add_version((spec("0.1", 0), spec("0.01", 10)), spec("0.05", 5))
    assert what == "changed" and [v.fields["tick"] for v in versions] == [F(1, 10), F(1, 20), F(1, 100)]


def test_different_data_on_the_same_effective_date_is_a_conflict():
    with pytest.raises(MergeConflict) as error:
        merge_market(Market("BTC/USDT:USDT", (spec("0.1", 0),), ()), "BTC/USDT:USDT", spec("0.01", 0))
    assert error.value.code == "MV823" and "already effective" in str(error.value)


def test_merging_the_same_data_twice_changes_nothing():
    first = merge_market(None, "BTC/USDT:USDT", spec("0.1", 0), table(F(10), None))
    second = merge_market(first.after, "BTC/USDT:USDT", spec("0.1", 0), table(F(10), None))
    assert first.kind == "added" and second.kind == "unchanged" and second.after == first.after


def test_stale_when_the_version_in_force_was_last_seen_too_long_before_even_with_a_later_one():
    market = Market("BTC/USDT:USDT", (spec("0.1", 0, seen=5), spec("0.01", 100)), ())
    # the first version was last seen on day 5 and the next is from day 100: on day 50 it is carried across a gap
    [(part, provenance, following)] = market.stale(day(50), 30)
    assert (part, provenance.seen, following) == ("market", day(5), day(100))
    assert market.stale(day(35), 30) == []  # 30 days after it was last seen: not yet
    assert [(part, following) for part, _, following in market.stale(day(131), 30)] == [("market", None)]
    assert market.stale(day(130), 30) == []


@pytest.mark.parametrize("rows, codes", [
    ([TierRow(1, F(0), F(10), {"r": F("0.01"), "a": F(0)}), TierRow(2, F(12), None, {"r": F("0.02"),
                                                                                      "a": F("0.12")})], ["MV411"]),
    ([TierRow(1, F(0), F(10), {"r": F("0.02"), "a": F(0)}), TierRow(2, F(10), None, {"r": F("0.01"),
                                                                                      "a": F("-0.1")})], ["MV805"]),
    ([TierRow(1, F(0), F(10), {"r": F("0.5"), "a": F(0), "L": F(2)})], ["MV806"]),
    ([TierRow(1, F(0), None, {"r": F("0.01"), "a": F(0)}), TierRow(2, F(10), None, {"r": F("0.02"), "a": F("0.1")})],
     ["MV415"]),
])
def test_table_invariants(rows, codes):
    assert [p.code for p in table_problems(rows, rate="r", amount="a", max_leverage="L")] == codes
