"""check's warnings about what worked examples leave unpinned (never an exit code of their own)."""

from __future__ import annotations

from pathlib import Path

from verifier.verify.check import check_file

ROOT = Path(__file__).resolve().parents[2]


def _variant(tmp_path, relative, old, new):
    text = (ROOT / "rules" / relative).read_text(encoding="utf-8")
    assert old in text
    folder = tmp_path / Path(relative).parent
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / Path(relative).name
    path.write_text(text.replace(old, new), encoding="utf-8")
    for data in ("markets", "conformance"):  # the shipped market catalogs and recorded responses, read where they are
        shipped = ROOT / "rules" / Path(relative).parent / data
        if shipped.is_dir() and not (folder / data).exists():
            (folder / data).symlink_to(shipped)
    return path


def _warnings(path):
    return [d for d in check_file(path).warnings]


def test_shipped_binance_rule_has_its_boundary_example():
    codes = [d.code for d in _warnings(ROOT / "rules/binance/usdm-perpetual.yaml")]
    assert "MV458" not in codes and "MV457" not in codes


def test_a_wide_tolerance_without_a_reason_is_a_warning(tmp_path):
    path = _variant(tmp_path, "hyperliquid/perpetual.yaml",
                    "    expect: {liquidation_price: 3137.25}\n    tolerance: 0.01\n",
                    "    expect: {liquidation_price: 3137.25}\n    tolerance: 100\n")
    report = check_file(path)
    assert report.ok and any(d.code == "MV457" and "3137.25" in d.message for d in report.warnings)


def test_no_boundary_example_is_a_warning_that_names_the_operator(tmp_path):
    path = _variant(tmp_path, "binance/usdm-perpetual.yaml",
                    "    given: {WB: 600, q: 1, EP: 60000, s: 1, P: 60000, MMR: 0.01, cum: 0}",
                    "    given: {WB: 599, q: 1, EP: 60000, s: 1, P: 60000, MMR: 0.01, cum: 0}")
    found = [d for d in _warnings(path) if d.code == "MV458"]
    assert found and "'<='" in found[0].message


def test_a_dated_regime_no_example_covers_is_a_warning(tmp_path):
    """KuCoin's maintenance margin changed on 2025-05-22: with no example before the change, swapping dates
    would pass unnoticed."""
    text = (ROOT / "rules/kucoin/linear-perpetual.yaml").read_text(encoding="utf-8")
    for day in ("date: 2025-05-21", ):
        text = text.replace(day, "date: 2025-06-01")
    folder = tmp_path / "kucoin"
    folder.mkdir()
    (folder / "markets").symlink_to(ROOT / "rules/kucoin/markets")  # the shipped market catalog, read where it is
    (folder / "conformance").symlink_to(ROOT / "rules/kucoin/conformance")  # and its recorded cases
    path = folder / "linear-perpetual.yaml"
    path.write_text(text, encoding="utf-8")
    report = check_file(path)
    assert any(d.code == "MV408" and "before 2025-05-22" in d.message for d in report.warnings), \
        [d.render() for d in report.diagnostics]
