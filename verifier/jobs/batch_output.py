"""Where a batch run's tables go, atomically: nothing at the output path until the whole run has succeeded.

- Parquet (any output name but ``.jsonl``/``.ndjson``): a folder holding ``positions/`` and ``pools/``, each a
  partitioned Parquet dataset (``part-00000.parquet`` ...; the local engine writes one part, a row group a chunk);
- JSON lines: one file, a line per position then per pool of each chunk (``"record": "position"`` / ``"pool"``).

Everything is written under a temporary name beside the output and renamed into place by :meth:`Output.commit`;
a failure or an interrupt removes the temporary copy (:meth:`Output.abort`), so a half-written table never
appears.  An existing output is replaced only when it is a previous batch result (a Parquet folder with our
``_batch`` marker, or a JSON-lines file we wrote): anything else is refused (MV006).

>>> import tempfile, pathlib, pyarrow as pa
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> table = pa.table({"id": ["a"]})
>>> with open_output(folder / "out.jsonl", "lines") as sink:
...     sink.write(table, table)
...     sink.commit()
>>> (folder / "out.jsonl").read_text().splitlines()[0]
'{"record": "position", "id": "a"}'
>>> with open_output(folder / "broken.jsonl", "lines") as sink:
...     sink.write(table, table)
...     raise RuntimeError("interrupted")
Traceback (most recent call last):
RuntimeError: interrupted
>>> sorted(p.name for p in folder.iterdir())
['out.jsonl']
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from verifier.errors import Diagnostic, UsageError
from verifier.report.batch import lines_text

MARKER = "_batch"
"""The file that marks a Parquet folder as a batch result (which a later run may replace)."""

LINES_SUFFIXES = (".jsonl", ".ndjson")


def output_format(path) -> str:
    """'lines' for a .jsonl/.ndjson output, else 'parquet' (a folder)."""
    return "lines" if Path(path).suffix.lower() in LINES_SUFFIXES else "parquet"


def open_output(path, fmt: str, *, parts: bool = False) -> "Output":
    """An output being written (a context manager that aborts unless committed)."""
    _check_replaceable(Path(path), fmt)
    return (LinesOutput if fmt == "lines" else ParquetOutput)(Path(path), parts)


class Output:
    """A temporary copy of the output, renamed into place by :meth:`commit`."""

    def __init__(self, path: Path, parts: bool):
        self.path = path
        self.committed = False

    def __enter__(self):
        return self

    def __exit__(self, kind, value, trace):
        if not self.committed:
            self.abort()
        return False

    def write(self, positions, pools) -> None:
        raise NotImplementedError

    def commit(self) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        raise NotImplementedError


class LinesOutput(Output):
    def __init__(self, path: Path, parts: bool):
        super().__init__(path, parts)
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        self.temporary = Path(name)
        self.handle = os.fdopen(handle, "w", encoding="utf-8")

    def write(self, positions, pools) -> None:
        self.handle.write(lines_text(positions, "position"))
        self.handle.write(lines_text(pools, "pool"))

    def commit(self) -> None:
        self.handle.close()
        os.replace(self.temporary, self.path)
        self.committed = True

    def abort(self) -> None:
        self.handle.close()
        self.temporary.unlink(missing_ok=True)


class ParquetOutput(Output):
    """A folder: ``positions/`` and ``pools/`` datasets.  ``parts``: parts are written by others (Dask workers)
    into :attr:`temporary`; this object only creates, commits or removes the folder."""

    def __init__(self, path: Path, parts: bool):
        super().__init__(path, parts)
        self.temporary = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
        for table in ("positions", "pools"):
            (self.temporary / table).mkdir()
        self.writers = None if parts else {}

    def write(self, positions, pools) -> None:
        import pyarrow.parquet as pq

        for name, table in (("positions", positions), ("pools", pools)):
            writer = self.writers.get(name)
            if writer is None:
                writer = self.writers[name] = pq.ParquetWriter(self.temporary / name / "part-00000.parquet",
                                                               table.schema)
            writer.write_table(table)

    def commit(self) -> None:
        for writer in (self.writers or {}).values():
            writer.close()
        (self.temporary / MARKER).write_text("margin-verifier batch output: positions/ and pools/ are Parquet "
                                             "datasets\n", encoding="utf-8")
        old = None
        if self.path.exists():  # a previous result (checked when opened): set it aside, then remove it
            old = self.path.with_name(f".{self.path.name}.old-{os.getpid()}")
            os.replace(self.path, old)
        os.replace(self.temporary, self.path)
        self.committed = True
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def abort(self) -> None:
        for writer in (self.writers or {}).values():
            try:
                writer.close()
            except Exception:  # noqa: BLE001 - the copy is removed either way
                pass
        shutil.rmtree(self.temporary, ignore_errors=True)


def _check_replaceable(path: Path, fmt: str) -> None:
    if not path.parent.is_dir():
        raise _refused(path, f"the folder {path.parent} does not exist", "create it first")
    if not path.exists():
        return
    if fmt == "parquet" and path.is_dir() and (path / MARKER).is_file():
        return
    if fmt == "lines" and path.is_file() and _is_batch_lines(path):
        return
    raise _refused(path, f"{path} exists and is not a previous batch result: it is not replaced",
                   "give a new --out, or remove it")


def _is_batch_lines(path: Path) -> bool:
    with open(path, encoding="utf-8", errors="replace") as handle:
        first = handle.readline()
    return first == "" or first.startswith('{"record": ')


def _refused(path, message, hint) -> UsageError:
    return UsageError(message, [Diagnostic("MV006", message, file="<command line>", hint=hint)], code="MV006")


def empty_tables(rule, input_path, options) -> tuple:
    """The two tables with no rows but their columns (an input with no account still gives them)."""
    import pyarrow as pa

    from verifier.read.batch_input import input_kind
    from verifier.report.batch import POOL_SCHEMA, POSITION_SCHEMA, RECONCILED_SCHEMA, REPLAY_SCHEMA, pools_table, \
        positions_table

    id_type, where, reconciled = pa.string(), "line", True
    if input_kind(input_path) == "parquet":
        from verifier.read.position_table import flat_names, open_file, table_files

        schema = open_file(table_files(input_path)[0]).schema_arrow
        names = flat_names(schema)
        if options.id_field in schema.names:
            id_type = schema.field(options.id_field).type
        reported = rule.ccxt.reported.path.text if rule.ccxt and rule.ccxt.reported else "liquidationPrice"
        where, reconciled = "row", reported in names
    replayed = options.price_path is not None
    empty = {name: [] for name, _, _ in POSITION_SCHEMA + RECONCILED_SCHEMA + POOL_SCHEMA + REPLAY_SCHEMA}
    empty["id"] = []
    return (positions_table(empty, id_type, reconciled=reconciled, where=where),
            pools_table(empty, id_type, replayed=replayed, where=where))
