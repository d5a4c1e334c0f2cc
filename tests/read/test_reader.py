"""The strict YAML/JSON reader: exact numbers, positions, refusals."""

from fractions import Fraction

import pytest

from verifier.read import DocumentError, read_document
from verifier.read._yaml import MAX_FILE_BYTES, read_file


def codes(text, name="t.yaml"):
    with pytest.raises(DocumentError) as info:
        read_document(text, name)
    return [d.code for d in info.value.diagnostics]


def test_numbers_are_exact():
    data = read_document("a: 0.1\nb: 1e-8\nc: -2.50\nd: 1_000\ne: 7\n").data
    assert data == {"a": Fraction(1, 10), "b": Fraction(1, 10**8), "c": Fraction(-5, 2), "d": 1000, "e": 7}
    assert all(not isinstance(v, float) for v in data.values())


def test_yaml_1_1_surprises_stay_text():
    data = read_document("a: yes\nb: on\nc: 2024-01-01\nd: 1:30\ne: '0.1'\n").data
    assert data == {"a": "yes", "b": "on", "c": "2024-01-01", "d": "1:30", "e": "0.1"}


def test_positions_are_one_based_line_and_column():
    doc = read_document("top:\n  inner: [1, 2]\n")
    assert doc.position(("top", "inner", 1)) == (2, 14)
    assert doc.key_position(("top", "inner")) == (2, 3)


@pytest.mark.parametrize("text,code", [
    ("a: 1\na: 2\n", "MV101"),
    ("a: !!python/object/apply:os.system [echo]\n", "MV102"),
    ("a: !custom 1\n", "MV102"),
    ("a: .inf\n", "MV105"),
    ("a: -.Inf\n", "MV105"),
    ("a: .NaN\n", "MV105"),
    ("a: 1e999999999\n", "MV105"),
    ("? [1, 2]\n: x\n", "MV106"),
    ("a: [1, 2\n", "MV100"),
    ("", "MV100"),
    ("a: 1\n---\nb: 2\n", "MV100"),
])
def test_refusals(text, code):
    assert code in codes(text)


def test_every_problem_in_a_file_is_reported():
    found = codes("a: 1\na: 2\nb: .nan\nc: !!binary aGk=\n")
    assert found.count("MV101") == 1 and "MV105" in found and "MV102" in found


def test_alias_bomb_is_refused_quickly():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}]"
              for i in range(1, 10)]
    assert "MV103" in codes("\n".join(lines) + "\n")


def test_oversized_file_is_refused_before_parsing(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: 1\n" + b"#" * (MAX_FILE_BYTES + 10))
    with pytest.raises(DocumentError) as info:
        read_file(big)
    assert info.value.diagnostics[0].code == "MV104"


def test_strict_json(tmp_path):
    path = tmp_path / "r.json"
    path.write_text('{"a": }')
    with pytest.raises(DocumentError) as info:
        read_file(path)
    assert info.value.diagnostics[0].code == "MV100" and info.value.diagnostics[0].line == 1
    path.write_text('{"a": 0.1, "b": {"c": [1, 2]}}')
    doc = read_file(path)
    assert doc.data == {"a": Fraction(1, 10), "b": {"c": [1, 2]}}
    assert doc.position(("b", "c", 1)) == (1, 27)


def test_not_utf8_is_a_located_error(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("a: caf\xe9\n".encode("latin-1"))
    with pytest.raises(DocumentError) as info:
        read_file(path)
    assert "UTF-8" in info.value.diagnostics[0].message
