"""Implausible data is caught when a rule or tier table is read: future dates, values outside their domains,
a published `where` in force on no date, tier tables that break the bracket invariants."""

from __future__ import annotations

from pathlib import Path

from verifier.read import check_file

ROOT = Path(__file__).resolve().parents[2]


def _variant(tmp_path, relative, replacements, name=None):
    source = ROOT / "rules" / relative
    text = source.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    folder = tmp_path / source.parent.name
    folder.mkdir(exist_ok=True)
    markets = source.parent / "markets"
    if markets.is_dir() and not (folder / "markets").exists():
        (folder / "markets").symlink_to(markets)  # the shipped market catalogs, read where they are
    path = folder / (name or source.name)
    path.write_text(text, encoding="utf-8")
    return path


def _found(path):
    return {(d.code, d.json_path) for d in check_file(path).diagnostics}


def test_a_liquidation_fee_of_half_the_notional_is_outside_its_domain(tmp_path):
    path = _variant(tmp_path, "binance/usdm-perpetual.yaml", [("values: {2019-09-01: 0.005}",
                                                                 "values: {2019-09-01: 0.5}")])
    assert ("MV407", '$.parameters.liquidation_fee_rate.values["2019-09-01"]') in _found(path)


def test_dates_after_today_are_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("MARGIN_VERIFIER_TODAY", "2026-11-29")
    path = _variant(tmp_path, "binance/usdm-perpetual.yaml", [
        ("values: {2019-09-01: 0.005}", "values: {2019-09-01: 0.005, 2027-01-01: 0.004}"),
        ("  liq-price-faq:\n    title: How to Calculate Liquidation Price of USDⓈ-M Futures Contracts\n"
         "    url: https://www.binance.com/en/support/faq/how-to-calculate-liquidation-price-of-usd%E2%93%A2-m-futures-"
         "contracts-b3c689c1f50a44cabb3a84e663b81d93\n    retrieved: 2026-11-21",
         "  liq-price-faq:\n    title: How to Calculate Liquidation Price of USDⓈ-M Futures Contracts\n"
         "    url: https://www.binance.com/en/support/faq/how-to-calculate-liquidation-price-of-usd%E2%93%A2-m-futures-"
         "contracts-b3c689c1f50a44cabb3a84e663b81d93\n    retrieved: 2062-11-21")])
    codes = {code for code, _ in _found(path)}
    assert {"MV405", "MV406"} <= codes
    monkeypatch.setenv("MARGIN_VERIFIER_TODAY", "2063-01-01")
    assert not {"MV405", "MV406"} & {code for code, _ in _found(path)}


def test_a_published_where_in_force_on_no_date(tmp_path):
    path = _variant(tmp_path, "kucoin/inverse-perpetual.yaml", [("where: {mm_on_mark: 0, liq_fee_in_mm: 0}",
                                                                  "where: {mm_on_mark: 0, liq_fee_in_mm: 1}")])
    assert any(code == "MV409" for code, _ in _found(path))
