"""What ``evaluate`` reads: an account file in either format, into an :class:`~verifier.model.account.AccountSet`.

- our snapshot (verifier/schemas/account.schema.json): an object ``{marginMode, positions: [...]}`` or ``{..., balances: [...]}``,
  read strictly by :mod:`verifier.read.account`;
- a ccxt export: the list ``fetch_positions()`` returns, dumped unchanged, or an object ``{positions, balance,
  walletBalance, marginMode}`` (``balance``: what ``fetch_balance()`` returns), read by
  :mod:`verifier.read.ccxt_export` under the rule's ``ccxt:`` mapping.  A ``fetch_balance()`` dump can also come
  from its own file (``--balance``).

Every file is read by the reading layer (:mod:`verifier.read.inputs`): JSON or YAML decided by the file's suffix or
first character, every limit the same; a broken JSON file is refused as broken JSON, never read as a snapshot.
An object is a ccxt export when it has ``balance`` or a position carries ccxt's raw ``info``; anything else with
``marginMode`` is a snapshot.  JSON is read with Python's ``json`` (thousands of positions); lines and columns are
found only when a problem is reported (:mod:`verifier.read.located`).
"""

from __future__ import annotations

from decimal import Decimal

from pathlib import Path

from verifier.errors import Diagnostic, SpecError
from verifier.model.account import AccountSet
from verifier.read.account import account_from_document
from verifier.read._yaml import read_file
from verifier.read.ccxt_export import accounts_from_ccxt, number
from verifier.read.inputs import (MAX_FILE_BYTES, NumberError, DocumentError, decode, json_document,
                                  too_large)
from verifier.read.located import FilesLocator, Located


def read_positions(rule, path, balance_path=None, margin_mode=None, need_positions=False) -> AccountSet:
    """The pools the file at ``path`` describes (with a ``fetch_balance()`` dump at ``balance_path``).

    ``need_positions``: a file with no open position (an empty ``fetch_positions()``, or only closed ones) is refused
    (MV653: ``compare`` has nothing to compare), located at the file."""
    document = read_file(path, number=Decimal)
    found = _read_positions(rule, document, balance_path, margin_mode)
    if need_positions and not any(account.positions for account in found.accounts):
        raise SpecError("no open position", [document.diagnostic(
            "MV653", "the file holds no open position to compare" + (
                f" ({len(found.skipped)} closed, with 0 contracts)" if found.skipped else ""),
            ("positions",) if isinstance(document.data, dict) and "positions" in document.data else (),
            hint="give the positions you hold (ccxt lists closed positions with 0 contracts)")], code="MV653")
    return found


def _read_positions(rule, document, balance_path, margin_mode) -> AccountSet:
    if not _is_ccxt(document.data):
        if balance_path is not None:
            raise SpecError("--balance goes with a ccxt export", [document.diagnostic(
                "MV614", "--balance reads a fetch_balance() dump for a ccxt export; this file is a snapshot",
                hint="give the wallet as walletBalance in the snapshot")], code="MV614")
        return AccountSet("snapshot", (account_from_document(document),), file=document.file)
    files = {"positions": Located(document)}
    balance = None
    if balance_path is not None:
        balance_document = read_file(balance_path, number=Decimal)
        balance = balance_document.data
        if not isinstance(balance, dict):
            raise SpecError("not a fetch_balance() dump", [balance_document.diagnostic(
                "MV610", "expected a JSON object (what fetch_balance() returns)")], code="MV610")
        files["balance"] = Located(balance_document)
    return export_from_data(rule, document.data, files, balance=balance, margin_mode=margin_mode)


def export_from_data(rule, data, files: dict, balance=None, margin_mode=None) -> AccountSet:
    """A ccxt export already parsed (a list, or an export object), ``files`` the :class:`Located` of each part."""
    locator = FilesLocator(files)
    main = files["positions"].file
    if isinstance(data, list):
        return accounts_from_ccxt(rule, data, locator, balance=balance, margin_mode=margin_mode, file=main,
                                  balance_file=files["balance"].file if "balance" in files else None)
    if "balance" in data:
        if balance is not None:
            raise SpecError("two balances", [locator.diagnostic(
                "MV614", "the export holds a balance and --balance gives another", _place(("balance",)),
                "give one of them")], code="MV614")
        balance = data["balance"]
        if not isinstance(balance, dict):
            raise SpecError("not a fetch_balance() dump", [locator.diagnostic(
                "MV610", "expected an object (what fetch_balance() returns)", _place(("balance",)))], code="MV610")
        files["balance"] = Located(files["positions"].document, prefix=("balance",))
    if not isinstance(data.get("positions"), list):
        raise SpecError("no positions", [locator.diagnostic(
            "MV610", "an export object holds the list fetch_positions() returns under 'positions'", _place(()),
            "{\"positions\": [...], \"balance\": {...}}")], code="MV610")
    wallet = _wallet(data.get("walletBalance"), locator)
    return accounts_from_ccxt(rule, data.get("positions"), locator, base=("positions",), balance=balance,
                              wallet=wallet, margin_mode=data.get("marginMode") or margin_mode, file=main,
                              balance_file=files["balance"].file if "balance" in files else None)


def _place(key):
    from verifier.model.account import Place

    return Place(("positions", *key))


def _wallet(raw, locator):
    if raw is None:
        return None
    key = ("walletBalance",)
    try:
        if isinstance(raw, dict):
            out = {}
            for currency, value in raw.items():
                key = ("walletBalance", currency)
                out[currency] = number(value)
            return out
        return number(raw)
    except NumberError as exc:
        raise SpecError("walletBalance is not a number", [locator.diagnostic(
            exc.limit or "MV602", f"walletBalance {exc.reason}", _place(key), "write it as a decimal string")],
            code=exc.limit or "MV602") from None


from verifier.read.paths import LINES_SUFFIXES, is_lines_file  # noqa: E402,F401 - kept here too (a light module's)


def read_lines(rule, path, margin_mode=None):
    """Each account of a JSON-lines file: ``(line number, AccountSet or the VerifierError of that line)``, lazily,
    so a file of many accounts is read and evaluated one line at a time.  Blank lines are skipped; each line is read
    under the reading layer's limits (:mod:`verifier.read.inputs`), a line larger than a file may be included."""
    file = str(path)
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise DocumentError([Diagnostic("MV100", f"cannot read file: {exc.strerror or exc}", file=file)]) from None
    with handle:
        number = 0
        while True:
            raw = handle.readline(MAX_FILE_BYTES + 1)
            if not raw:
                return
            number += 1
            if len(raw) > MAX_FILE_BYTES and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):  # skip the rest of the line without holding it
                    raw = handle.readline(MAX_FILE_BYTES)
                yield number, DocumentError([too_large(file, number, "line")])
                continue
            if raw.strip():
                yield number, _line(rule, file, number, raw, margin_mode)


def _line(rule, file, number, raw: bytes, margin_mode):
    try:
        document = json_document(decode(raw, file, line=number), file, line=number)
    except DocumentError as exc:
        return exc
    if not isinstance(document.data, (list, dict)):
        return SpecError("not JSON", [document.diagnostic("MV610", "each line holds one account: a fetch_positions() "
                                                                   "list or an export object, as JSON")], code="MV610")
    try:
        return export_from_data(rule, document.data, {"positions": Located(document)}, margin_mode=margin_mode)
    except SpecError as exc:
        return exc


def _is_ccxt(data) -> bool:
    if isinstance(data, list):  # a list of no objects at all is neither: the snapshot reader says what it wants
        return not data or any(isinstance(item, dict) for item in data)
    if not isinstance(data, dict):
        return False
    if "balance" in data:
        return True
    positions = data.get("positions")
    return isinstance(positions, list) and any(isinstance(p, dict) and "info" in p for p in positions)
