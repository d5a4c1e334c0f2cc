"""Stage ``simulate``: a reference simulator in exact arithmetic, driven entirely by a loaded rule.

It evaluates the rule's primitive definitions and conditions numerically (never the
derivation's closed forms: this package must not import ``verifier.derive``), so that
a wrong closed form is caught by comparison rather than repeated.

Modules, one concept each:

* :mod:`~verifier.simulate.compiled` -- exact evaluation of the rule's SymPy trees (Fractions, no text);
* :mod:`~verifier.simulate.binding` -- which account state feeds which rule symbol; status of an account;
* :mod:`~verifier.simulate.accounts` -- account, position and order state;
* :mod:`~verifier.simulate.ledger` -- the other side of every movement of funds; conservation;
* :mod:`~verifier.simulate.events` -- the event log;
* :mod:`~verifier.simulate.engine` -- operations, refusals, mark-price updates and liquidation;
* :mod:`~verifier.simulate.scenario` -- scenario files: check, run, compare with expectations.

>>> from verifier.simulate import simulate_file
>>> run = simulate_file("scenarios/binance-margin-cross-vs-isolated.yaml")
>>> run.failures
[]
"""

from verifier.simulate.binding import BindingError, SimRule
from verifier.simulate.engine import ConservationError, Refused, Simulator
from verifier.simulate.events import Event, decimal_text
from verifier.simulate.scenario import (Failure, Run, Scenario, check_scenario, load_scenario, run_scenario,
                                        simulate_file)
from verifier.read import register_scenario_checker

register_scenario_checker(check_scenario)

__all__ = ["BindingError", "ConservationError", "Event", "Failure", "Refused", "Run", "Scenario", "SimRule",
           "Simulator", "check_scenario", "decimal_text", "load_scenario", "run_scenario", "simulate_file"]
