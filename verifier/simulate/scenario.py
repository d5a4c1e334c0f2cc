"""Scenario files: read and check them (located diagnostics), run them, compare with expectations.

A scenario names the rule and date it assumes, the accounts, and steps; each step may
move the clock (``at``), set mark prices (then every account is evaluated), run actions
(then every account is evaluated again) and state what must hold afterwards.

>>> from verifier.read import read_document
>>> doc = read_document("scenario: x\\ntitle: t\\nrule: binance/usdm-perpetual\\ndate: 2024-01-01\\n"
...                     "accounts: [{id: A, user: a, kind: cros}]\\nsteps: [{label: s}]\\n", "s.yaml")
>>> [d.render() for d in check_scenario(doc).diagnostics]
["s.yaml:5:35: error[MV204]: the text 'cros' is not one of 'cross', 'isolated' (at $.accounts[0].kind); hint: did you mean 'cross'?"]
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from verifier.errors import EvaluationError, SpecError, VerifierError
from verifier.read import CheckResult, DocumentError, load_rule, read_file
from verifier.read._schema import schema_diagnostics
from verifier.simulate.binding import BindingError, SimRule
from verifier.simulate.engine import CARRIED, Refused, Simulator
from verifier.simulate.events import decimal_text

VERBS = ("deposit", "withdraw", "borrow", "repay", "transfer", "add_margin", "remove_margin", "buy", "sell", "trade",
         "close", "place_order", "cancel_order", "set_margin_mode", "set_position_mode")


@dataclass
class Scenario:
    """A checked scenario, ready to run."""

    doc: object
    rule: SimRule
    data: dict

    @property
    def file(self) -> str:
        return self.doc.file


@dataclass
class Failure:
    """An expectation that did not hold."""

    step: str
    account: str
    what: str
    expected: object
    actual: object
    line: int = 0

    def render(self, file: str) -> str:
        return (f"{file}:{self.line}: step {self.step!r}, account {self.account}: {self.what} expected "
                f"{self.expected}, got {self.actual}")


@dataclass
class Run:
    """What running a scenario produced: one row per step, and the failures."""

    scenario: Scenario
    simulator: Simulator
    rows: list = field(default_factory=list)
    failures: list = field(default_factory=list)


def _rule_reference(doc) -> str | Path:
    text = doc.data["rule"]
    beside = Path(doc.file).parent / text
    return beside if beside.is_file() else text


def check_scenario(doc) -> CheckResult:
    """Check a scenario document: schema, then the rule, date, parameters, inputs and account references."""
    result = CheckResult(doc.file, "scenario")
    if not isinstance(doc.data, dict):
        result.diagnostics.append(doc.diagnostic("MV203", "a scenario file must be a mapping of keys to values", ()))
        return result
    result.diagnostics = schema_diagnostics(doc, "scenario")
    if result.diagnostics:
        return result
    _, problems = build_scenario(doc)
    result.diagnostics = problems
    return result


def build_scenario(doc) -> tuple[Scenario | None, list]:
    """The :class:`Scenario` and the list of problems (the scenario is None when there are any)."""
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
        overrides[name] = (spec["value"], tuple(spec["modes"]) if "modes" in spec else None)
    symbols = {n for m in rule.modes.values() for n in m.symbols}
    for name in data.get("inputs", {}):
        if name not in symbols:
            error("MV705", f"rule {rule.id} has no symbol {name!r}", ("inputs", name))
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
    crosses = {}
    for i, acc in enumerate(data["accounts"]):
        if acc["kind"] == "cross":
            if acc["user"] in crosses:
                error("MV708", f"user {acc['user']!r} has a second cross account (a user has one)", ("accounts", i))
            crosses[acc["user"]] = acc["id"]
    users = {a["user"] for a in data["accounts"]}
    orders = set()
    for s, step in enumerate(data["steps"]):
        for a, action in enumerate(step.get("actions", [])):
            verbs = [k for k in action if k in VERBS]
            if len(verbs) != 1:
                error("MV709", f"an action names exactly one of {', '.join(VERBS)}; this one names "
                      f"{len(verbs) or 'none'}", ("steps", s, "actions", a))
                continue
            args = action[verbs[0]]
            for key in ("account", "from", "to"):
                if key in args and args[key] not in accounts:
                    error("MV710", f"no account {args[key]!r}", ("steps", s, "actions", a, verbs[0], key),
                          hint="accounts: " + ", ".join(accounts))
            if "user" in args and args["user"] not in users:
                error("MV710", f"no user {args['user']!r}", ("steps", s, "actions", a, verbs[0], "user"))
            if verbs[0] in ("add_margin", "remove_margin") and args["account"] in accounts:
                acc = accounts[args["account"]]
                if acc["kind"] != "isolated" or acc["user"] not in crosses:
                    error("MV711", f"{verbs[0]} needs an isolated account whose user has a cross account",
                          ("steps", s, "actions", a, verbs[0], "account"))
            if verbs[0] == "place_order":
                orders.add(args["id"])
        for name in step.get("expect", {}):
            if name not in accounts:
                error("MV710", f"no account {name!r}", ("steps", s, "expect", name),
                      hint="accounts: " + ", ".join(accounts))
        if "at" in step:
            try:
                _dt.datetime.fromisoformat(step["at"])
            except ValueError:
                error("MV701", f"{step['at']!r} is not a date and time", ("steps", s, "at"))
    if problems:
        return None, problems
    try:
        sim_rule = SimRule(rule, date, overrides, data.get("inputs", {}))
    except EvaluationError as exc:
        error("MV712", f"{exc} (the scenario's date is {date})", ("date",),
              hint="pick a later date or state the value under 'parameters'")
        return None, problems
    except (BindingError, ValueError) as exc:
        error("MV713", f"rule {rule.id} cannot drive the simulator: {exc}", ("rule",))
        return None, problems
    for i, acc in enumerate(data["accounts"]):
        try:
            mode = sim_rule.mode(acc["mode"]) if "mode" in acc else sim_rule.default_mode(acc["kind"])
        except BindingError as exc:
            error("MV713", str(exc), ("accounts", i))
            continue
        if mode.account != acc["kind"]:
            error("MV714", f"mode {mode.name!r} is for {mode.account} accounts", ("accounts", i, "mode"))
    return (None if problems else Scenario(doc, sim_rule, data)), problems


def load_scenario(path) -> Scenario:
    """Read and check a scenario file; raise :class:`SpecError` with located diagnostics."""
    try:
        doc = read_file(path)
    except DocumentError as exc:
        raise SpecError(f"{path}: cannot be read", exc.diagnostics) from None
    result = check_scenario(doc)
    if result.diagnostics:
        raise SpecError(f"{path}: {len(result.diagnostics)} problem(s)", result.diagnostics)
    return build_scenario(doc)[0]


def _apply(sim: Simulator, verb: str, args: dict) -> None:
    if verb in ("deposit", "withdraw", "borrow", "repay"):
        getattr(sim, verb)(args["account"], args["asset"], args["amount"])
    elif verb == "transfer":
        sim.transfer(args["from"], args["to"], args["asset"], args["amount"])
    elif verb in ("add_margin", "remove_margin"):
        account = sim.accounts[args["account"]]
        cross = sim.users[account.user].cross
        source, target = (cross, account.id) if verb == "add_margin" else (account.id, cross)
        sim.transfer(source, target, args["asset"], args["amount"])
    elif verb in ("buy", "sell"):
        getattr(sim, verb)(args["account"], args["market"], args["amount"])
    elif verb == "trade":
        carried = {k: args[k] for k in CARRIED if k in args}
        sim.trade(args["account"], args["market"], args["side"], args["amount"], args.get("position_side"),
                  carried or None)
    elif verb == "close":
        sim.close(args["account"], args["market"], args.get("position_side"))
    elif verb == "place_order":
        sim.place_order(args["id"], args["account"], args["market"], args["side"], args["amount"], args["price"])
    elif verb == "cancel_order":
        sim.cancel_order(args["id"])
    elif verb == "set_margin_mode":
        sim.set_margin_mode(args["user"], args["market"], args["mode"])
    elif verb == "set_position_mode":
        sim.set_position_mode(args["user"], args["mode"])


def account_cell(sim: Simulator, account, events) -> dict:
    """One account after one step, as data (decimals as strings)."""
    return {"id": account.id, "mode": account.mode, "kind": account.kind,
            "marginLevel": decimal_text(account.margin_level, 12),
            "marginLevelExact": decimal_text(account.margin_level), "status": account.status,
            "equity": decimal_text(sim.equity(account)), "loss": decimal_text(account.allocated - sim.equity(account)),
            "balances": {a: decimal_text(v) for a, v in sorted(account.cash.items()) if v},
            "debts": {a: decimal_text(account.debt[a] + account.interest[a])
                      for a in sorted(set(account.debt) | set(account.interest)) if account.debt[a] + account.interest[a]},
            "positions": len(account.positions),
            "events": [e.to_json() for e in events if e.account == account.id]}


def run_scenario(scenario: Scenario, *, debug: bool = True) -> Run:
    """Run every step; collect rows (see :func:`account_cell`) and expectation failures. Never raises on refusals."""
    data, doc = scenario.data, scenario.doc
    sim = Simulator(scenario.rule, quote=data.get("quote", "USDT"), debug=debug)
    for acc in data["accounts"]:
        sim.add_account(acc["id"], acc["user"], acc["kind"], market=acc.get("market"), mode=acc.get("mode"),
                        position_side=acc.get("position_side"))
    run = Run(scenario, sim)
    for s, step in enumerate(data["steps"]):
        sim.step = s + 1
        first_event = len(sim.events)
        label = step["label"]
        try:
            if "at" in step:
                sim.advance(_dt.datetime.fromisoformat(step["at"]))
            if "prices" in step:
                sim.set_prices(step["prices"])
        except Refused as exc:
            run.failures.append(Failure(label, "-", "step", "to run", f"refused: {exc}", doc.position(("steps", s))[0]))
        for a, action in enumerate(step.get("actions", [])):
            verb = next(k for k in action if k in VERBS)
            expected = action.get("refused")
            line = doc.position(("steps", s, "actions", a))[0]
            who = action[verb].get("account") or action[verb].get("from") or action[verb].get("user") or "-"
            try:
                _apply(sim, verb, action[verb])
            except Refused as exc:
                sim._log(who, "refused", f"{verb}: {exc}")
                if not expected or (isinstance(expected, str) and expected.lower() not in str(exc).lower()):
                    run.failures.append(Failure(label, who, f"{verb}", "to succeed" if not expected
                                                else f"refusal mentioning {expected!r}", f"refused: {exc}", line))
                continue
            if expected:
                run.failures.append(Failure(label, who, verb, "a refusal", "it succeeded", line))
        sim.evaluate_all()
        sim.check_conservation()
        events = sim.events[first_event:]
        cells = [account_cell(sim, acc, events) for acc in sim.accounts.values()]
        run.rows.append({"label": label, "at": step.get("at"),
                         "prices": {k: decimal_text(v) for k, v in step.get("prices", {}).items()},
                         "accounts": cells,
                         "events": [e.to_json() for e in events]})
        for name, expect in step.get("expect", {}).items():
            cell = next(c for c in cells if c["id"] == name)
            line = doc.position(("steps", s, "expect", name))[0]
            run.failures.extend(_compare(label, name, expect, cell, line))
    return run


def _compare(label, name, expect, cell, line) -> list:
    out = []

    def differ(what, want, got):
        out.append(Failure(label, name, what, want, got, line))

    for key in ("marginLevel", "equity", "loss"):
        if key in expect:
            want = expect[key]
            want_text = "inf" if want == "inf" else decimal_text(want)
            got = cell["marginLevelExact"] if key == "marginLevel" else cell[key]
            if want_text != got:
                differ(key, want_text, got)
    for key in ("status", "positions"):
        if key in expect and expect[key] != cell[key]:
            differ(key, expect[key], cell[key])
    for key in ("balances", "debts"):
        for asset, want in expect.get(key, {}).items():
            got = cell[key].get(asset, "0")
            if decimal_text(want) != got:
                differ(f"{key}.{asset}", decimal_text(want), got)
    kinds = {e["kind"] for e in cell["events"]}
    for kind in expect.get("events", []):
        if kind not in kinds:
            differ("events", kind, ", ".join(sorted(kinds)) or "none")
    return out


def simulate_file(path, *, debug: bool = True) -> Run:
    """Load, check and run a scenario file."""
    return run_scenario(load_scenario(path), debug=debug)


__all__ = ["Failure", "Run", "Scenario", "VerifierError", "build_scenario", "check_scenario", "load_scenario",
           "run_scenario", "simulate_file"]
