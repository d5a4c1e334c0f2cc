"""What ``batch`` reads, a chunk at a time: many accounts' positions in columns, each account also readable exactly.

A :class:`Chunk` holds whole accounts only (an account is never split between chunks) and about ``chunk_rows``
positions, so memory is bounded by the chunk size whatever the input's size.  Two inputs give chunks:

- JSON lines (:mod:`verifier.read.position_lines`): one ccxt export a line, as ``evaluate`` reads it;
- Parquet (:mod:`verifier.read.position_table`): one row per position, columns named as ccxt's unified fields.

Each account of a chunk has its ordinal in the whole input, its id (the ``id`` field, or ``--id-field``), where it
is (a line number, or its first row) and either its positions in :attr:`Chunk.columns` or the error that refused
it.  :meth:`Chunk.exact` reads an account again as the exact path wants it (an
:class:`~verifier.model.account.AccountSet`), which also locates any problem (line, or row and account id).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from pathlib import Path

from verifier.errors import Diagnostic, UsageError

PARQUET_SUFFIXES = (".parquet", ".pq")
LINES_SUFFIXES = (".jsonl", ".ndjson")


@dataclass
class Chunk:
    """Whole accounts of the input: ``columns`` has the positions of those read (account index = place in this
    chunk), ``errors`` the reading error of those refused."""

    columns: object  # PositionColumns
    ordinals: list  # per account: its place in the whole input (0-based)
    ids: list  # per account: its id (None: the input gives none)
    where: list  # per account: its line number (JSON lines) or its first row (Parquet, 0-based)
    file: list  # per account: the file it is in
    errors: dict = field(default_factory=dict)  # account index -> VerifierError
    flat: int = 0  # positions skipped: flat (0 contracts), as evaluate skips them
    reader: object = None  # account index -> AccountSet (raises the account's VerifierError)
    kind: str = "lines"  # 'lines' or 'rows': what ``where`` counts
    flagged: object = None  # bool per account: the reader wants the exact path to read it (None: none)
    id_type: object = None  # the Arrow type of the ids (None: text)

    @property
    def accounts(self) -> int:
        return len(self.ordinals)

    def exact(self, account: int):
        """The account read exactly (:class:`~verifier.model.account.AccountSet`); its error raised."""
        if account in self.errors:
            raise self.errors[account]
        return self.reader(account)

    def locate(self, account: int) -> str:
        """Where an account is, in words: ``line 12`` or ``row 340``."""
        return f"{'line' if self.kind == 'lines' else 'row'} {self.where[account]}"


def input_kind(path) -> str:
    """'parquet' (a file, or a folder of Parquet files) or 'lines' (JSON lines); a usage error otherwise."""
    path = Path(path)
    if path.is_dir() or path.suffix.lower() in PARQUET_SUFFIXES:
        return "parquet"
    if path.suffix.lower() in LINES_SUFFIXES:
        return "lines"
    raise UsageError("unknown input format", [Diagnostic(
        "MV002", f"{path.name}: batch reads JSON lines (.jsonl, .ndjson) or Parquet (.parquet, or a folder of them)",
        file=str(path), hint="one ccxt export a line, or one row per position with an account id")])


def with_account(error, account_id, where: str | None = None):
    """``error`` with the account's id (and where it is, for a Parquet row) in front of each message."""
    if account_id is None and where is None:
        return error
    prefix = ", ".join(p for p in (where, None if account_id is None else f"account {account_id!r}") if p)
    out = copy.copy(error)
    out.args = (f"{prefix}: {error}",)
    out.diagnostics = [replace(d, message=f"{prefix}: {d.message}") for d in error.diagnostics] or [
        Diagnostic(error.code, f"{prefix}: {error}", hint=error.hint)]
    return out
