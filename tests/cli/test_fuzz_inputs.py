"""Hostile inputs through every verb's reading path (issue 24): Hypothesis mutates real inputs and the verbs read them.

The bases are real: the recorded ccxt exports and balance (tests/fixtures/ccxt_exports), the shipped example
accounts and price path (examples/compare), snapshots of tests/derive/snapshots, a shipped scenario, a recorded
tier dump.  Each case changes one or two things: a value dropped, retyped, made extreme or non-finite, a
10,000-digit integer, a key written twice or an element repeated, a value nested 10,000 deep, a foreign symbol, a
byte-order mark, a byte that is not UTF-8, a file cut short; or a command-line value.  The verbs run in this process
(:func:`verifier.cli.main.main`): evaluate, compare, simulate, import --check, check.

Every case must end in exit 2 with every diagnostic coded and located (:mod:`tests.cli.test_every_refusal_located`),
or exit 0 with output that parses and holds only finite numbers (exit 1 only where a verb means it: a scenario's
expectation that fails, an import that would change the catalog); never exit 3, never a traceback; the input files
unchanged (their hashes before and after).

Cases a run: ``FUZZ_EXAMPLES`` per family under the ci and dev profiles (derandomised, so ``make test`` is
deterministic), ten times that under ``thorough`` (randomised: the nightly run, ``HYPOTHESIS_PROFILE=thorough``),
or ``$MARGIN_VERIFIER_FUZZ_EXAMPLES``.  The outcome counts by family, verb and exit code are printed at the end of
the run (tests/conftest.py).
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import re
import tempfile
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli.test_bad_inputs import run
from tests.cli.test_every_refusal_located import assert_every_refusal_located
from verifier.model.numbers import exact_text
from verifier.read._yaml import read_file
from verifier.verify.profiles import load_profile_from_environment

ROOT = Path(__file__).resolve().parents[2]
EXPORTS = ROOT / "tests" / "fixtures" / "ccxt_exports"
PROFILE = load_profile_from_environment()
FUZZ_EXAMPLES = 40
EXAMPLES = int(os.environ.get("MARGIN_VERIFIER_FUZZ_EXAMPLES") or FUZZ_EXAMPLES * (10 if PROFILE == "thorough" else 1))
FUZZ = settings(max_examples=EXAMPLES, derandomize=PROFILE != "thorough", database=None, deadline=None,
                suppress_health_check=list(HealthCheck), print_blob=True)

OUTCOMES: Counter = Counter()
"""(family, verb, exit code) -> runs, and (family, 'cases') -> mutated inputs: printed at the end of the run."""


# --------------------------------------------------------------------------------------------- writing mutated data


class Raw:
    """A token written as it is (a number as the base wrote it, NaN, a 10,000-digit integer, deep nesting): its JSON
    text and its YAML text."""

    def __init__(self, json_text: str, yaml_text: str | None = None):
        self.json, self.yaml = json_text, yaml_text if yaml_text is not None else json_text

    def __repr__(self):
        return f"Raw({self.json[:20]!r})"

    def __deepcopy__(self, memo):
        return self


class Twice(dict):
    """An object whose key ``twice`` is written a second time, with ``value``."""

    twice: str = ""
    value: object = None


def dumps(value, yaml: bool = False, indent: int = 0) -> str:
    """JSON (or YAML flow, which JSON is) with one key or value a line, :class:`Raw` tokens as they are."""
    pad, inner = " " * indent, " " * (indent + 1)
    if isinstance(value, Raw):
        return value.yaml if yaml else value.json
    if isinstance(value, dict):
        items = list(value.items()) + ([(value.twice, value.value)] if isinstance(value, Twice) else [])
        if not items:
            return "{}"
        return "{\n" + ",\n".join(f"{inner}{json.dumps(k)}: {dumps(v, yaml, indent + 1)}" for k, v in items) + \
            f"\n{pad}}}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(inner + dumps(v, yaml, indent + 1) for v in value) + f"\n{pad}]"
    return json.dumps(value)


def from_json(text: str):
    """A base JSON file as data, its floats as written (a float re-written could change its digits)."""
    return json.loads(text, parse_float=Raw, parse_constant=Raw)


def from_yaml(path: Path):
    """A base YAML file as data (through our reader: exact numbers written back as exact decimals)."""
    def plain(value):
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, Fraction):
            return Raw(exact_text(value))
        return value
    return plain(read_file(path).data)


# --------------------------------------------------------------------------------------------- mutations

HUGE = Raw("9" * 10_000)
DEEP = Raw("[" * 10_000 + "]" * 10_000)
NON_FINITE = [Raw("NaN", ".nan"), Raw("Infinity", ".inf"), Raw("-Infinity", "-.inf")]
EXTREMES = [Raw("1e308"), Raw("-1e308"), Raw("1e-308"), Raw("1e100"), Raw("1e-100"), "1e400", "-1e-400", "1e100",
            "9" * 10_000, HUGE, 0, -1, "0", "-0.0001", "1" + "0" * 60, Raw("1" + "0" * 99), "0." + "0" * 60 + "1",
            10 ** 30, "1e-30"]
RETYPES = ["abc", "", None, True, False, [], {}, [1, 2], {"a": 1}, "1,000", "0x10", " ", "NaN", "Infinity", "12%"]
FOREIGN_SYMBOLS = ["FOO/USDT:USDT", "BTC/USD:BTC", "BTCUSDT", "BTC/USDT", "", "ETH/USDT:USDT", "BTC/USDT:USDT",
                   "SOL/USDC:USDC", "ETH/USDC:USDC", "BTC/USDT:USDT-260925", "x" * 300, "BTC/USDT:"]
WORDS = ["long", "short", "cross", "isolated", "hedge", "one-way", "BOTH", "LONG", "net", "x", "Cross"]
MUTATIONS = ("drop", "retype", "number", "non-finite", "huge", "twice", "deep", "symbol", "word")
BYTES = ("bom", "not-utf8", "cut")


def nodes(value, path=()):
    """Every path into ``value`` (the root included)."""
    yield path
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        yield from nodes(child, path + (key,))


def get(value, path):
    for key in path:
        value = value[key]
    return value


def put(data, path, new):
    if not path:
        return new
    get(data, path[:-1])[path[-1]] = new
    return data


def numeric(value) -> bool:
    if isinstance(value, Raw):
        return value.json[:1] in "-0123456789"
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and bool(re.fullmatch(r"\s*[-+]?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?\s*", value))


@st.composite
def mutated(draw, base):
    """``base`` changed once or twice (data), and what was done (for the failure report)."""
    data, done = copy.deepcopy(base), []
    for _ in range(draw(st.integers(1, 2))):
        paths = list(nodes(data))
        kind = draw(st.sampled_from(MUTATIONS))
        if kind == "symbol":
            paths = [p for p in paths if p and p[-1] == "symbol"] or paths
        elif kind == "number":
            paths = [p for p in paths if numeric(get(data, p))] or paths
        elif kind == "word":
            paths = [p for p in paths if isinstance(get(data, p), str)] or paths
        elif kind == "twice":
            paths = [p for p in paths if isinstance(get(data, p), (dict, list)) and get(data, p)] or paths
        path = draw(st.sampled_from(paths))
        node = get(data, path)
        if kind == "drop" and path:
            parent = get(data, path[:-1])
            del parent[path[-1]]
        elif kind == "twice" and isinstance(node, dict) and node:
            twice = Twice(node)
            twice.twice = draw(st.sampled_from(sorted(node)))
            twice.value = draw(st.sampled_from([copy.deepcopy(node[twice.twice]), "other", Raw("0")]))
            data = put(data, path, twice)
        elif kind == "twice" and isinstance(node, list) and node:
            node.append(copy.deepcopy(draw(st.sampled_from(node))))
        elif kind in ("symbol", "word"):
            data = put(data, path, draw(st.sampled_from(FOREIGN_SYMBOLS if kind == "symbol" else WORDS)))
        elif kind == "huge" and isinstance(node, dict):
            node["zz"] = HUGE
        else:
            table = {"retype": RETYPES, "number": EXTREMES, "non-finite": NON_FINITE, "huge": [HUGE], "deep": [DEEP],
                     "drop": RETYPES, "twice": RETYPES, "symbol": FOREIGN_SYMBOLS, "word": WORDS}[kind]
            data = put(data, path, copy.deepcopy(draw(st.sampled_from(table))))
        done.append((kind, path))
    return data, done


@st.composite
def file_bytes(draw, base, yaml=False):
    """A base's mutated text as bytes: its data changed (mostly), or its bytes (a BOM, a byte that is not UTF-8, a
    file cut short)."""
    if draw(st.integers(0, 9)) == 0:
        text = dumps(base, yaml).encode()
        kind = draw(st.sampled_from(BYTES))
        at = draw(st.integers(0, len(text)))
        return {"bom": b"\xef\xbb\xbf" + text, "not-utf8": text[:at] + b"\xff" + text[at:], "cut": text[:at]}[kind], \
            [(kind, at)]
    data, done = draw(mutated(base))
    return dumps(data, yaml).encode(), done


# --------------------------------------------------------------------------------------------- running and judging

ALLOWED = {"evaluate": {0, 2}, "compare": {0, 2}, "simulate": {0, 1, 2}, "check": {0, 1, 2}, "import": {0, 1, 2}}
"""Exit codes a verb may end with on mutated input: 1 only where it means a finding (a scenario's expectation, an
import that would change the catalog, a failed worked example); compare's 1 (simulator and closed forms disagree)
would be a bug, so it is not allowed here."""


def finite(value, where="$") -> None:
    """Every number in a JSON output is finite (json.loads reads NaN and Infinity as floats)."""
    if isinstance(value, float):
        assert math.isfinite(value), f"a non-finite number at {where}"
    elif isinstance(value, dict):
        for key, child in value.items():
            finite(child, f"{where}.{key}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            finite(child, f"{where}[{index}]")


def judge(family, argv, files, done) -> None:
    """Run one verb on the case's files; assert what the module says; count the outcome."""
    before = {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in files}
    code, out, err = run(argv)
    verb = argv[0]
    OUTCOMES[(family, verb, code)] += 1
    context = f"{' '.join(str(a)[:80] for a in argv)}\nmutations: {done}\nexit {code}\n{err[-2000:]}"
    assert "Traceback" not in err and "internal error" not in err, context
    allowed = ALLOWED[verb] | ({1} if "--tolerance" in argv or "--rtol" in argv else set())  # a tolerance failed
    assert code in allowed, context
    if code == 2:
        assert assert_every_refusal_located(err, context) >= 1, context
    elif code == 0 and "--format" in argv and argv[argv.index("--format") + 1] == "json":
        for line in (out.splitlines() if argv[2].endswith(".jsonl") else [out]):
            finite(json.loads(line))
    elif code == 1:
        assert err.strip() or out.strip(), context
    assert {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in files} == before, \
        f"an input was changed\n{context}"


def case(family, files: dict, commands, done) -> None:
    """Write the case's files (name -> bytes) in a new folder and run each command (``{name}``: that file)."""
    OUTCOMES[(family, "cases")] += 1
    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for name, content in files.items():
            paths[name] = Path(folder) / name
            paths[name].write_bytes(content)
        for argv in commands:
            judge(family, [str(paths[a[1:-1]]) if a.startswith("{") else a for a in argv], list(paths.values()),
                  done)


@pytest.fixture(autouse=True)
def quiet_caches(monkeypatch):
    """No cache entry for a mutated file (check's result cache, the derive cache); the repository as the folder."""
    monkeypatch.setenv("MARGIN_VERIFIER_NO_CACHE", "1")
    monkeypatch.chdir(ROOT)


# --------------------------------------------------------------------------------------------- the families

HYPERLIQUID = from_json((EXPORTS / "hyperliquid-cross-2024-10-10.json").read_text())
BINANCE = from_json((EXPORTS / "binance-usdm-cross-2024-07-28-1.json").read_text())
OKX = from_json((EXPORTS / "okx-inverse-isolated-2026-01-20.json").read_text())
POSITIONS = (EXPORTS / "binance-usdm-positions-2024-07-28.json").read_bytes()
BALANCE = from_json((EXPORTS / "binance-usdm-balance-2024-07-28.json").read_text())
SNAPSHOTS = [from_json((ROOT / "tests/derive/snapshots" / name).read_text())
             for name in ("official-cross.json", "hedge-cross.json")]
EXAMPLE_ACCOUNTS = [from_yaml(ROOT / "examples/compare" / name)
                    for name in ("futures-isolated-1000.yaml", "hedged-two-markets.yaml")]
HEDGED = (ROOT / "examples/compare/hedged-two-markets.yaml").read_bytes()
PATH = from_yaml(ROOT / "examples/compare/crash-path.yaml")
SCENARIO = from_yaml(ROOT / "scenarios/binance-futures-cross-vs-isolated.yaml")
TIERS = from_json((ROOT / "tests/fixtures/ccxt/bybit-linear-btcusdt-tiers-2026-11-21.json").read_text())
IMPORT = ["import", "bybit/linear-perpetual", "--source", "margin-parameters", "--retrieved", "2026-11-21", "--check",
          "--format", "json"]

EXPORT_RUNS = [  # (base, rule, evaluate's options, compare's options)
    (HYPERLIQUID, "hyperliquid/perpetual", ["--date", "2024-10-10"], ["--date", "2024-10-10"]),
    (BINANCE, "binance/usdm-perpetual", [], ["--allocate", "10"]),  # its positions give no leverage
    (OKX, "okx/inverse-swap", [], []),
]


@given(st.data())
@FUZZ
def _exports(data):
    base, rule, evaluate_options, compare_options = data.draw(st.sampled_from(EXPORT_RUNS))
    content, done = data.draw(file_bytes(base))
    case("ccxt export", {"export.json": content},
         [["evaluate", rule, "{export.json}", *evaluate_options, "--format", "json"],
          ["compare", rule, "{export.json}", *compare_options, "--format", "json"]], done)


@given(st.data())
@FUZZ
def _balances(data):
    content, done = data.draw(file_bytes(BALANCE))
    case("balance", {"positions.json": POSITIONS, "balance.json": content},
         [["evaluate", "binance/usdm-perpetual", "{positions.json}", "--balance", "{balance.json}", "--format",
           "json"]], done)


@given(st.data())
@FUZZ
def _snapshots(data):
    yaml = data.draw(st.booleans())
    base = data.draw(st.sampled_from(EXAMPLE_ACCOUNTS if yaml else SNAPSHOTS))
    content, done = data.draw(file_bytes(base, yaml))
    name = "account.yaml" if yaml else "account.json"
    allocate = [] if yaml else ["--allocate", "30%"]  # the JSON snapshots give no leverage for the default
    case("snapshot", {name: content},
         [["evaluate", "binance/usdm-perpetual", "{" + name + "}", "--format", "json"],
          ["compare", "binance/usdm-perpetual", "{" + name + "}", "--shock", "-10%", *allocate, "--format", "json"]],
         done)


@given(st.data())
@FUZZ
def _scenarios(data):
    content, done = data.draw(file_bytes(SCENARIO, yaml=True))
    case("scenario", {"scenario.yaml": content},
         [["simulate", "{scenario.yaml}", "--format", "json"], ["check", "{scenario.yaml}"]], done)


@given(st.data())
@FUZZ
def _price_paths(data):
    content, done = data.draw(file_bytes(PATH, yaml=True))
    case("price path", {"account.yaml": HEDGED, "path.yaml": content},
         [["compare", "binance/usdm-perpetual", "{account.yaml}", "--path", "{path.yaml}", "--format", "json"]], done)


@given(st.data())
@FUZZ
def _tier_dumps(data):
    content, done = data.draw(file_bytes(TIERS))
    case("tier dump", {"tiers.json": content}, [[*IMPORT, "--tiers", "{tiers.json}"]], done)


@given(st.data())
@FUZZ
def _json_lines(data):
    content, done = data.draw(file_bytes(HYPERLIQUID))
    line = json.dumps(json.loads((EXPORTS / "hyperliquid-cross-2024-10-10.json").read_text())).encode()
    flat = content.replace(b"\n", b" ") if done and done[0][0] not in BYTES else content
    case("json lines", {"accounts.jsonl": line + b"\n" + flat + b"\n" + line + b"\n"},
         [["evaluate", "hyperliquid/perpetual", "{accounts.jsonl}", "--date", "2024-10-10", "--format", "json"]], done)


OPTION_TEXT = st.one_of(
    st.sampled_from(["-10%", "ETH=-5%", "BTC=-5%,BTC=-6%", "-100%", "-99.9999%", "abc", "", " ", "1e400%",
                     "9" * 10_000 + "%", "-" + "9" * 10_000 + "%", "1e100", "0", "-1", "1000", "20%", "101%",
                     "BTC/USDT:USDT=1000", "FOO/USDT:USDT=1", "initial", "initial,initial", "9" * 10_000,
                     "2024-02-30", "1999-01-01", "NaN", "inf", "1_000", "0x10", "1e-400"]),
    st.text(st.sampled_from(list("0123456789.-+%eE=,BTC/USDT:")), max_size=24))


@given(st.data())
@FUZZ
def _command_line(data):
    option = data.draw(st.sampled_from(["--shock", "--allocate", "--date", "--tolerance", "--rtol",
                                        "--reference-notional", "--reference-leverage"]))
    value = data.draw(OPTION_TEXT)
    written = {"account.yaml": HEDGED, "tiers.json": (ROOT / "tests/fixtures/ccxt/"
                                                     "bybit-linear-btcusdt-tiers-2026-11-21.json").read_bytes()}
    if option in ("--shock", "--allocate", "--date"):
        argv = ["compare", "binance/usdm-perpetual", "{account.yaml}", option, value, "--format", "json"]
    elif option in ("--tolerance", "--rtol"):
        argv = ["evaluate", "hyperliquid/perpetual", str(EXPORTS / "hyperliquid-cross-2024-10-10.json"), "--date",
                "2024-10-10", option, value, "--format", "json"]
    else:
        argv = [*IMPORT, "--tiers", "{tiers.json}", option, value]
    case("command line", written, [argv], [(option, value[:30])])


FAMILIES = {"ccxt export": _exports, "balance": _balances, "snapshot": _snapshots, "scenario": _scenarios,
            "price path": _price_paths, "tier dump": _tier_dumps, "json lines": _json_lines,
            "command line": _command_line}


@pytest.mark.parametrize("family", list(FAMILIES))
def test_mutated_inputs_are_refused_located_or_read_never_a_crash(family, record_property):
    start = Counter(OUTCOMES)
    FAMILIES[family]()
    counts = {("cases" if key[1] == "cases" else f"{key[1]} exit {key[2]}"): n - start[key]
              for key, n in sorted(OUTCOMES.items(), key=str) if key[0] == family and n > start[key]}
    record_property("fuzz", json.dumps({"family": family, "counts": counts}))


@pytest.mark.parametrize("argv, base", [
    (["evaluate", "hyperliquid/perpetual", "{x.json}", "--date", "2024-10-10"], HYPERLIQUID),
    (["compare", "hyperliquid/perpetual", "{x.json}", "--date", "2024-10-10"], HYPERLIQUID),
    (["compare", "binance/usdm-perpetual", "{x.json}", "--allocate", "10"], BINANCE),
    (["evaluate", "okx/inverse-swap", "{x.json}"], OKX),
    (["compare", "okx/inverse-swap", "{x.json}"], OKX),
    (["evaluate", "binance/usdm-perpetual", str(EXPORTS / "binance-usdm-positions-2024-07-28.json"), "--balance",
      "{x.json}"], BALANCE),
    (["compare", "binance/usdm-perpetual", "{x.json}", "--shock", "-10%", "--allocate", "30%"], SNAPSHOTS[0]),
    (["compare", "binance/usdm-perpetual", "{x.json}", "--shock", "-10%", "--allocate", "30%"], SNAPSHOTS[1]),
    (["compare", "binance/usdm-perpetual", "{x.yaml}", "--shock", "-10%"], EXAMPLE_ACCOUNTS[0]),
    (["compare", "binance/usdm-perpetual", "{x.yaml}", "--shock", "-10%"], EXAMPLE_ACCOUNTS[1]),
    (["simulate", "{x.yaml}"], SCENARIO),
    (["check", "{x.yaml}"], SCENARIO),
    (["compare", "binance/usdm-perpetual", str(ROOT / "examples/compare/hedged-two-markets.yaml"), "--path",
      "{x.yaml}"], PATH),
    ([*IMPORT, "--tiers", "{x.json}"], TIERS),
], ids=lambda value: value[0] if isinstance(value, list) else "")
def test_every_base_is_read_as_it_is(argv, base, tmp_path, monkeypatch):
    """The bases, unchanged but written as the fuzz writes them, are accepted (import --check: 1 when the catalog
    lacks the data): so the refusals the fuzz sees are the mutations'."""
    monkeypatch.setenv("MARGIN_VERIFIER_NO_CACHE", "1")
    name = next(a[1:-1] for a in argv if a.startswith("{"))
    path = tmp_path / name
    path.write_bytes(dumps(base, yaml=name.endswith(".yaml")).encode())
    code, out, err = run([str(path) if a == "{" + name + "}" else a for a in argv])
    assert code in ({0, 1} if argv[0] == "import" else {0}), err
