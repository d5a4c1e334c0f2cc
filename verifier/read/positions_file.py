"""What ``evaluate`` reads: an account file in either format, into an :class:`~verifier.model.account.AccountSet`.

- our snapshot (verifier/schemas/account.schema.json): an object ``{marginMode, positions: [...]}`` or ``{..., balances: [...]}``,
  read strictly by :mod:`verifier.read.account`;
- a ccxt export: the list ``fetch_positions()`` returns, dumped unchanged, or an object ``{positions, balance,
  walletBalance, marginMode}`` (``balance``: what ``fetch_balance()`` returns), read by
  :mod:`verifier.read.ccxt_export` under the rule's ``ccxt:`` mapping.  A ``fetch_balance()`` dump can also come
  from its own file (``--balance``).

An object is a ccxt export when it has ``balance`` or a position carries ccxt's raw ``info``; anything else with
``marginMode`` is a snapshot.  JSON exports are read with Python's ``json`` (thousands of positions); lines and
columns are found only when a problem is reported (:mod:`verifier.read.located`).
"""

from __future__ import annotations

import json
from pathlib import Path

from verifier.errors import Diagnostic, SpecError
from verifier.model.account import AccountSet
from verifier.read.account import read_account
from verifier.read.ccxt_export import accounts_from_ccxt, number
from verifier.read.located import FilesLocator, Located


def read_positions(rule, path, balance_path=None, margin_mode=None) -> AccountSet:
    """The pools the file at ``path`` describes (with a ``fetch_balance()`` dump at ``balance_path``)."""
    text = _text(path)
    data = _json(text, str(path))
    if data is _NOT_JSON or not _is_ccxt(data):
        if balance_path is not None:
            raise SpecError("--balance goes with a ccxt export", [Diagnostic(
                "MV614", "--balance reads a fetch_balance() dump for a ccxt export; this file is a snapshot",
                file=str(path), hint="give the wallet as walletBalance in the snapshot")], code="MV614")
        account = read_account(path)
        return AccountSet("snapshot", (account,), file=str(path))
    files = {"positions": Located(str(path), text)}
    balance = None
    if balance_path is not None:
        balance_text = _text(balance_path)
        balance = _json(balance_text, str(balance_path))
        if balance is _NOT_JSON or not isinstance(balance, dict):
            raise SpecError("not a fetch_balance() dump", [Diagnostic(
                "MV610", "expected a JSON object (what fetch_balance() returns)", file=str(balance_path))],
                code="MV610")
        files["balance"] = Located(str(balance_path), balance_text)
    return export_from_data(rule, data, files, balance=balance, margin_mode=margin_mode)


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
        files["balance"] = Located(main, files["positions"].text, line=files["positions"].line, prefix=("balance",))
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
    try:
        if isinstance(raw, dict):
            return {currency: number(value) for currency, value in raw.items()}
        return number(raw)
    except ValueError as exc:
        raise SpecError("walletBalance is not a number", [locator.diagnostic(
            "MV602", str(exc), _place(("walletBalance",)), "write it as a decimal string")], code="MV602") from None


from verifier.read.paths import LINES_SUFFIXES, is_lines_file  # noqa: E402,F401 - kept here too (a light module's)


def read_lines(rule, path, margin_mode=None):
    """Each account of a JSON-lines file: ``(line number, AccountSet or the VerifierError of that line)``, lazily,
    so a file of many accounts is read and evaluated one line at a time.  Blank lines are skipped."""
    file = str(path)
    try:
        handle = open(path, encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc}", [Diagnostic("MV600", f"cannot read the file: {exc}",
                                                                  file=file)], code="MV600") from None
    with handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            yield number, _line(rule, file, number, text, margin_mode)


def _line(rule, file, number, text, margin_mode):
    data = _json(text, file)
    if data is _NOT_JSON or not isinstance(data, (list, dict)):
        return SpecError("not JSON", [Diagnostic("MV610", "each line holds one account: a fetch_positions() list "
                                                          "or an export object, as JSON", file=file, line=number,
                                                 col=1)], code="MV610")
    try:
        return export_from_data(rule, data, {"positions": Located(file, None, line=number)},
                                margin_mode=margin_mode)
    except SpecError as exc:
        return exc


_NOT_JSON = object()


def _text(path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read {path}: {exc}", [Diagnostic("MV600", f"cannot read the file: {exc}",
                                                                  file=str(path))], code="MV600") from None


def _json(text: str, file: str):
    """The JSON value of ``text`` (floats as their shortest decimal later, by :func:`number`); YAML: not JSON."""
    try:
        return json.loads(text, parse_constant=_reject)
    except ValueError:
        return _NOT_JSON


def _reject(name):
    raise ValueError(f"{name} is not a number")


def _is_ccxt(data) -> bool:
    if isinstance(data, list):  # a list of no objects at all is neither: the snapshot reader says what it wants
        return not data or any(isinstance(item, dict) for item in data)
    if not isinstance(data, dict):
        return False
    if "balance" in data:
        return True
    positions = data.get("positions")
    return isinstance(positions, list) and any(isinstance(p, dict) and "info" in p for p in positions)
