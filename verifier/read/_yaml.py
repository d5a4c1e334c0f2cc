"""A YAML/JSON reader that refuses surprises and remembers where every value came from.

PyYAML's *composer* (libyaml when available) builds a node graph that keeps
line and column; we turn nodes into plain Python data ourselves so that:

* numbers are exact: ``0.1`` becomes ``Fraction(1, 10)``, never a float;
* plain scalars follow the YAML 1.2 core schema (``yes``/``on`` stay strings,
  dates stay strings, ``1e5`` is a number);
* duplicate keys, non-scalar keys, explicit tags beyond the plain ones,
  ``.inf``/``.nan``, alias expansion past a bound and over-large files are errors;
* every error is collected (not just the first) with its location.

JSON is read by the same path (JSON is YAML's flow style), so JSON rule files
get the same locations and the same refusals.

>>> doc = read_document("a: 0.1\\nb: [1, x]\\n", "t.yaml")
>>> doc.data
{'a': Fraction(1, 10), 'b': [1, 'x']}
>>> doc.position(("b", 1))
(2, 8)
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction

import yaml

from verifier.errors import Diagnostic, SpecError
from verifier.read._jsonpath import json_path

try:  # libyaml is an order of magnitude faster on large files; PyYAML wheels ship it.
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - pure-Python fallback
    _Loader = yaml.SafeLoader

MAX_FILE_BYTES = 4 * 1024 * 1024
"""Files larger than this are refused before parsing (a rule file is a few KiB)."""

MAX_NODES = 200_000
"""Upper bound on values after alias expansion: stops 'billion laughs' documents."""

MAX_DEPTH = 64
"""Upper bound on nesting depth of mappings and sequences."""

_CORE = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {
    _CORE + name
    for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "merge", "value")
}

_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_INT = re.compile(r"^[-+]?[0-9](_?[0-9])*$")
_DECIMAL = re.compile(r"^[-+]?(\.[0-9](_?[0-9])*|[0-9](_?[0-9])*(\.([0-9](_?[0-9])*)?)?)([eE][-+]?[0-9]+)?$")
_NON_FINITE = re.compile(r"^[-+]?\.(inf|Inf|INF|nan|NaN|NAN)$")
_MAX_EXPONENT = 100  # 1e100000000 would allocate a huge integer: refuse it


@dataclass
class Document:
    """Data read from one file, with the position of every value and key."""

    file: str
    data: object
    positions: dict = field(default_factory=dict)
    key_positions: dict = field(default_factory=dict)
    text: str = field(default="", repr=False)

    def position(self, path) -> tuple[int, int]:
        """(line, col) of the value at ``path``, or of its nearest located ancestor."""
        path = tuple(path)
        while path and path not in self.positions:
            path = path[:-1]
        return self.positions.get(path, (1, 1))

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
        line, col = self.key_position(path) if at_key else self.position(path)
        return Diagnostic(code, message, file=self.file, line=line, col=col, json_path=json_path(tuple(path)), hint=hint)


class DocumentError(SpecError):
    """Raised when a file cannot be read into data at all; carries the diagnostics (its code is the first's)."""

    code = "MV100"

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("; ".join(d.message for d in diagnostics), diagnostics,
                         code=diagnostics[0].code if diagnostics else None)


_RECORDERS: list = []


@contextmanager
def recorded_reads():
    """Collect the real path of every file :func:`read_file` reads meanwhile (a set, filled as they are read).

    ``check``'s result cache keeps them as the result's dependencies (:mod:`verifier.verify.check_cache`): every
    user file a check reads goes through :func:`read_file`, or is named by :func:`note_read` where it is read
    another way (a market catalog's shard known to be valid is read with :mod:`json`; a catalog read before in the
    process is not read again; a catalog folder's listing says which shards it has).

    >>> with recorded_reads() as files:
    ...     _ = read_file("rules/binance/markets/usdm-perpetual/catalog.yaml")
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


def read_file(path) -> Document:
    """Read a YAML or JSON file from disk (size-checked before parsing)."""
    name = str(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise DocumentError([Diagnostic("MV100", f"cannot read file: {exc.strerror or exc}", file=name)]) from None
    note_read(path)
    if len(raw) > MAX_FILE_BYTES:
        raise DocumentError([Diagnostic(
            "MV104", f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB", file=name, line=1, col=1,
            hint="rule files are a few KiB; split large tier tables into their own files")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError([Diagnostic("MV100", f"file is not valid UTF-8 ({exc.reason} at byte {exc.start})",
                                        file=name, line=1, col=1)]) from None
    if name.endswith(".json"):
        _check_json_syntax(text, name)
    return read_document(text, name)


def _check_json_syntax(text: str, file: str) -> None:
    """A .json file must be JSON, not merely YAML flow style (which accepts e.g. ``"a": }``)."""
    import json

    try:
        json.loads(text, parse_constant=lambda name: None)
    except json.JSONDecodeError as exc:
        raise DocumentError([Diagnostic("MV100", f"JSON syntax error: {exc.msg}", file=file, line=exc.lineno,
                                        col=exc.colno)]) from None
    except RecursionError:
        raise DocumentError([Diagnostic("MV103", "document is nested too deeply", file=file, line=1, col=1)]) from None


def read_document(text: str, file: str = "<input>") -> Document:
    """Parse ``text`` into a :class:`Document`; raise :class:`DocumentError` with every problem found."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise DocumentError([Diagnostic("MV104", "document is too large", file=file, line=1, col=1)])
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        tab = _tab_in_indentation(text, line)
        if tab:
            raise DocumentError([Diagnostic("MV100", "tabs are not allowed for indentation; use spaces", file=file,
                                            line=line, col=tab, hint="replace the tab with spaces (YAML counts "
                                            "spaces only); editors can be set to insert spaces for Tab")]) from None
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            problem = f"{exc.context}, {exc.problem}"
        raise DocumentError([Diagnostic("MV100", f"YAML syntax error: {problem}", file=file, line=line, col=col,
                                        hint=_syntax_hint(problem))]) from None
    except yaml.YAMLError as exc:  # reader errors (control characters, ...) carry no mark object
        raise DocumentError([Diagnostic("MV100", f"YAML syntax error: {exc}", file=file, line=1, col=1)]) from None
    except RecursionError:
        raise DocumentError([Diagnostic("MV103", "document is nested too deeply", file=file, line=1, col=1)]) from None
    if root is None:
        raise DocumentError([Diagnostic("MV100", "file is empty", file=file, line=1, col=1,
                                        hint="a rule file is a mapping starting with 'format: 1'")])
    builder = _Builder(file)
    data = builder.build(root, (), 0)
    if builder.errors:
        raise DocumentError(builder.errors)
    return Document(file, data, builder.positions, builder.key_positions, text)


def _tab_in_indentation(text: str, line: int) -> int:
    """The 1-based column of a tab in the indentation of ``line`` (or of the line above, where YAML's scanner
    sometimes stops), else 0.

    >>> _tab_in_indentation("a:\\n  \\tb: 1\\n", 2)
    3
    """
    lines = text.splitlines()
    for number in (line, line - 1):
        if 0 < number <= len(lines):
            content = lines[number - 1]
            indentation = content[:len(content) - len(content.lstrip(" \t"))]
            if "\t" in indentation:
                return indentation.index("\t") + 1
    return 0


def _syntax_hint(problem: str) -> str | None:
    if "tab" in problem:
        return "indent with spaces, not tabs"
    if "mapping values are not allowed" in problem:
        return "quote values that contain ': ' or put a space after every colon that starts a value"
    if "could not find expected ':'" in problem or "expected <block end>" in problem:
        return "check the indentation of this line against the one above"
    return None


class _Builder:
    def __init__(self, file: str):
        self.file = file
        self.positions: dict = {}
        self.key_positions: dict = {}
        self.errors: list[Diagnostic] = []
        self.count = 0
        self.too_many = False

    def _error(self, code, message, node, path, hint=None):
        mark = node.start_mark
        self.errors.append(Diagnostic(code, message, file=self.file, line=mark.line + 1, col=mark.column + 1,
                                      json_path=json_path(path), hint=hint))

    def build(self, node, path, depth):
        self.count += 1
        if self.count > MAX_NODES:
            if not self.too_many:
                self.too_many = True
                self._error("MV103", f"document expands to more than {MAX_NODES} values (alias bomb?)", node, path,
                            hint="avoid deeply repeated aliases (*name); write the values out")
            return None
        if depth > MAX_DEPTH:
            self._error("MV103", f"document is nested deeper than {MAX_DEPTH} levels", node, path)
            return None
        self.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if node.tag not in _ALLOWED_TAGS:
            self._error("MV102", f"YAML tag {node.tag!r} is not allowed", node, path,
                        hint="rule files use plain YAML only: remove the tag")
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (index,), depth + 1) for index, item in enumerate(node.value)]
        return self._scalar(node, path)

    def _mapping(self, node, path, depth):
        result: dict = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self._error("MV106", "mapping keys must be plain text", key_node, path)
                continue
            if key_node.tag == _CORE + "merge":
                self._error("MV102", "YAML merge keys ('<<') are not allowed", key_node, path,
                            hint="write the keys out; merges hide where a value comes from")
                continue
            key = key_node.value
            child = path + (key,)
            if key in result:
                line, _ = self.key_positions[child]
                self._error("MV101", f"duplicate key {key!r} (first defined on line {line})", key_node, child,
                            hint="remove one of the two; YAML would silently keep only the last")
                continue
            self.key_positions[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = self.build(value_node, child, depth + 1)
        return result

    def _scalar(self, node, path):
        text = node.value
        if node.style:  # quoted or block scalar: always text (plain style is None or "")
            return text
        if text in _NULL:
            return None
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        if _NON_FINITE.match(text):
            self._error("MV105", f"non-finite number {text!r} is not allowed", node, path,
                        hint="money and prices are finite; use null for 'no bound'")
            return None
        if _INT.match(text):
            return int(text.replace("_", ""))
        if _DECIMAL.match(text):
            mantissa, _, exponent = text.replace("_", "").lower().partition("e")
            if exponent and abs(int(exponent)) > _MAX_EXPONENT:
                self._error("MV105", f"number {text!r} has an exponent beyond ±{_MAX_EXPONENT}", node, path)
                return None
            value = Fraction(mantissa) * (Fraction(10) ** int(exponent or 0))
            return int(value) if value.denominator == 1 and "." not in mantissa and not exponent else value
        return text
