"""Scenario files: read, check against the schema and the rule, build a :class:`~verifier.model.scenario.Scenario`.

Every problem is a located diagnostic (MV2xx schema, MV7xx meaning); a file is reported whole.  Whether the
simulator can drive the rule on the scenario's date is the simulate stage's to say
(:func:`verifier.simulate.bind`), and the ``check`` job asks it.

>>> from verifier.read import read_document
>>> doc = read_document("scenario: x\\ntitle: t\\nrule: binance/usdm-perpetual\\ndate: 2024-01-01\\n"
...                     "accounts: [{id: A, user: a, kind: cros}]\\nsteps: [{label: s}]\\n", "s.yaml")
>>> [d.render() for d in check_scenario(doc)[1]]
["s.yaml:5:35: error[MV204]: the text 'cros' is not one of 'cross', 'isolated' (at $.accounts[0].kind); hint: did you mean 'cross'?"]
>>> scenario = load_scenario("scenarios/binance-margin-cross-vs-isolated.yaml")
>>> scenario.rule.id, scenario.date, [a.id for a in scenario.accounts], scenario.steps[2].prices
('binance/spot-margin', datetime.date(2026, 11, 21), ['A', 'B-ETHUSDT', 'B-BCHUSDT'], {'ETH': Fraction(220, 1), 'BCH': Fraction(120, 1)})
"""

from __future__ import annotations

import datetime as _dt
from fractions import Fraction
from pathlib import Path

from verifier.errors import SpecError
from verifier.model.rule import Source
from verifier.model.scenario import VERBS, AccountSpec, Action, Expectation, Override, Scenario, Step
from verifier.read.loader import load_rule
from verifier.read._schema import schema_diagnostics
from verifier.read._yaml import DocumentError, read_file
from verifier.read.kinds import wrong_kind
from verifier.read.paths import is_file

_QUOTE = "USDT"
"""The quote a scenario's prices are in unless it says (or, for a unified account, its rule says: the currency its
``ccxt: balances: quote:`` values every coin in, a stablecoin too, as the unified catalogs list each coin COIN/USD)."""

MONEY = ("amount", "price") + ("leverage", "takerFeeRate", "maintenanceMarginPercentage", "maintenanceAmount",
                               "maintenanceMargin", "notional")
"""Action arguments that are numbers."""


def load_scenario(path) -> Scenario:
    """Read and check a scenario file; raise :class:`SpecError` with every located diagnostic."""
    try:
        doc = read_file(path)
    except DocumentError as exc:
        raise SpecError(f"{path}: cannot be read", exc.diagnostics) from None
    scenario, problems = check_scenario(doc)
    if problems:
        raise SpecError(f"{path}: {len(problems)} problem(s)", problems)
    return scenario


def check_scenario(doc) -> tuple[Scenario | None, list]:
    """The scenario of a read document and its problems (schema first; the scenario is None if there are any)."""
    if not isinstance(doc.data, dict):
        return None, [doc.diagnostic("MV203", "a scenario file must be a mapping of keys to values", ())]
    other = wrong_kind(doc, "scenario", "MV202", "a scenario file has 'scenario:', 'rule:', 'accounts:' and "
                                                "'steps:' (see scenarios/); `check` reads files of any kind")
    if other is not None:
        return None, [other]
    problems = schema_diagnostics(doc, "scenario")
    if problems:
        return None, problems
    return _build(doc)


def _rule_reference(doc) -> str | Path:
    text = doc.data["rule"]
    beside = Path(doc.file).parent / text
    return beside if is_file(beside) else text


def _build(doc) -> tuple[Scenario | None, list]:
    data, problems = doc.data, []

    def error(code, message, path, hint=None):
        problems.append(doc.diagnostic(code, message, path, hint=hint))

    try:
        rule = load_rule(_rule_reference(doc))
    except SpecError as exc:
        first = exc.diagnostics[0].render() if exc.diagnostics else str(exc)
        error("MV700", f"the rule {data['rule']!r} cannot be loaded", ("rule",), hint=first)
        return None, problems
    try:
        date = _dt.date.fromisoformat(data["date"])
    except ValueError:
        error("MV701", f"{data['date']!r} is not a calendar date", ("date",))
        return None, problems
    overrides = _overrides(data, rule, error)
    symbols = {n for m in rule.modes.values() for n in m.symbols}
    for name in data.get("inputs", {}):
        if name not in symbols:
            error("MV705", f"rule {rule.id} has no symbol {name!r}", ("inputs", name))
    accounts = _accounts(data, rule, error)
    steps = tuple(_step(s, step, accounts, error) for s, step in enumerate(data["steps"]))
    if problems:
        return None, problems
    inputs = {name: ({k: Fraction(v) for k, v in value.items()} if isinstance(value, dict) else Fraction(value))
              for name, value in data.get("inputs", {}).items()}
    specs = tuple(AccountSpec(a["id"], a["user"], a["kind"], a.get("market"), a.get("mode"), a.get("position_side"))
                  for a in data["accounts"])
    return Scenario(data["scenario"], data["title"], rule, date, specs, steps,
                    quote=data.get("quote", _default_quote(rule)),
                    description=data.get("description"), rule_ref=data["rule"], overrides=overrides,
                    sources={key: Source(key, **value) for key, value in data.get("sources", {}).items()},
                    inputs=inputs, file=doc.file, document=doc), problems


def _default_quote(rule) -> str:
    """A scenario's quote when it names none: a unified rule's valuation currency, else :data:`_QUOTE`."""
    balances = getattr(rule.ccxt, "balances", None) if rule.product.unified and rule.ccxt is not None else None
    return getattr(balances, "quote", None) or _QUOTE


def _overrides(data, rule, error) -> dict:
    params = {n for m in rule.modes.values() for n in m.parameters}
    overrides = {}
    for name, spec in data.get("parameters", {}).items():
        if name not in params:
            error("MV702", f"rule {rule.id} has no parameter {name!r}", ("parameters", name),
                  hint="its parameters: " + ", ".join(sorted(params)))
            continue
        for i, mode in enumerate(spec.get("modes", [])):
            if mode not in rule.modes:
                error("MV703", f"rule {rule.id} has no mode {mode!r}", ("parameters", name, "modes", i))
        if spec["source"] not in data.get("sources", {}) and spec["source"] not in rule.sources:
            error("MV704", f"source {spec['source']!r} is not under 'sources' here or in the rule",
                  ("parameters", name, "source"))
        overrides[name] = Override(Fraction(spec["value"]), tuple(spec["modes"]) if "modes" in spec else None,
                                   spec["source"], spec.get("note"), spec.get("effective"))
    return overrides


def _accounts(data, rule, error) -> dict:
    accounts = {}
    for i, acc in enumerate(data["accounts"]):
        if acc["id"] in accounts:
            error("MV706", f"account id {acc['id']!r} is used twice", ("accounts", i, "id"))
        accounts[acc["id"]] = acc
        if acc["kind"] == "isolated" and "market" not in acc:
            error("MV707", "an isolated account needs the 'market' it belongs to", ("accounts", i))
        if "mode" in acc and acc["mode"] not in rule.modes:
            error("MV703", f"rule {rule.id} has no mode {acc['mode']!r}", ("accounts", i, "mode"),
                  hint="its modes: " + ", ".join(rule.modes))
    crosses = set()
    for i, acc in enumerate(data["accounts"]):
        if acc["kind"] == "cross":
            if acc["user"] in crosses:
                error("MV708", f"user {acc['user']!r} has a second cross account (a user has one)", ("accounts", i))
            crosses.add(acc["user"])
    return accounts


def _step(s, step, accounts, error) -> Step:
    users = {a["user"] for a in accounts.values()}
    crosses = {a["user"] for a in accounts.values() if a["kind"] == "cross"}
    actions = []
    for a, action in enumerate(step.get("actions", [])):
        verbs = [k for k in action if k in VERBS]
        if len(verbs) != 1:
            error("MV709", f"an action names exactly one of {', '.join(VERBS)}; this one names "
                  f"{len(verbs) or 'none'}", ("steps", s, "actions", a))
            continue
        verb, args = verbs[0], action[verbs[0]]
        for key in ("account", "from", "to"):
            if key in args and args[key] not in accounts:
                error("MV710", f"no account {args[key]!r}", ("steps", s, "actions", a, verb, key),
                      hint="accounts: " + ", ".join(accounts))
        if "user" in args and args["user"] not in users:
            error("MV710", f"no user {args['user']!r}", ("steps", s, "actions", a, verb, "user"))
        if verb in ("add_margin", "remove_margin") and args["account"] in accounts:
            acc = accounts[args["account"]]
            if acc["kind"] != "isolated" or acc["user"] not in crosses:
                error("MV711", f"{verb} needs an isolated account whose user has a cross account",
                      ("steps", s, "actions", a, verb, "account"))
        values = {k: (Fraction(v) if k in MONEY else v) for k, v in args.items()}
        actions.append(Action(verb, values, action.get("refused") or None, action.get("note")))
    expect = []
    for name, want in step.get("expect", {}).items():
        if name not in accounts:
            error("MV710", f"no account {name!r}", ("steps", s, "expect", name),
                  hint="accounts: " + ", ".join(accounts))
        expect.append(Expectation(name, _expected(want)))
    at = None
    if "at" in step:
        try:
            at = _dt.datetime.fromisoformat(step["at"])
        except ValueError:
            error("MV701", f"{step['at']!r} is not a date and time", ("steps", s, "at"))
    prices = {k: Fraction(v) for k, v in step.get("prices", {}).items()}
    return Step(step["label"], at, prices, tuple(actions), tuple(expect), step.get("note"))


def _expected(want: dict) -> dict:
    out = {}
    for key, value in want.items():
        if key == "note":
            continue
        if key in ("equity", "loss") or key == "marginLevel" and value not in (None, "inf"):
            value = Fraction(value)
        elif key in ("balances", "debts"):
            value = {asset: Fraction(v) for asset, v in value.items()}
        elif key == "events":
            value = tuple(value)
        out[key] = value
    return out
