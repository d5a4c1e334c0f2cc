"""The reading layer: every input, from bytes to data, under the same limits, each refusal coded and located.

Every file margin-verifier reads goes through here (rules, catalogs, snapshots, ccxt exports and balance dumps,
JSON lines, price paths, scenarios, import dumps), and so does every numeric command-line value.  The limits are
mechanisms, the same for every format (docs/error-codes.md):

======  ==========================================================================================
MV100   the file cannot be read, is empty, or is not valid JSON / YAML (line and column of the error)
MV101   a key twice in one object (JSON as YAML: neither keeps "the last" silently)
MV103   nested deeper than :data:`MAX_DEPTH` levels
MV104   larger than :data:`MAX_FILE_BYTES` (a JSON-lines file: a line larger than that)
MV105   a non-finite number (``NaN``, ``Infinity``, ``.inf``) or one beyond 10 to the power ±\\ :data:`MAX_EXPONENT`
MV107   a number with more than :data:`MAX_DIGITS` significant digits
MV108   a byte-order mark at the start of the file
MV109   bytes that are not UTF-8 (line and column of the first)
======  ==========================================================================================

A number's limits hold wherever it is written: a bare JSON or YAML number, a string in a numeric field, a
command-line value.  What a file is, JSON or YAML, is decided once, by :func:`format_of` (its suffix, else its first
character); a file that is broken is refused as broken JSON (or YAML), never read as the other format.

JSON is read by Python's :mod:`json` (a ccxt export of thousands of positions), the limits checked by its hooks;
lines and columns are found only when a problem is reported (:func:`json_layout`, which walks the text without
recursion, so a file nested 10,000 deep is located like any other).

>>> parse_json('{"a": 0.1, "b": [1, "x"]}', "t.json")
{'a': Decimal('0.1'), 'b': [1, 'x']}
>>> parse_json('{"a": 1, "a": 2}', "t.json")
Traceback (most recent call last):
...
verifier.read.inputs.DocumentError: duplicate key 'a' (first on line 1)
>>> exact("67445.9"), exact(Decimal("0.009"))
(Fraction(674459, 10), Fraction(9, 1000))
>>> exact("9" * 101)
Traceback (most recent call last):
...
verifier.read.inputs.NumberError: has 101 significant digits; a number has at most 100
"""

from __future__ import annotations

import bisect
import json
import math
import os
import re
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

from verifier.errors import Diagnostic, SpecError, UsageError
from verifier.read._jsonpath import json_path

MAX_FILE_BYTES = 4 * 1024 * 1024
"""Files larger than this are refused before they are parsed (a rule is a few KiB, a catalog shard or an export of
a thousand positions about 1 MiB)."""

MAX_DEPTH = 64
"""Values nested in more containers than this are refused (ccxt's deepest structure is about 5)."""

MAX_DIGITS = 100
"""Significant digits a number may have (money and prices have fewer than 40): 10,000 digits would run Python into
its integer-string limit and every computation into the ground (:func:`numeral_problem` says exactly what counts)."""

MAX_EXPONENT = 100
"""The largest power of ten a number may be within (``1e100``, ``1e-100``): ``1e400`` would be a 401-digit exact
value."""

MAX_REPORTED = 100
"""Problems reported from one file at most (a file of 100,000 NaNs is one mistake, said a hundred times)."""

JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
YAML_SUFFIXES = (".yaml", ".yml")

_BOM = b"\xef\xbb\xbf"
_TOO_MANY_DIGITS = 10 ** MAX_DIGITS
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
"""A decimal without sign +, exponent or blanks: at most MAX_DIGITS characters of it are within every limit of
:func:`numeral_problem` (at most MAX_DIGITS digits, a power of ten within ± MAX_DIGITS - 1), read at once."""
_NUMERAL = re.compile(r"\s*[-+]?(?P<int>[0-9]*)(?:\.(?P<frac>[0-9]*))?(?:[eE](?P<exp>[-+]?[0-9]+))?\s*")


# --------------------------------------------------------------------------------------------- documents


class Document:
    """Data read from one file, with the position (line, col) of every value and key.

    Positions are found when first needed: ``layout`` (text -> (positions, key_positions)) is called then; a document
    built in memory has none (its diagnostics carry the JSON path only).
    """

    def __init__(self, file: str, data, positions: dict | None = None, key_positions: dict | None = None,
                 text: str = "", layout=None):
        self.file, self.data, self.text = file, data, text
        self._positions, self._key_positions, self._layout = positions, key_positions, layout

    def __repr__(self) -> str:
        return f"Document({self.file!r}, {self.data!r})"

    def _laid_out(self) -> None:
        if self._positions is None:
            self._positions, self._key_positions = self._layout(self.text) if self._layout else ({}, {})
            self._key_positions = self._key_positions or {}

    @property
    def positions(self) -> dict:
        self._laid_out()
        return self._positions

    @property
    def key_positions(self) -> dict:
        self._laid_out()
        return self._key_positions

    @property
    def has_lines(self) -> bool:
        """Whether diagnostics can say a line (the document was read from text)."""
        return bool(self.positions)

    def position(self, path) -> tuple[int, int]:
        """(line, col) of the value at ``path``, or of its nearest located ancestor."""
        path, positions = tuple(path), self.positions
        while path and path not in positions:
            path = path[:-1]
        return positions.get(path, (1, 1))

    def key_position(self, path) -> tuple[int, int]:
        """(line, col) of the key that introduces ``path`` (falls back to the value)."""
        path = tuple(path)
        return self.key_positions.get(path) or self.position(path)

    def formula_position(self, path, offset: int) -> tuple[int, int]:
        """(line, col) of character ``offset`` inside the one-line string value at ``path``."""
        line, col = self.position(path)
        lines = self.text.splitlines()
        if 0 < line <= len(lines) and col - 1 < len(lines[line - 1]) and lines[line - 1][col - 1] in "'\"":
            col += 1  # a quoted scalar: the formula starts after the quote
        elif 0 < line <= len(lines) and lines[line - 1][col - 1:col] in (">", "|"):
            return line + 1, 1  # a block scalar: point at its first line
        return line, col + offset

    def diagnostic(self, code, message, path=(), hint=None, at_key=False) -> Diagnostic:
        """A diagnostic at ``path``: its line and column when the document has lines, its JSON path always."""
        if not self.has_lines:
            return Diagnostic(code, message, file=self.file, json_path=json_path(tuple(path)), hint=hint)
        line, col = self.key_position(path) if at_key else self.position(path)
        return Diagnostic(code, message, file=self.file, line=line, col=col, json_path=json_path(tuple(path)),
                          hint=hint)


class DocumentError(SpecError):
    """A file cannot be read into data at all; carries the diagnostics (its code is the first's)."""

    code = "MV100"

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("; ".join(d.message for d in diagnostics), diagnostics,
                         code=diagnostics[0].code if diagnostics else None)


# --------------------------------------------------------------------------------------------- bytes and text


_RECORDERS: list = []


@contextmanager
def recorded_reads():
    """Collect the real path of every file the reading layer reads meanwhile (a set, filled as they are read).

    ``check``'s result cache keeps them as the result's dependencies (:mod:`verifier.verify.check_cache`), and a
    command that writes refuses to write over one (:mod:`verifier.report.outputs`): every file is read by
    :func:`read_bytes`, or is named by :func:`note_read` where it is read another way (a market catalog's shard known
    to be valid is read with :mod:`json`; a catalog read before in the process is not read again; a catalog folder's
    listing says which shards it has).

    >>> with recorded_reads() as files:
    ...     _ = read_text("rules/binance/markets/usdm-perpetual/catalog.yaml")
    >>> [os.path.basename(f) for f in files]
    ['catalog.yaml']
    """
    files: set = set()
    _RECORDERS.append(files)
    try:
        yield files
    finally:
        _RECORDERS.remove(files)


def note_read(path) -> None:
    """Record that the check in progress depends on ``path`` (a file, or a folder's list of names), for
    :func:`recorded_reads`."""
    for files in _RECORDERS:
        files.add(os.path.realpath(path))


def read_bytes(path) -> bytes:
    """The bytes of the file at ``path``, refused (MV100, MV104) when it cannot be read or is too large."""
    name = str(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise DocumentError([Diagnostic("MV100", f"cannot read file: {exc.strerror or exc}", file=name)]) from None
    note_read(path)
    if len(raw) > MAX_FILE_BYTES:
        raise DocumentError([too_large(name, 1)])
    return raw


def too_large(file: str, line: int = 1, what: str = "file") -> Diagnostic:
    """MV104 for a file (or a line of a JSON-lines file) larger than :data:`MAX_FILE_BYTES`."""
    return Diagnostic("MV104", f"{what} is larger than {MAX_FILE_BYTES // (1024 * 1024)} "
                               "MiB", file=file, line=line, col=1,
                      hint="a rule is a few KiB and a catalog is split into shards; an export this large holds "
                           "something else than positions")


def decode(raw: bytes, file: str, line: int = 1) -> str:
    """``raw`` as text: UTF-8 without a byte-order mark (MV108), every byte valid (MV109, located).

    ``line``: the line ``raw`` starts on (a line of a JSON-lines file).

    >>> decode(b'{"a":\\n "\\xff"}', "x.json")
    Traceback (most recent call last):
    ...
    verifier.read.inputs.DocumentError: the file is not UTF-8: byte 0xff cannot start a character (invalid start byte)
    """
    if raw.startswith(_BOM):
        raise DocumentError([Diagnostic("MV108", "the file starts with a byte-order mark (U+FEFF)", file=file,
                                        line=line, col=1, hint="save it as UTF-8 without a byte-order mark (BOM)")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = raw.rfind(b"\n", 0, exc.start) + 1
        where_line = line + raw.count(b"\n", 0, exc.start)
        col = len(raw[start:exc.start].decode("utf-8", "replace")) + 1
        raise DocumentError([Diagnostic(
            "MV109", f"the file is not UTF-8: byte 0x{raw[exc.start]:02x} cannot start a character ({exc.reason})"
            if exc.reason == "invalid start byte" else f"the file is not UTF-8: byte 0x{raw[exc.start]:02x} "
                                                      f"({exc.reason})", file=file, line=where_line, col=col,
            hint="save the file as UTF-8")]) from None


def read_text(path) -> str:
    """The text of the file at ``path`` (:func:`read_bytes`, then :func:`decode`)."""
    return decode(read_bytes(path), str(path))


def format_of(name: str, text: str) -> str:
    """``'json'`` or ``'yaml'``: by the file's suffix, else by its first character (``{`` or ``[`` is JSON).

    >>> format_of("a.json", "x: 1"), format_of("a.yml", "{}"), format_of("export", " [1]"), format_of("-", "a: 1")
    ('json', 'yaml', 'json', 'yaml')
    """
    suffix = Path(name).suffix.lower()
    if suffix in JSON_SUFFIXES:
        return "json"
    if suffix in YAML_SUFFIXES:
        return "yaml"
    return "json" if text.lstrip()[:1] in ("{", "[") else "yaml"


# --------------------------------------------------------------------------------------------- numbers


class NumberError(SpecError):
    """A value that is not a number within the limits.  ``limit``: MV105 / MV107 when it is a number beyond a limit,
    None when it is no number at all (the reader of the field says which code that is: MV602 in an account, MV822 in
    an import dump, MV002 on the command line); ``reason`` completes "<field> ...".  Readers catch it and locate it;
    one that escaped would still be a refusal (exit 2), never an internal error."""

    def __init__(self, reason: str, limit: str | None = None):
        super().__init__(reason, code=limit or "MV602")
        self.reason, self.limit = reason, limit


NUMERAL_LIMITS = {
    "digits": f"has {{count}} significant digits; a number has at most {MAX_DIGITS}",
    "written": f"is written with {{count}} digits; a number has at most {MAX_DIGITS}",
    "exponent": f"has an exponent of {{count}} digits; a number is within 10 to the power ±{MAX_EXPONENT}",
    "power": f"is 10 to the power {{power}}; a number is within 10 to the power ±{MAX_EXPONENT}",
}
"""The reasons :func:`numeral_problem` gives (placeholders in braces): the site's calculator says the same."""


def numeral_problem(text: str) -> tuple[str, str] | None:
    """(code, reason) when the decimal numeral ``text`` is beyond the limits, else None (also for non-numerals).

    The limits are on the number's value as written: at most :data:`MAX_DIGITS` significant digits (from the first
    digit that is not 0 to the last written; MV107), a decimal exponent (the power of ten of the first significant
    digit: 2 for 123.4, -3 for 0.005) within ± :data:`MAX_EXPONENT` (MV105); and, so that no text costs more to
    read than a number is worth, at most ten times as many digits written in all and an exponent of at most four
    digits.

    >>> numeral_problem("1e308"), numeral_problem("12.5"), numeral_problem("abc"), numeral_problem("0.5e-100")
    (('MV105', 'is 10 to the power 308; a number is within 10 to the power ±100'), None, None, \
('MV105', 'is 10 to the power -101; a number is within 10 to the power ±100'))
    """
    found = _NUMERAL.fullmatch(text)
    if found is None or not (found["int"] or found["frac"]):
        return None
    whole, fraction, exponent = found["int"], found["frac"] or "", found["exp"]
    written = len(whole) + len(fraction)
    significant = len((whole + fraction).lstrip("0"))
    if significant > MAX_DIGITS or written > 10 * MAX_DIGITS:
        if significant > MAX_DIGITS:
            return "MV107", NUMERAL_LIMITS["digits"].format(count=significant)
        return "MV107", NUMERAL_LIMITS["written"].format(count=written)
    if exponent and len(exponent.lstrip("+-")) > 4:
        return "MV105", NUMERAL_LIMITS["exponent"].format(count=len(exponent.lstrip("+-")))
    if not significant:
        return None  # zero, however it is written
    stripped = whole.lstrip("0")
    power = int(exponent or 0) + (len(stripped) - 1 if stripped else -(len(fraction) - len(fraction.lstrip("0"))) - 1)
    if abs(power) > MAX_EXPONENT:
        return "MV105", NUMERAL_LIMITS["power"].format(power=power)
    return None


def _in_lowest_terms(numerator: int, denominator: int) -> Fraction:
    """``Fraction(numerator, denominator)`` of a ratio already in lowest terms with a positive denominator (what
    ``Decimal.as_integer_ratio`` gives), made without the constructor's normalising (the reading of a large export
    makes many).

    >>> _in_lowest_terms(5, 2) == Fraction(5, 2), _in_lowest_terms(-3, 1)
    (True, Fraction(-3, 1))
    """
    made = _new(Fraction)
    made._numerator, made._denominator = int(numerator), int(denominator)
    return made


_new = object.__new__


def exact(value) -> Fraction:
    """The exact value of a number or of a string holding a decimal, under the limits; :class:`NumberError` else.

    Every numeric field of every input is read by this function (through the field's reader, which adds where).
    A float (from Python callers) is read as its shortest decimal; a Decimal (as the JSON reader gives numbers) by
    its significant digits and exponent, the same limits as its text.
    """
    kind = type(value)
    if kind is str and len(value) <= MAX_DIGITS and _PLAIN_DECIMAL.fullmatch(value):
        return _in_lowest_terms(*Decimal(value).as_integer_ratio())  # the common case, within every limit (below)
    if kind is Fraction or (kind is not Decimal and isinstance(value, Fraction)):  # isinstance(_, Fraction) is slow
        return value
    if kind is Decimal or isinstance(value, Decimal):
        if not value.is_finite():
            raise NumberError(f"is {value}, not a finite number", "MV105")
        if len(str(value)) <= MAX_DIGITS and (not value or abs(value.adjusted()) <= MAX_EXPONENT):
            return _in_lowest_terms(*value.as_integer_ratio())  # its text is short: within the digits' limit
        digits = value.as_tuple().digits
        if len(digits) <= MAX_DIGITS and (not any(digits) or abs(value.adjusted()) <= MAX_EXPONENT):
            return _in_lowest_terms(*value.as_integer_ratio())
        value = str(value)  # beyond a limit: say which, as for its text
    elif isinstance(value, bool) or value is None:
        raise NumberError("is not a number")
    elif isinstance(value, int):
        if abs(value) >= _TOO_MANY_DIGITS:
            raise NumberError(f"has more than {MAX_DIGITS} digits; a number has at most {MAX_DIGITS}", "MV107")
        return _in_lowest_terms(value, 1)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise NumberError(f"is {value}, not a finite number", "MV105")
        value = repr(value)
    if not isinstance(value, str):
        raise NumberError("is not a number")
    problem = numeral_problem(value)
    if problem is not None:
        raise NumberError(problem[1], problem[0])
    if not _NUMERAL.fullmatch(value) or not any(ch.isdigit() for ch in value):
        raise NumberError("is not a number")
    try:
        return _in_lowest_terms(*Decimal(value.strip()).as_integer_ratio())  # Fraction(text)'s value, parsed faster
    except InvalidOperation:  # what Decimal refuses ("E0"): Fraction says so as it always did
        return Fraction(value.strip())


def shown(value, limit: int = 40) -> str:
    """``repr`` of a value for a message, cut short (a 10,000-digit string is named, not printed).

    >>> shown("9" * 10000)
    "'99999999999999999999...' (10000 characters)"
    """
    text = repr(value)
    if len(text) <= limit:
        return text
    length = f"{len(value)} characters" if isinstance(value, str) else f"{len(text)} characters written"
    return f"{text[:limit // 2 + 1]}...{text[0] if isinstance(value, str) else ''} ({length})"


def command_line_number(text: str, option: str, hint: str | None = None) -> Fraction:
    """A numeric command-line value, exactly, under the same limits as a file's (UsageError, ``<command line>``).

    >>> command_line_number("0.5", "--rtol")
    Fraction(1, 2)
    """
    try:
        return exact(text)
    except NumberError as exc:
        raise UsageError(f"bad {option}", [Diagnostic(exc.limit or "MV002", f"{option} {shown(text)} {exc.reason}",
                                                      file="<command line>", hint=hint)],
                         code=exc.limit or "MV002") from None


# --------------------------------------------------------------------------------------------- JSON


def parse_json(text: str, file: str, *, line: int = 1, number=Decimal, constants: dict | None = None):
    """The JSON value of ``text`` under every limit, numbers exact (``number`` of their text); raise
    :class:`DocumentError` with every problem located.

    ``line``: the line ``text`` starts on (a line of a JSON-lines file); ``constants``: JSON's non-finite names a
    caller accepts, with the value each stands for (ccxt's ``Infinity``: no bound); any other is refused.
    """
    if not text.strip():
        raise DocumentError([Diagnostic("MV100", "the file is empty" if line == 1 else "the line is empty", file=file,
                                        line=line, col=1)])
    constants = constants or {}
    bad: list = []  # the hooks only notice; json_layout says where (its checks are the same)

    def integer(digits: str):
        if len(digits) > MAX_DIGITS and numeral_problem(digits):
            bad.append(digits)
            return None
        return int(digits)

    def decimal(digits: str):
        if (len(digits) > 20 or "e" in digits or "E" in digits) and numeral_problem(digits):
            bad.append(digits)
            return None
        return number(digits)

    def constant(name: str):
        if name in constants:
            return constants[name]
        bad.append(name)
        return None

    def pairs(items: list) -> dict:
        out = dict(items)
        if len(out) != len(items):
            bad.append("duplicate")
        return out

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_int=integer, parse_float=decimal,
                          parse_constant=constant)
    except json.JSONDecodeError as exc:
        raise DocumentError([Diagnostic("MV100", f"JSON syntax error: {exc.msg}", file=file, line=exc.lineno + line - 1,
                                        col=exc.colno, hint=_json_hint(exc.msg))]) from None
    except RecursionError:  # deeper than the parser goes: the layout (which does not recurse) says where
        bad.append("depth")
        data = None
    # a value inside n containers has n brackets opened before it: a text opening no more than the limit is within it
    if bad or (text.count("{") + text.count("[") > MAX_DEPTH and _deeper_than(data, MAX_DEPTH)):
        _, _, problems = json_layout(text, file, line=line, constants=constants)
        raise DocumentError(problems or [Diagnostic("MV100", "the JSON cannot be read within the limits",
                                                    file=file, line=line, col=1)])
    return data


def _json_hint(message: str) -> str | None:
    if message.startswith("Expecting property name"):
        return "keys are double-quoted strings, and an object has no comma before its '}'"
    if message.startswith("Unexpected UTF-8 BOM"):
        return "save it as UTF-8 without a byte-order mark (BOM)"
    return None


def _deeper_than(data, limit: int) -> bool:
    """Whether a value sits inside more than ``limit`` containers (a walk with a stack, not recursion)."""
    stack = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        for child in children:
            if depth + 1 > limit:
                return True
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
    return False


def json_document(text: str, file: str, *, line: int = 1, number=Decimal, constants=None) -> Document:
    """A :class:`Document` of JSON ``text`` whose lines are found when a diagnostic first needs them."""
    data = parse_json(text, file, line=line, number=number, constants=constants)
    return Document(file, data, text=text, layout=lambda t: json_layout(t, file, line=line, constants=constants)[:2])


_TOKEN = re.compile(r'[ \t\r\n]*(?:(?P<string>")|(?P<number>-?[0-9][0-9.eE+-]*)|(?P<word>true|false|null)'
                    r'|(?P<constant>NaN|-?Infinity)|(?P<punct>[\[\]{},:]))')
_scan_string = json.decoder.scanstring


def json_layout(text: str, file: str, *, line: int = 1, constants=None) -> tuple[dict, dict, list]:
    """(positions, key positions, problems) of JSON ``text``: where every value and key is, and every limit it
    breaks, located.  Walks the text with a stack (no recursion), so it locates a file nested 10,000 deep; stops at
    the first syntax error (:func:`parse_json` reports those).

    >>> positions, keys, problems = json_layout('{"a": [1,\\n  NaN]}', "t.json")
    >>> positions[("a", 1)], [(d.line, d.col, d.code, d.message, d.json_path) for d in problems]
    ((2, 3), [(2, 3, 'MV105', 'NaN is not a finite number', '$.a[1]')])
    """
    constants = constants or {}
    newlines = [m.start() for m in re.finditer("\n", text)]

    def where(offset: int) -> tuple[int, int]:
        row = bisect.bisect_left(newlines, offset)
        return row + line, offset - (newlines[row - 1] if row else -1)

    positions, keys, problems = {}, {}, []
    too_deep = False

    def problem(code, message, path, offset, hint=None):
        if len(problems) < MAX_REPORTED:
            at_line, col = where(offset)
            problems.append(Diagnostic(code, message, file=file, line=at_line, col=col, json_path=json_path(path),
                                       hint=hint))

    stack: list = []  # frames: [kind, path, index or None, keys seen (object: key -> line)]
    state, pos, path = "value", 0, ()
    while True:
        found = _TOKEN.match(text, pos)
        if found is None:
            break
        kind, start, pos = found.lastgroup, found.start(found.lastgroup), found.end()
        token = found.group(kind)
        if state in ("value", "value or end"):
            if state == "value or end" and token == "]":
                stack.pop()
                state = "after"
                continue
            if len(path) > MAX_DEPTH and not too_deep:
                too_deep = True
                problem("MV103", f"nested deeper than {MAX_DEPTH} levels", path, start,
                        hint="ccxt's and this toolkit's files nest a few levels: this is not one of them")
            positions[path] = where(start)
            if kind == "string":
                _, pos = _scan_string(text, pos)
                state = "after"
            elif kind == "number":
                found_problem = numeral_problem(token)
                if found_problem:
                    problem(found_problem[0], f"the number {shown(token)} {found_problem[1]}", path, start)
                state = "after"
            elif kind == "constant":
                if token not in constants:
                    problem("MV105", f"{token} is not a finite number", path, start,
                            hint="money and prices are finite; null means unknown where a field allows it")
                state = "after"
            elif kind == "word":
                state = "after"
            elif token == "{":
                stack.append(["object", path, None, {}])
                state = "key or end"
            elif token == "[":
                stack.append(["array", path, 0, None])
                path = path + (0,)
                state = "value or end"
            else:
                break
        elif state in ("key", "key or end"):
            if state == "key or end" and token == "}":
                stack.pop()
                state = "after"
                continue
            if kind != "string":
                break
            key, pos = _scan_string(text, pos)
            frame = stack[-1]
            path = frame[1] + (key,)
            if key in frame[3]:
                problem("MV101", f"duplicate key {key!r} (first on line {frame[3][key]})", path, start,
                        hint="remove one of the two; JSON readers disagree on which one counts")
            else:
                frame[3][key] = where(start)[0]
                keys[path] = where(start)
            colon = _TOKEN.match(text, pos)
            if colon is None or colon.group("punct") != ":":
                break
            pos = colon.end()
            state = "value"
        else:  # after a value
            if not stack:
                break
            frame = stack[-1]
            if token == ",":
                if frame[0] == "array":
                    frame[2] += 1
                    path = frame[1] + (frame[2],)
                    state = "value"
                else:
                    state = "key"
            elif token in ("]", "}"):
                stack.pop()
                path = frame[1]
                state = "after"
            else:
                break
        if state == "after" and stack:
            path = stack[-1][1]
    problems.sort(key=lambda d: (d.line, d.col))
    return positions, keys, problems
