"""Scenario files from path to result: read (:mod:`verifier.read.scenario`), then run (:mod:`verifier.simulate`).

The read stage and the simulate stage do not know each other; this is where a scenario file meets the
simulator, for the ``simulate`` verb, the ``check`` job and the site.

>>> run = simulate_file("scenarios/binance-futures-cross-vs-isolated.yaml")
>>> run.scenario.rule.id, run.failures
('binance/usdm-perpetual', [])
"""

from __future__ import annotations

from verifier.read import load_scenario
from verifier.simulate import BindingError, Run, bind, run_scenario


def simulate_file(path, *, debug: bool = True) -> Run:
    """Read, check and run a scenario file (raises SpecError or BindingError, located, for a bad one)."""
    return run_scenario(load_scenario(path), debug=debug)


def binding_problems(path) -> list:
    """Why the simulator cannot drive a (readable, valid) scenario file: its MV712-MV714 diagnostics, or []."""
    try:
        bind(load_scenario(path))
    except BindingError as exc:
        return list(exc.diagnostics)
    return []
