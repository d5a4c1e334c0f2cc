"""The batch job (verifier/jobs/batch.py): every float number held against the exact evaluate job, JSON lines and
Parquet read alike, bad rows located by row and account id, the output written atomically and never over an input,
--check-sample failing past the tolerance, a price path replayed as the exact path replays it."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from batch_accounts import DATE, RULE, accounts_table, lines, leverage_limits, notional_caps, priced_markets
from verifier.derive.columns import RELATIVE_TOLERANCE, agrees
from verifier.errors import UsageError
from verifier.jobs import batch as batch_job
from verifier.jobs.batch import BatchOptions, BatchRefused, run_batch
from verifier.jobs.evaluate import evaluate_accounts
from verifier.read import load_rule

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "batch" / "accounts.jsonl"
OPTIONS = BatchOptions(date=DATE, today=DATE)


@pytest.fixture(scope="module")
def rule():
    return load_rule(RULE)


@pytest.fixture(scope="module")
def table(rule):
    markets = priced_markets(rule)
    return accounts_table(markets, 40, 6, seed=11, caps=notional_caps(rule, markets),
                         leverage_caps=leverage_limits(rule, markets))


@pytest.fixture
def inputs(tmp_path, table):
    parquet = tmp_path / "accounts.parquet"
    pq.write_table(table, parquet, row_group_size=70)
    jsonl = tmp_path / "accounts.jsonl"
    jsonl.write_text(lines(table), encoding="utf-8")
    return parquet, jsonl


def _accounts(refused) -> list:
    """The diagnostics of a refused run but the last, which says nothing was written (MV620)."""
    *accounts, last = refused.diagnostics
    assert last.code == "MV620" and "nothing was written" in last.message
    return accounts


def read_rows(path) -> tuple:
    """(positions, pools) of an output, as lists of dicts."""
    path = Path(path)
    if path.suffix == ".jsonl":
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        return ([r for r in records if r.pop("record") == "position"],
                [r for r in records if "wallet_balance" in r])
    return pq.read_table(path / "positions").to_pylist(), pq.read_table(path / "pools").to_pylist()


def test_every_number_agrees_with_the_evaluate_job(rule, inputs, tmp_path):
    parquet, jsonl = inputs
    result = run_batch(rule, jsonl, tmp_path / "out.jsonl", OPTIONS)
    assert result.accounts == 40 and not result.bad and result.exact_accounts == 0
    positions, pools = read_rows(tmp_path / "out.jsonl")
    assert len(positions) == 240
    by_account = {}
    for row in positions:
        by_account.setdefault(row["account"], []).append(row)
    checked = 0
    for number, accounts in _exact_lines(rule, jsonl):
        evaluated = evaluate_accounts(rule, accounts, date=DATE, today=DATE)
        rows = {(r["symbol"], r["side"]): r for r in by_account[number]}
        for evaluation in evaluated.evaluations:
            for p in evaluation.positions:
                row = rows[(p.symbol, p.side)]
                mark = float(p.mark_price)
                assert agrees(row["liquidation_price"], p.liquidation_price, mark), (row, p)
                assert agrees(row["maintenance_margin"], p.maintenance_margin, abs(float(p.maintenance_margin)))
                assert row["status"] == p.status and row["tier"] == p.tier
                assert row["liquidation_tier"] == p.liquidation_tier, (row, p)  # the row at the price too
                checked += 1
    assert checked == 240
    statuses = {r["status"] for r in pools}
    assert statuses >= {"normal", "liquidation"}  # the data reach both sides of the condition


def _exact_lines(rule, path):
    from verifier.read.positions_file import read_lines

    for account, (_, accounts) in enumerate(read_lines(rule, path)):
        yield account, accounts


def test_parquet_and_json_lines_give_the_same_rows(rule, inputs, tmp_path):
    parquet, jsonl = inputs
    run_batch(rule, parquet, tmp_path / "from-parquet", BatchOptions(date=DATE, today=DATE, chunk_rows=50))
    run_batch(rule, jsonl, tmp_path / "from-lines.jsonl", OPTIONS)
    a, a_pools = read_rows(tmp_path / "from-parquet")
    b, b_pools = read_rows(tmp_path / "from-lines.jsonl")
    keys = ("id", "account", "position", "symbol", "side", "margin_mode", "settle", "liquidation_price", "tier",
            "maintenance_margin", "margin_ratio", "status")
    assert [[r[k] for k in keys] for r in a] == [[r[k] for k in keys] for r in b]
    pool_keys = ("id", "margin_mode", "settle", "equity", "maintenance_margin", "margin_ratio", "status")
    assert [[r[k] for k in pool_keys] for r in a_pools] == [[r[k] for k in pool_keys] for r in b_pools]
    assert a[7]["row"] == 7 and b[7]["line"] == 2  # a Parquet row's own index; a JSON line's number


def test_a_malformed_line_stops_the_run_unless_skipped(tmp_path):
    rule = load_rule("hyperliquid/perpetual")
    out = tmp_path / "out.jsonl"
    with pytest.raises(BatchRefused) as refused:
        run_batch(rule, FIXTURE, out, BatchOptions())
    [diagnostic] = _accounts(refused.value)
    assert (diagnostic.line, diagnostic.col, diagnostic.code) == (2, 28, "MV100") and not out.exists()  # its end
    assert list(tmp_path.iterdir()) == []  # no temporary copy left behind
    result = run_batch(rule, FIXTURE, out, BatchOptions(skip_bad=True))
    assert (result.accounts, len(result.bad), dict(result.bad_codes)) == (3, 1, {"MV100": 1})
    positions, pools = read_rows(out)
    assert [r["id"] for r in positions] == ["a1", "a1", "a3"] and [r["line"] for r in pools] == [1, 3]


BAD_ROWS = {
    # name: (change to row 3 of account acct-1, rows 6..11, the expected code, words of the message)
    "side": ({"side": "up"}, "MV601", "unexpected value 'up'"),
    "negative size": ({"contracts": -1.0}, "MV611", "contracts is negative"),
    "margin mode": ({"marginMode": "portfolio"}, "MV601", "unknown marginMode 'portfolio'"),
    "signed size": ({"info.positionAmt": "-0.5", "side": "long"}, "MV611", "info.positionAmt"),
    "unknown market": ({"symbol": "NOPE/USDT:USDT"}, "MV606", "not in the market catalog"),
    "not a number": ({"info.isolatedWallet": "lots", "marginMode": "isolated"}, "MV602", "'lots'"),
    "no mark": ({"markPrice": None}, "MV600", "markPrice"),
    "NaN": ({"entryPrice": float("nan")}, "MV602", "entryPrice is nan"),
    "leverage above the market's": ({"leverage": 10000.0}, "MV602", "leverage 10000 is above the highest"),
    "two wallets": ({"walletBalance": 1.0, "marginMode": "cross", "symbol": "BTC/USDT:USDT"}, "MV623",
                    "walletBalance differs"),
}


def _with(table: pa.Table, row: int, change: dict) -> pa.Table:
    data = table.to_pylist()
    data[row].update(change)
    return pa.Table.from_pylist(data, schema=table.schema)


@pytest.mark.parametrize("name", sorted(BAD_ROWS))
def test_a_bad_row_is_located_by_row_and_account_and_skipped_only_when_asked(name, rule, table, tmp_path):
    change, code, words = BAD_ROWS[name]
    row = 9  # account acct-1 (rows 6..11), its fourth position
    if name == "two wallets":
        table = _with(table, 8, {"marginMode": "cross", "symbol": "ETH/USDT:USDT"})
    path = tmp_path / "in.parquet"
    pq.write_table(_with(table, row, change), path)
    out = tmp_path / "out"
    with pytest.raises(BatchRefused) as refused:
        run_batch(rule, path, out, BatchOptions(date=DATE, today=DATE, chunk_rows=25))
    diagnostics = _accounts(refused.value)
    assert [d.code for d in diagnostics] == [code], [d.render() for d in diagnostics]
    message = diagnostics[0].message
    assert "account 'acct-1'" in message and "row " in message and words in message, message
    if code not in ("MV623", "MV606"):
        assert message.startswith(f"row {row}, "), message  # the position's own row
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet"]
    result = run_batch(rule, path, out, BatchOptions(date=DATE, today=DATE, chunk_rows=25, skip_bad=True))
    assert (result.accounts, dict(result.bad_codes)) == (40, {code: 1})
    positions, _ = read_rows(out)
    assert "acct-1" not in {r["id"] for r in positions} and len({r["id"] for r in positions}) == 39


def test_rows_of_an_account_must_be_together(rule, table, tmp_path):
    data = table.to_pylist()
    data[20]["id"] = "acct-1"  # inside acct-3's rows
    path = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(data, schema=table.schema), path)
    with pytest.raises(BatchRefused) as refused:
        run_batch(rule, path, tmp_path / "out", OPTIONS)
    # acct-1 again at row 20, then acct-3 again at row 21: both not with their first rows
    assert [d.code for d in _accounts(refused.value)] == ["MV622", "MV622"]
    assert [d.message.split(": ")[0] for d in _accounts(refused.value)] == ["row 20, account 'acct-1'",
                                                                             "row 21, account 'acct-3'"]


def test_a_table_without_an_account_id_is_refused(rule, table, tmp_path):
    path = tmp_path / "in.parquet"
    pq.write_table(table.drop_columns(["id"]), path)
    with pytest.raises(Exception) as refused:
        run_batch(rule, path, tmp_path / "out", OPTIONS)
    assert refused.value.code == "MV621" and "--id-field" in refused.value.diagnostics[0].message
    pq.write_table(table.rename_columns(["account_id", *table.column_names[1:]]), path)
    result = run_batch(rule, path, tmp_path / "out", BatchOptions(date=DATE, today=DATE, id_field="account_id"))
    assert result.accounts == 40


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
@pytest.mark.parametrize("failure", [RuntimeError, KeyboardInterrupt])
def test_a_failure_half_way_leaves_no_output_and_keeps_the_previous_one(fmt, failure, rule, inputs, tmp_path,
                                                                         monkeypatch):
    parquet, _ = inputs
    out = tmp_path / ("out.jsonl" if fmt == "jsonl" else "out")
    options = BatchOptions(date=DATE, today=DATE, chunk_rows=60)
    run_batch(rule, parquet, out, options)
    before = read_rows(out)
    real, calls = batch_job.evaluate_chunk, []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise failure("injected")
        return real(*args, **kwargs)

    monkeypatch.setattr(batch_job, "evaluate_chunk", failing)
    with pytest.raises(failure):
        run_batch(rule, parquet, out, options)
    assert read_rows(out) == before  # the previous result, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["accounts.parquet", "accounts.jsonl", out.name])


def test_nothing_is_written_over_an_input_or_a_file_not_ours(rule, inputs, tmp_path):
    parquet, jsonl = inputs
    for out in (parquet, jsonl, tmp_path):  # the input itself, or a folder holding it
        with pytest.raises(UsageError) as refused:
            run_batch(rule, parquet, out, OPTIONS)
        assert refused.value.diagnostics[0].code == "MV006"
    other = tmp_path / "notes.jsonl"
    other.write_text("my notes\n", encoding="utf-8")
    with pytest.raises(UsageError, match="not a previous batch result"):
        run_batch(rule, parquet, other, OPTIONS)
    assert other.read_text(encoding="utf-8") == "my notes\n"


def test_the_sample_check_passes_and_fails_past_the_tolerance(rule, inputs, tmp_path, monkeypatch):
    parquet, _ = inputs
    result = run_batch(rule, parquet, tmp_path / "out", BatchOptions(date=DATE, today=DATE, check_sample=8))
    assert result.sample.checked == 8 and not result.sample.disagreements and not result.failed
    assert result.sample.worst <= RELATIVE_TOLERANCE
    again = run_batch(rule, parquet, tmp_path / "out", BatchOptions(date=DATE, today=DATE, check_sample=8,
                                                                      chunk_rows=30))
    assert sorted(again.sample.checks) == sorted(result.sample.checks)  # the same accounts, whatever the chunks
    real = batch_job.RuleColumns.price

    def drifting(self, columns):  # a float path off by 1e-7 relative: past the tolerance
        priced = real(self, columns)
        priced.liquidation_price = priced.liquidation_price * (1 + 1e-7)
        return priced

    monkeypatch.setattr(batch_job.RuleColumns, "price", drifting)
    wrong = run_batch(rule, parquet, tmp_path / "out", BatchOptions(date=DATE, today=DATE, check_sample=8))
    assert wrong.failed and {d.what.split()[-1] for d in wrong.sample.disagreements} == {"liquidation_price"}


def test_a_price_path_gives_the_exact_paths_first_liquidation(rule, inputs, tmp_path):
    from verifier.jobs.batch_replay import exact_first
    from verifier.read.positions_file import read_lines
    from verifier.read.whatif import read_price_path

    path = tmp_path / "path.yaml"
    path.write_text("steps:\n  - {label: '09:00', move: '-3%'}\n  - {label: '10:00', move: '+6%'}\n"
                    "  - {label: '11:00', move: {BTC: '-40%'}, prices: {'ETH/USDT:USDT': 100}}\n", encoding="utf-8")
    _, jsonl = inputs
    options = BatchOptions(date=DATE, today=DATE, price_path=path, check_sample=5)
    result = run_batch(rule, jsonl, tmp_path / "out.jsonl", options)
    assert not result.failed and result.replay.steps == 3
    _, pools = read_rows(tmp_path / "out.jsonl")
    shock = read_price_path(path)
    expected = []
    for _, accounts in read_lines(rule, jsonl):
        expected += exact_first(rule, accounts, shock, options, DATE)
    assert [p["first_liquidation_step"] for p in pools] == expected
    assert {p["first_liquidation"] for p in pools} > {None}
    assert result.replay.liquidated == sum(s is not None for s in expected)


def test_reconciled_with_the_exchange_prices_as_evaluate_does():
    rule = load_rule("hyperliquid/perpetual")
    options = BatchOptions(rtol=Fraction(1, 10**6), skip_bad=True)
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        result = run_batch(rule, FIXTURE, Path(folder) / "out", options)
        positions, _ = read_rows(Path(folder) / "out")
    assert [p["verdict"] for p in positions] == ["disagree", "both none", "agree"]  # SOL: 1.8 % apart
    assert result.failed and result.verdicts == {"disagree": 1, "both none": 1, "agree": 1}


def test_an_empty_input_gives_empty_tables(rule, table, tmp_path):
    path = tmp_path / "in.parquet"
    pq.write_table(table.slice(0, 0), path)
    result = run_batch(rule, path, tmp_path / "out", OPTIONS)
    assert result.accounts == 0
    positions = pq.read_table(tmp_path / "out" / "positions")
    assert positions.num_rows == 0 and "liquidation_price" in positions.column_names


def test_a_date_the_rule_does_not_cover_is_one_error_of_the_rule(rule, inputs, tmp_path):
    parquet, _ = inputs
    with pytest.raises(Exception) as refused:
        run_batch(rule, parquet, tmp_path / "out", BatchOptions(date=dt.date(1999, 1, 1)))
    assert refused.value.code == "MV604" and refused.value.diagnostics[0].file == rule.file
    assert not (tmp_path / "out").exists()


def test_a_hedge_pair_is_answered_by_the_exact_path(rule, table, tmp_path):
    data = table.slice(0, 12).to_pylist()  # acct-0 and acct-1
    pair = [dict(data[0], symbol="BTC/USDT:USDT", marginMode="cross", hedged=True, side=side, contracts=0.5,
                 **{"info.positionAmt": amount, "info.positionSide": position_side})
            for side, amount, position_side in (("long", "0.5", "LONG"), ("short", "-0.5", "SHORT"))]
    data[0:2] = pair
    path = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(data, schema=table.schema), path)
    result = run_batch(rule, path, tmp_path / "out", OPTIONS)
    assert (result.accounts, result.exact_accounts, result.bad) == (2, 1, [])
    positions, pools = read_rows(tmp_path / "out")
    assert [r["exact"] for r in positions] == [True] * 6 + [False] * 6
    assert [r["exact"] for r in pools if r["id"] == "acct-0"] == [True] * len([r for r in pools if r["id"] == "acct-0"])
    from verifier.read.position_table import table_chunks

    [chunk] = list(table_chunks(rule, path))
    evaluated = evaluate_accounts(rule, chunk.exact(0), date=DATE, today=DATE)
    prices = sorted((p.index, p.liquidation_price) for e in evaluated.evaluations for p in e.positions)
    assert [(r["position"], r["liquidation_price"]) for r in positions[:6]] == \
        [(i, None if x is None else float(x)) for i, x in prices]
