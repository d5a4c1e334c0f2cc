"""``batch --engine dask`` on a LocalCluster of two worker processes: the input partitioned by account across both
workers, partitioned Parquet out, every row identical to the local engine's, the same sampled accounts.

Worker processes (not threads) are what a real cluster has: each loads the rule itself and writes its own part
files, so this is the partitioning a cluster does.  The data are small: the cluster's start is most of the cost.
"""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from batch_accounts import DATE, RULE, accounts_table, leverage_caps, notional_caps, priced_markets
from verifier.jobs.batch import BatchOptions, BatchRefused, run_batch
from verifier.read import load_rule

distributed = pytest.importorskip("distributed")


def _accounts(refused) -> list:
    *accounts, last = refused.diagnostics
    assert last.code == "MV620"
    return accounts


@pytest.fixture(scope="module")
def cluster():
    import logging

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=logging.ERROR) as local:
        with distributed.Client(local) as client:
            client.wait_for_workers(2)
            yield local


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """Two Parquet files (a partitioned dataset), 36 accounts of 5 positions."""
    rule = load_rule(RULE)
    markets = priced_markets(rule)
    table = accounts_table(markets, 36, 5, seed=21, caps=notional_caps(rule, markets),
                           leverages=leverage_caps(rule, markets))
    folder = tmp_path_factory.mktemp("dataset") / "accounts"
    folder.mkdir()
    pq.write_table(table.slice(0, 100), folder / "part-0.parquet")
    pq.write_table(table.slice(100), folder / "part-1.parquet")
    return rule, folder


def test_two_worker_processes_give_the_local_engines_rows(cluster, dataset, tmp_path):
    rule, folder = dataset
    options = BatchOptions(date=DATE, today=DATE, check_sample=6, chunk_rows=20)
    local = run_batch(rule, folder, tmp_path / "local", options)
    spread = run_batch(rule, folder, tmp_path / "dask", options, engine="dask", scheduler=cluster.scheduler_address,
                       partition_rows=30)
    assert spread.partitions == 7 and spread.workers == 2  # 100 + 80 rows by whole accounts of 5, both workers
    parts = sorted(p.name for p in (tmp_path / "dask" / "positions").iterdir())
    assert parts == [f"part-{i:05d}.parquet" for i in range(7)]
    for table in ("positions", "pools"):
        assert pq.read_table(tmp_path / "dask" / table).equals(pq.read_table(tmp_path / "local" / table))
    assert (spread.accounts, spread.positions, spread.pools, spread.statuses) == \
        (local.accounts, local.positions, local.pools, local.statuses)
    assert sorted(spread.sample.checks) == sorted(local.sample.checks) and not spread.failed
    assert {name.split(":")[0] for name in spread.worker_names} == {"tcp"}  # worker processes, reached over tcp
    assert len({w for w in spread.worker_names}) == 2 and os.getpid()  # not this process


def test_a_bad_row_on_a_worker_stops_the_run_and_writes_nothing(cluster, dataset, tmp_path):
    rule, folder = dataset
    data = pq.read_table(folder / "part-1.parquet").to_pylist()
    data[7]["side"] = "up"
    broken = tmp_path / "broken"
    broken.mkdir()
    pq.write_table(pq.read_table(folder / "part-0.parquet"), broken / "part-0.parquet")
    pq.write_table(pa.Table.from_pylist(data, schema=pq.read_schema(folder / "part-1.parquet")),
                   broken / "part-1.parquet")
    with pytest.raises(BatchRefused) as refused:
        run_batch(rule, broken, tmp_path / "out", BatchOptions(date=DATE, today=DATE), engine="dask",
                  scheduler=cluster.scheduler_address, partition_rows=30)
    [diagnostic] = _accounts(refused.value)
    assert diagnostic.file.endswith("part-1.parquet") and diagnostic.message.startswith("row 7, account 'acct-21'")
    assert not (tmp_path / "out").exists() and sorted(p.name for p in tmp_path.iterdir()) == ["broken"]
    result = run_batch(rule, broken, tmp_path / "out", BatchOptions(date=DATE, today=DATE, skip_bad=True),
                       engine="dask", scheduler=cluster.scheduler_address, partition_rows=30)
    assert dict(result.bad_codes) == {"MV601": 1} and result.accounts == 36
