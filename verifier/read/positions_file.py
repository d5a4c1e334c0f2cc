"""What ``evaluate`` reads: an account file in either format, into an :class:`~verifier.model.account.AccountSet`.

- our snapshot (verifier/schemas/account.schema.json): an object ``{marginMode, positions: [...]}`` or ``{..., balances: [...]}``,
  read strictly by :mod:`verifier.read.account`;
- a ccxt export: the list ``fetch_positions()`` returns, dumped unchanged, or an object ``{positions, balance,
  walletBalance, marginMode}`` (``balance``: what ``fetch_balance()`` returns), read by
  :mod:`verifier.read.ccxt_export` under the rule's ``ccxt:`` mapping.  A ``fetch_balance()`` dump can also come
  from its own file (``--balance``).  For a spot-margin rule the export is the ``fetch_balance()`` dump itself
  (as it is, or ``{balance, quote, prices, marginMode}``), read by :mod:`verifier.read.ccxt_balances`.

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
from verifier.read.ccxt_export import accounts_from_ccxt, number
from verifier.read.inputs import (MAX_FILE_BYTES, NumberError, DocumentError, decode, json_document,
                                  too_large)
from verifier.read.located import FilesLocator, Located


def read_positions(rule, path, balance_path=None, margin_mode=None, need_positions=False) -> AccountSet:
    """The pools the file at ``path`` describes (with a ``fetch_balance()`` dump at ``balance_path``).

    ``need_positions``: a file with no open position (an empty ``fetch_positions()``, or only closed ones) is refused
    (MV653: ``compare`` has nothing to compare), located at the file."""
    from verifier.read._yaml import read_file  # YAML's import, only for a whole file (a JSON line is read by json)

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
        from verifier.read._yaml import read_file

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
    if rule.product.spot:
        return _spot_export(rule, data, files, locator, balance, margin_mode)
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


SPOT_KEYS = ("balance", "quote", "prices", "marginMode", "$schema")
"""What a spot-margin export object holds: the fetch_balance() dump and what it does not say."""


def _spot_export(rule, data, files, locator, balance, margin_mode) -> AccountSet:
    """A spot-margin export: a ``fetch_balance()`` dump as it is, or an object ``{balance, quote, prices,
    marginMode}`` (``--balance`` gives the dump from its own file)."""
    from verifier.read.ccxt_balances import accounts_from_balance

    main = files["positions"].file
    if rule.ccxt is not None and rule.ccxt.margin_positions is not None:
        return _margin_positions_export(rule, data, files, locator, balance, margin_mode)
    if rule.ccxt is None or rule.ccxt.balances is None:
        raise SpecError(f"rule {rule.id} does not say how to read a ccxt balance", [locator.diagnostic(
            "MV615", f"rule {rule.id} has no 'ccxt: balances:' section: it cannot read a fetch_balance() dump",
            _place(()), "write the account in the snapshot format (balances and prices)")], code="MV615")
    extra = {}
    if isinstance(data, dict) and "balance" in data:
        keys = SPOT_KEYS + (("positions", "account") if rule.product.unified else ())  # a unified account's
        unknown = sorted(set(data) - set(keys))
        if unknown:
            raise SpecError("unknown keys", [locator.diagnostic(
                "MV600", f"a spot-margin export object holds {', '.join(SPOT_KEYS[:4])}"
                         + (", positions, account" if rule.product.unified else "") + f"; not {unknown[0]!r}",
                _place((unknown[0],)), "the fetch_balance() dump goes under 'balance'")], code="MV600")
        if balance is not None:
            raise SpecError("two balances", [locator.diagnostic(
                "MV614", "the export holds a balance and --balance gives another", _place(("balance",)),
                "give one of them")], code="MV614")
        extra = {key: data[key] for key in ("quote", "prices", "marginMode", "positions", "account") if key in data}
        problem = _spot_extra_problem(extra, locator)
        if problem is not None:
            raise SpecError(problem.message, [problem], code=problem.code)
        balance = data["balance"]
        files["balance"] = Located(files["positions"].document, prefix=("balance",))
    elif isinstance(data, dict) and balance is None and (isinstance(data.get("info"), (dict, list))
                                                         or rule.product.unified and "positions" not in data):
        balance = data  # the dump as it is (a unified rule's reader says what a dump without info lacks)
        files["balance"] = Located(files["positions"].document)
    if not isinstance(balance, dict):
        raise SpecError("not a fetch_balance() dump", [locator.diagnostic(
            "MV610", f"rule {rule.id} is for spot margin: it reads a fetch_balance() dump (with its raw 'info'), "
                     "not positions", _place(()), "dump fetch_balance({'type': 'margin', 'marginMode': ...}), or "
                                                  "an object {\"balance\": ..., \"quote\": ..., \"prices\": ...}")],
                        code="MV610")
    if margin_mode is not None:
        extra.setdefault("marginMode", margin_mode)
    return accounts_from_balance(rule, balance, FilesLocator(files), extra=extra, file=main)


def _margin_positions_export(rule, data, files, locator, balance, margin_mode) -> AccountSet:
    """A spot-margin export of margin rows of ``fetch_positions()`` (OKX's MARGIN positions): the list as it is, or
    an object ``{positions, takerFeeRate}``; each row says its own margin mode."""
    from verifier.read.ccxt_margin_positions import MARGIN_KEYS, accounts_from_margin_positions

    main = files["positions"].file
    if balance is not None:
        raise SpecError("--balance is not read", [locator.diagnostic(
            "MV614", f"rule {rule.id} reads its margin positions from fetch_positions() alone: a fetch_balance() "
                     "dump is not read", _place(()), "give the positions without --balance")], code="MV614")
    if margin_mode is not None:
        raise SpecError("--margin-mode is not read", [locator.diagnostic(
            "MV614", "each margin position states its own margin mode: --margin-mode is not read", _place(()),
            "give the positions without --margin-mode")], code="MV614")
    extra, base = {}, ()
    if isinstance(data, dict):
        unknown = sorted(set(data) - set(MARGIN_KEYS))
        if unknown:
            raise SpecError("unknown keys", [locator.diagnostic(
                "MV600", f"an export object of margin positions holds {', '.join(MARGIN_KEYS[:2])}; not "
                         f"{unknown[0]!r}", _place((unknown[0],)), "the fetch_positions() list goes under "
                                                                  "'positions'")], code="MV600")
        extra = {key: data[key] for key in ("takerFeeRate",) if key in data}
        data, base = data.get("positions"), ("positions",)
    if not isinstance(data, list):
        raise SpecError("no positions", [locator.diagnostic(
            "MV610", f"rule {rule.id} reads the list fetch_positions() returns (its margin positions), or an object "
                     "{\"positions\": [...], \"takerFeeRate\": ...}", _place(base))], code="MV610")
    return accounts_from_margin_positions(rule, data, locator, base=base, extra=extra, file=main)


def _spot_extra_problem(extra, locator):
    """A located problem with the export object's ``quote``, ``prices`` or ``marginMode``, or None."""
    if "quote" in extra and (not isinstance(extra["quote"], str) or not extra["quote"]):
        return locator.diagnostic("MV601", f"quote is {extra['quote']!r}: an asset's code", _place(("quote",)))
    if "prices" in extra and not isinstance(extra["prices"], dict):
        return locator.diagnostic("MV600", "prices is asset -> price in the quote asset", _place(("prices",)))
    if "account" in extra and not isinstance(extra["account"], dict):
        return locator.diagnostic("MV610", "account is the exchange's account answer as ccxt returns it (an object, "
                                           "e.g. papi_get_account())", _place(("account",)))
    if extra.get("marginMode") not in (None, "cross", "isolated"):
        return locator.diagnostic("MV601", f"unknown marginMode {extra['marginMode']!r}", _place(("marginMode",)),
                                  "ccxt's margin modes are 'cross' and 'isolated'")
    return None


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
    so a file of many accounts is read and evaluated one line at a time (:func:`line_documents`, then
    :func:`account_of_line`)."""
    for number, document in line_documents(path):
        yield number, account_of_line(rule, document, margin_mode)


def line_documents(path):
    """Each non-blank line of a JSON-lines file: ``(line number, its Document or the DocumentError refusing it)``,
    lazily.  Each line is read under the reading layer's limits (:mod:`verifier.read.inputs`); a line larger than a
    file may be is refused without being held; a file that cannot be opened raises :class:`DocumentError`."""
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
                text = raw.rstrip(b"\r\n")  # a line ending is not the account's: an error at the end is on its line
                try:
                    yield number, json_document(decode(text, file, line=number), file, line=number)
                except DocumentError as exc:
                    yield number, exc


def account_of_line(rule, document, margin_mode=None):
    """The AccountSet of one line's Document, or the VerifierError that refuses it (returned, not raised: one bad
    line is that account's error)."""
    if isinstance(document, DocumentError):
        return document
    if not isinstance(document.data, (list, dict)):
        return SpecError("not JSON", [document.diagnostic("MV610", "each line holds one account: a fetch_positions() "
                                                                   "list or an export object, as JSON")], code="MV610")
    data = document.data
    if type(data) is list and len(data) == 1 and type(data[0]) is dict and not rule.product.spot:
        from verifier.read.ccxt_lines import one_position_line  # a line of one position: read by its shape

        found = one_position_line(rule, data, document, margin_mode, lambda: export_from_data(
            rule, data, {"positions": Located(document)}, margin_mode=margin_mode))
        if found is not None:
            return found
    try:
        return export_from_data(rule, data, {"positions": Located(document)}, margin_mode=margin_mode)
    except SpecError as exc:
        return exc


def _is_ccxt(data) -> bool:
    if isinstance(data, list):  # a list of no objects at all is neither: the snapshot reader says what it wants
        return not data or any(isinstance(item, dict) for item in data)
    if not isinstance(data, dict):
        return False
    if "balance" in data:
        return True
    if "info" in data and ("total" in data or "free" in data):  # a fetch_balance() dump as it is
        return True
    positions = data.get("positions")
    return isinstance(positions, list) and any(isinstance(p, dict) and "info" in p for p in positions)
