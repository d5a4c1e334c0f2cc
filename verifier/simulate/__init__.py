"""Stage ``simulate``: a reference simulator in exact arithmetic, driven entirely by a loaded rule.

It evaluates the rule's primitive definitions and conditions numerically (never the derivation's closed forms:
this package must not import ``verifier.derive``), so that a wrong closed form is caught by comparison rather
than repeated.  It computes on model objects only (a :class:`~verifier.model.Rule`, a
:class:`~verifier.model.scenario.Scenario`): reading files is the read stage's job, writing results the report
stage's.

Modules, one concept each:

* :mod:`~verifier.simulate.compiled` -- exact evaluation of the rule's SymPy trees (Fractions, no text), one
  expression at a time or every position of an account at once;
* :mod:`~verifier.simulate.binding` -- which account state feeds which rule symbol; status of an account;
* :mod:`~verifier.simulate.accounts` -- account, position and order state;
* :mod:`~verifier.simulate.ledger` -- the other side of every movement of funds; conservation;
* :mod:`~verifier.simulate.events` -- the event log;
* :mod:`~verifier.simulate.core` -- the shared account core: funds, transfers, prices, time, evaluation,
  liquidation bookkeeping, conservation;
* :mod:`~verifier.simulate.futures`, :mod:`~verifier.simulate.spot`, :mod:`~verifier.simulate.unified` -- the
  three engines over it;
  :mod:`~verifier.simulate.engine` picks one by the rule's product;
* :mod:`~verifier.simulate.runner` -- runs a scenario and compares with its expectations.

>>> from verifier.read import load_scenario
>>> run = run_scenario(load_scenario("scenarios/binance-margin-cross-vs-isolated.yaml"))
>>> run.failures
[]
"""

from verifier.simulate.binding import BindingError, SimRule, compiled_rule
from verifier.simulate.core import ConservationError, Refused, Simulator
from verifier.simulate.engine import FuturesSimulator, SpotMarginSimulator, UnifiedMarginSimulator, simulator_for
from verifier.simulate.events import Event
from verifier.simulate.runner import AccountState, Failure, Outcome, Run, StepResult, bind, run_scenario

__all__ = ["AccountState", "BindingError", "ConservationError", "Event", "Failure", "FuturesSimulator", "Outcome",
           "Refused", "Run", "SimRule", "Simulator", "SpotMarginSimulator", "StepResult", "UnifiedMarginSimulator",
           "bind", "compiled_rule", "run_scenario", "simulator_for"]
