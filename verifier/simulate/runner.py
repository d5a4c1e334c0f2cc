"""The one scenario runner: a :class:`~verifier.model.scenario.Scenario` in, a :class:`Run` out.

Each step moves the clock (``at``), sets mark prices (then every account is evaluated), runs its actions
(a refusal is an event, and a failure unless the action expects it) and is evaluated again; then the state of
every account is recorded and compared with the step's expectations.  Numbers stay Fractions: the report stage
writes them (:mod:`verifier.report.simulate`).

>>> from verifier.read import load_scenario
>>> run = run_scenario(load_scenario("scenarios/binance-margin-cross-vs-isolated.yaml"))
>>> run.failures, [(a.id, a.status, a.margin_level) for a in run.steps[-1].accounts][2]
([], ('B-BCHUSDT', 'liquidated', Fraction(3, 4)))
"""

from __future__ import annotations

import contextlib

from dataclasses import dataclass, field
from fractions import Fraction

from verifier.errors import EvaluationError
from verifier.model.scenario import Scenario
from verifier.simulate.binding import BindingError, SimRule, compiled_rule
from verifier.simulate.compiled import CompileError
from verifier.simulate.core import Refused, Simulator
from verifier.simulate.engine import engine_for, simulator_for


@dataclass(frozen=True)
class AccountState:
    """One account after one step (numbers are Fractions; a margin level may be ``inf`` or None)."""

    id: str
    mode: str
    kind: str
    status: str
    margin_level: object
    equity: Fraction
    loss: Fraction  # funds moved in minus equity
    balances: dict  # asset -> amount held (non-zero only)
    debts: dict  # asset -> principal plus interest owed (non-zero only)
    positions: tuple  # (market, position side, side, size) of each open futures position
    liquidations: int
    events: tuple  # this step's events of this account


@dataclass(frozen=True)
class Outcome:
    """What became of one action: ``refusal`` is None when it went through."""

    step: int  # 0-based index of the step
    index: int  # 0-based index of the action in its step
    verb: str
    who: str
    refusal: str | None


@dataclass
class StepResult:
    """One step of a run: its prices, every account afterwards, its events and what each action did."""

    label: str
    at: object
    prices: dict
    accounts: list
    events: list
    outcomes: list


@dataclass
class Failure:
    """An expectation that did not hold; ``expected``/``actual`` are values (Fractions, text, counts)."""

    step: str
    account: str
    what: str
    expected: object
    actual: object
    line: int = 0


@dataclass
class Run:
    """What running a scenario produced: one :class:`StepResult` per step, and the failures."""

    scenario: Scenario
    simulator: Simulator
    steps: list = field(default_factory=list)
    failures: list = field(default_factory=list)

    @property
    def outcomes(self) -> list:
        return [o for step in self.steps for o in step.outcomes]


def bind(scenario: Scenario) -> SimRule:
    """The scenario's rule compiled for its date, parameter overrides and inputs; every account's mode checked.

    Raises :class:`BindingError` carrying diagnostics located in the scenario file (MV712-MV714).
    """
    problems = []
    overrides = {name: (o.value, o.modes) for name, o in scenario.overrides.items()}
    try:
        sim_rule = compiled_rule(scenario.rule, scenario.date, overrides, scenario.inputs)
    except EvaluationError as exc:
        raise _binding_error([scenario.diagnostic(
            "MV712", f"{exc} (the scenario's date is {scenario.date})", ("date",),
            hint="pick a later date or state the value under 'parameters'")]) from None
    except (BindingError, CompileError) as exc:
        raise _binding_error([scenario.diagnostic(
            "MV713", f"rule {scenario.rule.id} cannot drive the simulator: {exc}", ("rule",))]) from None
    try:
        engine_for(scenario.rule).check_rule(sim_rule)
    except BindingError as exc:
        raise _binding_error([scenario.diagnostic(
            "MV713", f"rule {scenario.rule.id} cannot drive the simulator: {exc}", ("rule",))]) from None
    for i, acc in enumerate(scenario.accounts):
        try:
            mode = sim_rule.mode(acc.mode) if acc.mode else sim_rule.default_mode(acc.kind)
        except BindingError as exc:
            problems.append(scenario.diagnostic("MV713", str(exc), ("accounts", i)))
            continue
        if mode.account != acc.kind:
            problems.append(scenario.diagnostic("MV714", f"mode {mode.name!r} is for {mode.account} accounts",
                                                ("accounts", i, "mode")))
    if problems:
        raise _binding_error(problems)
    return sim_rule


@contextlib.contextmanager
def _located(scenario: Scenario, path: tuple):
    """A :class:`BindingError` met while running (a market the rule's catalog lacks, a symbol with no value) is
    located at the step or action that needed it, with its own code and hint."""
    try:
        yield
    except BindingError as exc:
        if exc.diagnostics:
            raise
        raise _binding_error([scenario.diagnostic(exc.code, f"cannot run this with rule {scenario.rule.id}: {exc}",
                                                  path, hint=exc.hint)]) from None


def _binding_error(problems) -> BindingError:
    return BindingError(f"{problems[0].file}: {len(problems)} problem(s)", problems, code=problems[0].code)


def run_scenario(scenario: Scenario, *, debug: bool = True) -> Run:
    """Run every step; record each account after each step and the expectations that fail. Refusals are events."""
    sim = simulator_for(bind(scenario), quote=scenario.quote, debug=debug)
    for acc in scenario.accounts:
        sim.add_account(acc.id, acc.user, acc.kind, market=acc.market, mode=acc.mode, position_side=acc.position_side)
    run = Run(scenario, sim)
    for s, step in enumerate(scenario.steps):
        sim.step = s + 1
        first_event = len(sim.events)
        evaluated = False
        try:
            with _located(scenario, ("steps", s, "prices") if step.prices else ("steps", s)):
                if step.at is not None:
                    sim.advance(step.at)
                if step.prices:
                    sim.set_prices(step.prices)  # evaluates every account at the new prices
                    evaluated = True
        except Refused as exc:
            run.failures.append(Failure(step.label, "-", "step", "to run", f"refused: {exc}",
                                        scenario.locate("steps", s)[0]))
        outcomes = [_act(run, s, a, action) for a, action in enumerate(step.actions)]
        if outcomes or not evaluated:  # judging the same state twice changes nothing
            with _located(scenario, ("steps", s)):
                sim.evaluate_all()
            sim.check_conservation()
        events = sim.events[first_event:]
        accounts = [_account_state(sim, account, events) for account in sim.accounts.values()]
        run.steps.append(StepResult(step.label, step.at, dict(step.prices), accounts, events, outcomes))
        by_id = {state.id: state for state in accounts}
        for expectation in step.expect:
            line = scenario.locate("steps", s, "expect", expectation.account)[0]
            for what, want, got in differences(expectation.values, _observed(by_id[expectation.account])):
                run.failures.append(Failure(step.label, expectation.account, what, want, got, line))
    return run


def _act(run: Run, s: int, a: int, action) -> Outcome:
    """Apply one action; a refusal is logged, and is a failure unless the action expects it (and its words)."""
    sim, expected = run.simulator, action.refused
    line = run.scenario.locate("steps", s, "actions", a)[0]
    label = run.scenario.steps[s].label
    try:
        with _located(run.scenario, ("steps", s, "actions", a)):
            _apply(sim, action.verb, action.args)
    except Refused as exc:
        sim.log_refusal(action.who, action.verb, exc)
        if not expected or (isinstance(expected, str) and expected.lower() not in str(exc).lower()):
            run.failures.append(Failure(label, action.who, action.verb, "to succeed" if not expected
                                        else f"refusal mentioning {expected!r}", f"refused: {exc}", line))
        return Outcome(s, a, action.verb, action.who, str(exc))
    if expected:
        run.failures.append(Failure(label, action.who, action.verb, "a refusal", "it succeeded", line))
    return Outcome(s, a, action.verb, action.who, None)


FOREIGN = {"set_position_mode": "position mode"}
"""How a refusal names a verb of the other product, where it differs from the verb."""


def _apply(sim: Simulator, verb: str, args: dict) -> None:
    """Run one scenario action on the simulator; a verb of the other product is refused."""
    if verb not in sim.VERBS:
        raise Refused(sim.foreign(FOREIGN.get(verb, verb)))
    if verb in ("add_margin", "remove_margin"):
        account = sim.accounts[args["account"]]
        cross = sim.users[account.user].cross
        source, target = (cross, account.id) if verb == "add_margin" else (account.id, cross)
        sim.transfer(source, target, args["asset"], args["amount"])
    elif verb == "transfer":
        sim.transfer(args["from"], args["to"], args["asset"], args["amount"])
    elif verb in ("deposit", "withdraw"):
        getattr(sim, verb)(args["account"], args["asset"], args["amount"])
    elif verb == "place_order":
        sim.place_order(args["id"], args["account"], args["market"], args["side"], args["amount"], args["price"])
    elif verb == "cancel_order":
        sim.cancel_order(args["id"])
    elif verb == "set_margin_mode":
        sim.set_margin_mode(args["user"], args["market"], args["mode"])
    else:
        sim.apply_product(verb, args)


def _account_state(sim: Simulator, account, events) -> AccountState:
    equity = sim.equity(account)
    owed = {a: account.debt[a] + account.interest[a] for a in sorted(set(account.debt) | set(account.interest))}
    return AccountState(
        account.id, account.mode, account.kind, account.status, account.margin_level, equity,
        account.allocated - equity, {a: v for a, v in sorted(account.cash.items()) if v},
        {a: v for a, v in owed.items() if v},
        tuple(sorted((market, side_name, p.side, p.size) for (market, side_name), p in account.positions.items())),
        account.liquidations, tuple(e for e in events if e.account == account.id))


def differences(expected: dict, observed: dict):
    """(what, expected, actual) of every expectation that does not hold, in the order a reader checks them."""
    for key in ("marginLevel", "equity", "loss", "status", "positions"):
        if key in expected:
            want, got = expected[key], observed[key]
            same = isinstance(got, float) if want == "inf" else (want == got and not isinstance(got, float))
            if not same:
                yield key, want, got
    for key in ("balances", "debts"):
        for asset, want in expected.get(key, {}).items():
            got = observed[key].get(asset, Fraction(0))
            if want != got:
                yield f"{key}.{asset}", want, got
    kinds = observed["events"]
    for kind in expected.get("events", ()):
        if kind not in kinds:
            yield "events", kind, ", ".join(sorted(kinds)) or "none"


def _observed(state: AccountState) -> dict:
    """What an expectation may name, from an account's state (see :data:`verifier.model.scenario.EXPECTATIONS`)."""
    return {"marginLevel": state.margin_level, "status": state.status, "equity": state.equity, "loss": state.loss,
            "balances": state.balances, "debts": state.debts, "positions": len(state.positions),
            "events": {e.kind for e in state.events}}
