"""The reading layer (verifier/read/inputs.py): one set of limits for every format, every refusal located.

JSON and YAML must refuse the same numbers with the same codes; JSON's lines and columns (found by a walk of the
text, only when a problem is reported) must be the ones the YAML reader finds for the same text; a file is JSON or
YAML by its suffix or first character, and a broken JSON file is refused as broken JSON.
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verifier.errors import UsageError
from verifier.read._yaml import read_document
from verifier.read._yaml import read_file
from verifier.read.inputs import (MAX_DIGITS, MAX_FILE_BYTES, DocumentError, NumberError, command_line_number,
                                  decode, exact, format_of, json_document, json_layout, parse_json)

NUMBERS = {
    "1e100": None, "1e-100": None, "9" * MAX_DIGITS: None, "0.5": None, "-12.25": None,
    "1e308": "MV105", "1e-101": "MV105", "1E400": "MV105", "1e99999999999999999999": "MV105",
    "9" * (MAX_DIGITS + 1): "MV107", "-" + "9" * 10_000: "MV107", "0." + "0" * MAX_DIGITS + "1": "MV105",
    "1." + "1" * 10_000: "MV107", "0." + "0" * 98 + "1": None, "1.5e100": None, "15e100": "MV105",
    "0.5e-100": "MV105", "0e500": None, "1" + "0" * 100: "MV107",  # trailing zeros are significant
    "0." + "0" * 1000 + "1": "MV107",  # written with more than ten times the digits
}
"""A number as written -> the code that refuses it (None: read)."""


def _code(call):
    try:
        call()
    except DocumentError as exc:
        return exc.diagnostics[0].code
    except NumberError as exc:
        return exc.limit
    return None


@pytest.mark.parametrize("text", list(NUMBERS), ids=lambda t: t[:24])
def test_the_same_number_limits_for_json_yaml_strings_and_the_command_line(text):
    expected = NUMBERS[text]
    assert _code(lambda: parse_json(f'{{"a": {text}}}', "t.json")) == expected
    assert _code(lambda: read_document(f"a: {text}\n", "t.yaml")) == expected
    assert _code(lambda: exact(text)) == expected  # a string in a numeric field
    try:
        command_line_number(text, "--x")
        assert expected is None
    except UsageError as exc:
        assert exc.code == expected


def test_a_refused_number_is_located_in_json_as_in_yaml():
    text = '{\n "a": [1,\n  2, 1e308],\n "b": 3\n}'
    json_error = pytest.raises(DocumentError, parse_json, text, "t.json").value.diagnostics[0]
    yaml_error = pytest.raises(DocumentError, read_document, text, "t.json").value.diagnostics[0]
    assert (json_error.line, json_error.col, json_error.json_path, json_error.code) == (3, 6, "$.a[2]", "MV105")
    assert (yaml_error.line, yaml_error.col, yaml_error.json_path, yaml_error.code) == (3, 6, "$.a[2]", "MV105")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_json_numbers_are_refused_unless_a_reader_gives_them_a_meaning(constant):
    with pytest.raises(DocumentError) as info:
        parse_json(f'[1, {constant}]', "t.json")
    assert [(d.code, d.line, d.col, d.json_path) for d in info.value.diagnostics] == [("MV105", 1, 5, "$[1]")]
    if constant == "Infinity":  # ccxt's dumps: no bound
        assert parse_json(f'[1, {constant}]', "t.json", constants={"Infinity": None}) == [1, None]


def test_duplicate_keys_in_json_are_refused_at_the_second():
    with pytest.raises(DocumentError) as info:
        parse_json('{"a": {"b": 1,\n  "b": 2}}', "t.json")
    [problem] = info.value.diagnostics
    assert (problem.code, problem.line, problem.col, problem.json_path) == ("MV101", 2, 3, "$.a.b")
    assert "first on line 1" in problem.message


@pytest.mark.parametrize("depth, refused", [(64, False), (65, True), (10_000, True)])
def test_nesting_is_limited_and_located_without_recursion(depth, refused):
    text = "[" * depth + "1" + "]" * depth
    if not refused:
        parse_json(text, "t.json")
        return
    with pytest.raises(DocumentError) as info:
        parse_json(text, "t.json")
    [problem] = info.value.diagnostics
    assert (problem.code, problem.line, problem.col) == ("MV103", 1, 66) and problem.json_path == "$" + "[0]" * 65


def test_a_byte_order_mark_and_invalid_utf8_are_named_and_located():
    bom = pytest.raises(DocumentError, decode, b"\xef\xbb\xbf{}", "t.json").value.diagnostics[0]
    assert (bom.code, bom.line, bom.col) == ("MV108", 1, 1) and "byte-order mark" in bom.message
    bad = pytest.raises(DocumentError, decode, "{\n \"é\": \"x\xff\"}".encode("latin-1").replace(
        "é".encode("latin-1"), "é".encode()), "t.json").value.diagnostics[0]
    assert (bad.code, bad.line, bad.col) == ("MV109", 2, 9) and "0xff" in bad.message  # characters, not bytes


def test_size_is_limited_before_reading_the_whole_file(tmp_path):
    path = tmp_path / "big.json"
    with open(path, "wb") as handle:
        handle.write(b"[")
        handle.seek(MAX_FILE_BYTES + 10)
        handle.write(b"]")
    assert pytest.raises(DocumentError, read_file, path, number=Decimal).value.diagnostics[0].code == "MV104"


@pytest.mark.parametrize("name, text, expected", [
    ("a.json", "a: 1", "json"), ("a.JSON", "{}", "json"), ("a.jsonl", "{}", "json"), ("a.yaml", "{}", "yaml"),
    ("a.yml", "[1]", "yaml"), ("account", "\n  {\"a\": 1}", "json"), ("account", "a: 1", "yaml"),
])
def test_the_format_is_decided_once_by_suffix_or_first_character(name, text, expected):
    assert format_of(name, text) == expected


@pytest.mark.parametrize("text", ['{"marginMode": "cross", "positions": [],}', "{marginMode: cross}",
                                  '[{"a": NaN}]', '{"a": 1} x'])
def test_a_broken_json_file_is_refused_as_broken_json_not_read_as_yaml(tmp_path, text):
    path = tmp_path / "account.json"
    path.write_text(text)
    problem = pytest.raises(DocumentError, read_file, path, number=Decimal).value.diagnostics[0]
    assert problem.code in ("MV100", "MV105") and problem.line >= 1
    assert problem.code == "MV105" or problem.message.startswith("JSON syntax error")


def test_exact_reads_every_kind_of_number_exactly():
    assert exact(Decimal("0.1")) == exact("0.1") == exact(0.1) == Fraction(1, 10)
    assert exact(" 2.50 ") == Fraction(5, 2) and exact(7) == 7 and exact(Fraction(1, 3)) == Fraction(1, 3)
    for bad in (True, None, "abc", "1_000", "", "0x10", [1], {"a": 1}):
        assert pytest.raises(NumberError, exact, bad).value.limit is None
    assert pytest.raises(NumberError, exact, float("nan")).value.limit == "MV105"
    assert pytest.raises(NumberError, exact, 10 ** MAX_DIGITS).value.limit == "MV107"
    assert exact(10 ** MAX_DIGITS - 1) == 10 ** MAX_DIGITS - 1


def test_json_numbers_are_exact_and_the_document_is_located_only_when_asked():
    document = json_document('{"a": 0.1,\n "b": [1e-5]}', "t.json")
    assert document.data == {"a": Decimal("0.1"), "b": [Decimal("1e-5")]}
    assert document._positions is None  # nothing laid out yet
    assert document.diagnostic("MV602", "x", ("b", 0)).render() == "t.json:2:8: error[MV602]: x (at $.b[0])"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10 ** 20, 10 ** 20) | st.text(st.characters(
        blacklist_categories=("Cs", "Cc")), max_size=8) | st.decimals(allow_nan=False, allow_infinity=False,
                                                                     places=4).map(float),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(st.characters(
        blacklist_categories=("Cs", "Cc")), max_size=6), children, max_size=4),
    max_leaves=25)


@given(json_values, st.sampled_from([None, 1, 2]))
def test_json_positions_are_the_ones_the_yaml_reader_finds(value, indent):
    """Two independent readers of the same text agree on where every value and key is."""
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    positions, keys, problems = json_layout(text, "t.json")
    assert problems == []
    try:
        document = read_document(text, "t.json")
    except DocumentError:
        return  # YAML refuses some JSON (a key of special characters): nothing to compare
    assert positions == document.positions
    assert keys == document.key_positions


def test_a_json_lines_file_is_read_line_by_line_under_the_same_limits(tmp_path):
    from verifier.read import load_rule
    from verifier.read.positions_file import read_lines

    good = '[{"symbol": "BTC/USDT:USDT", "contracts": 0, "side": "long", "marginMode": "cross", "info": {}}]'
    lines = [good, '[{"id": ' + "9" * 10_000 + "}]", good, '{"a": 1, "a": 2}']
    path = tmp_path / "accounts.jsonl"
    path.write_text("\n".join(lines) + "\n")
    results = list(read_lines(load_rule("binance/usdm-perpetual"), path))
    assert [number for number, _ in results] == [1, 2, 3, 4]
    assert not isinstance(results[0][1], Exception) and not isinstance(results[2][1], Exception)
    big, duplicate = results[1][1].diagnostics[0], results[3][1].diagnostics[0]
    assert (big.code, big.line, big.col, big.json_path) == ("MV107", 2, 9, "$[0].id")
    assert (duplicate.code, duplicate.line, duplicate.col) == ("MV101", 4, 10)


def test_a_json_line_cut_short_is_located_on_its_own_line(tmp_path):
    from verifier.read import load_rule
    from verifier.read.positions_file import read_lines

    path = tmp_path / "accounts.jsonl"
    path.write_bytes(b'[]\r\n{"positions": [\r\n[]\n')  # the error is at the end of line 2, not on line 3
    [(_, first), (number, cut), (_, last)] = read_lines(load_rule("binance/usdm-perpetual"), path)
    diagnostic = cut.diagnostics[0]
    assert (number, diagnostic.code, diagnostic.line, diagnostic.col) == (2, "MV100", 2, 16)
    assert not isinstance(first, Exception) and not isinstance(last, Exception)


@given(st.integers(-10**19, 10**19), st.integers(0, 25), st.integers(-99, 99), st.sampled_from(["", " ", "\t"]),
       st.booleans(), st.booleans())
def test_exact_reads_a_numeral_as_fraction_reads_it(digits, shift, power, space, exponent, plus):
    """exact() parses a decimal numeral (through Decimal, for speed) to the very value Fraction(text) reads."""
    from verifier.read.inputs import exact

    text = str(abs(digits)).rjust(shift + 1, "0")
    text = (text[:-shift] + "." + text[-shift:]) if shift else text
    text = ("-" if digits < 0 else "+" if plus else "") + text + (f"e{power}" if exponent else "")
    try:
        value = exact(space + text + space)
    except NumberError:
        return  # beyond the limits: refused as before
    assert value == Fraction(text) and (value.numerator, value.denominator) == (Fraction(text).numerator,
                                                                                Fraction(text).denominator)


def test_exact_refuses_a_numeral_without_digits_before_its_exponent_as_fraction_does():
    """'E0' passes the numeral pattern (its only digit is the exponent's): Fraction refuses it with a ValueError,
    which the readers turn into their located refusal; the faster Decimal parse must not raise anything else."""
    from verifier.read.inputs import exact

    with pytest.raises(ValueError):
        exact("E0")


@given(st.text("0123456789", min_size=1, max_size=110), st.text("0123456789", max_size=60), st.booleans(),
       st.booleans())
def test_the_plain_decimal_shortcut_reads_and_refuses_as_the_full_reading(whole, fraction, negative, point):
    """exact()'s shortcut for a plain decimal string (issue 26: a ccxt export holds thousands) gives what the full
    reading gives -- the same Fraction, or the same refusal past a limit -- whatever the length (around MAX_DIGITS)."""
    import re

    from verifier.read import inputs

    text = ("-" if negative else "") + whole + ("." + fraction if point and fraction else "")

    def read():
        try:
            value = inputs.exact(text)
            return value, value.numerator, value.denominator
        except NumberError as exc:
            return exc.reason, exc.limit

    shortcut = read()
    plain, inputs._PLAIN_DECIMAL = inputs._PLAIN_DECIMAL, re.compile(r"(?!)")  # matches nothing: the full reading
    try:
        assert read() == shortcut
    finally:
        inputs._PLAIN_DECIMAL = plain


@given(st.decimals(allow_nan=False, allow_infinity=False), st.integers(-130, 130))
def test_a_decimal_is_read_as_its_text_is(value, power):
    """exact() of a finite Decimal (as the JSON reader gives numbers: its short-text shortcut included) reads and
    refuses as exact() of its text does, within and beyond the digits' and the exponent's limits."""
    value = value.scaleb(power)
    try:
        expected = exact(str(value))
    except NumberError as exc:
        expected = exc.limit or "refused"
    try:
        found = exact(value)
    except NumberError as exc:
        found = exc.limit or "refused"
    assert found == expected and (type(found) is not Fraction or found == Fraction(value))
