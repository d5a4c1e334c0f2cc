"""A YAML/JSON reader that refuses surprises and remembers where every value came from.

PyYAML's *composer* (libyaml when available) builds a node graph that keeps
line and column; we turn nodes into plain Python data ourselves so that:

* numbers are exact: ``0.1`` becomes ``Fraction(1, 10)``, never a float;
* plain scalars follow the YAML 1.2 core schema (``yes``/``on`` stay strings,
  dates stay strings, ``1e5`` is a number);
* duplicate keys, non-scalar keys, explicit tags beyond the plain ones,
  ``.inf``/``.nan``, alias expansion past a bound are errors, and so is whatever
  breaks the reading layer's limits (:mod:`verifier.read.inputs`: file size,
  nesting depth, digits and exponent of a number), the same limits as JSON's;
* every error is collected (not just the first) with its location.

:func:`read_file` reads a ``.json`` file with the reading layer's JSON reader
(numbers as Fractions, as here), so JSON and YAML files get the same refusals.

>>> doc = read_document("a: 0.1\\nb: [1, x]\\n", "t.yaml")
>>> doc.data
{'a': Fraction(1, 10), 'b': [1, 'x']}
>>> doc.position(("b", 1))
(2, 8)
"""

from __future__ import annotations

import re
from fractions import Fraction

import yaml

from verifier.errors import Diagnostic
from verifier.read._jsonpath import json_path
from verifier.read.inputs import (MAX_DEPTH, MAX_FILE_BYTES, Document, DocumentError, decode, format_of,  # noqa: F401
                                  json_document, note_read, numeral_problem, read_bytes,
                                  recorded_reads, shown)

try:  # libyaml is an order of magnitude faster on large files; PyYAML wheels ship it.
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - pure-Python fallback
    _Loader = yaml.SafeLoader

MAX_NODES = 200_000
"""Upper bound on values after alias expansion: stops 'billion laughs' documents.  The other limits (file size,
nesting depth, digits and exponent of a number) are the reading layer's, the same for every format
(:mod:`verifier.read.inputs`)."""

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


def read_file(path, number=Fraction) -> Document:
    """Read a YAML or JSON file from disk through the reading layer (:mod:`verifier.read.inputs`: size, byte-order
    mark, UTF-8, and for JSON every limit), JSON or YAML by :func:`~verifier.read.inputs.format_of`; JSON numbers
    as ``number`` (Fraction, as YAML's; Decimal: faster, and as exact, for exports of thousands of positions)."""
    name = str(path)
    text = decode(read_bytes(path), name)
    if format_of(name, text) == "json":
        return json_document(text, name, number=number)
    return read_document(text, name)


def read_document(text: str, file: str = "<input>") -> Document:
    """Parse ``text`` into a :class:`Document`; raise :class:`DocumentError` with every problem found."""
    if len(text) > MAX_FILE_BYTES and len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
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
        if "nesting depth" in problem:  # libyaml's own limit (1000 flow levels): the reading layer's is lower
            line, col = _too_deep_flow(text)
            raise DocumentError([Diagnostic("MV103", f"nested deeper than {MAX_DEPTH} levels", file=file, line=line,
                                            col=col)]) from None
        if exc.context and exc.problem:
            problem = f"{exc.context}, {exc.problem}"
        raise DocumentError([Diagnostic("MV100", f"YAML syntax error: {problem}", file=file, line=line, col=col,
                                        hint=_syntax_hint(problem))]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow: no mark, but its offset
        offset = max(exc.position, 0)
        line, col = text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)
        problem = str(exc).splitlines()[0]
        raise DocumentError([Diagnostic("MV100", f"YAML syntax error: {problem}", file=file, line=line,
                                        col=col)]) from None
    except yaml.YAMLError as exc:  # any other error without a mark: its first line, at the start
        problem = str(exc).splitlines()[0] if str(exc) else "invalid YAML"
        raise DocumentError([Diagnostic("MV100", f"YAML syntax error: {problem}", file=file, line=1, col=1)]) from None
    except RecursionError:  # flow style nested thousands deep: found by counting brackets, without recursion
        line, col = _too_deep_flow(text)
        raise DocumentError([Diagnostic("MV103", f"nested deeper than {MAX_DEPTH} levels", file=file, line=line,
                                        col=col)]) from None
    if root is None:
        raise DocumentError([Diagnostic("MV100", "file is empty", file=file, line=1, col=1,
                                        hint="a rule file is a mapping starting with 'format: 1'")])
    builder = _Builder(file)
    data = builder.build(root, (), 0)
    if builder.errors:
        raise DocumentError(builder.errors)
    return Document(file, data, builder.positions, builder.key_positions, text)


_FLOW = re.compile(r'"(?:[^"\\]|\\.)*"' + r"|'(?:[^']|'')*'|#[^\n]*|[\[\]{}]")


def _too_deep_flow(text: str) -> tuple[int, int]:
    """(line, col) of the first bracket nested more than :data:`MAX_DEPTH` deep in flow style (quoted scalars and
    comments skipped), else (1, 1): where a document too deep for the YAML parser's recursion goes too deep.

    >>> _too_deep_flow("a: " + "[" * 70 + "]" * 70)
    (1, 68)
    """
    depth = 0
    for found in _FLOW.finditer(text):
        token = found.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                offset = found.start()
                return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)
        elif token in "]}":
            depth -= 1
    return 1, 1


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
        if _INT.match(text) or _DECIMAL.match(text):
            problem = numeral_problem(text.replace("_", ""))
            if problem is not None:
                self._error(problem[0], f"the number {shown(text)} {problem[1]}", node, path)
                return None
        if _INT.match(text):
            return int(text.replace("_", ""))
        if _DECIMAL.match(text):
            mantissa, _, exponent = text.replace("_", "").lower().partition("e")
            value = Fraction(mantissa) * (Fraction(10) ** int(exponent or 0))
            return int(value) if value.denominator == 1 and "." not in mantissa and not exponent else value
        return text
