"""A :class:`~verifier.model.scenario.Scenario` as a scenario file: what ``verify`` prints for a failed story, so
``margin-verifier simulate`` runs the very same story again (read back, it is the same scenario).

>>> from verifier.read import load_scenario
>>> text = scenario_yaml(load_scenario("scenarios/binance-futures-cross-vs-isolated.yaml"))
>>> print(text.splitlines()[3])
rule: binance/usdm-perpetual
>>> "- trade: {account: A, market: \\"BTC/USDT:USDT\\", side: buy, amount: 0.25}" in text
True
"""

from __future__ import annotations

import datetime as _dt
from fractions import Fraction

from verifier.model.numbers import decimal_text, exact_text, is_exact

SCHEMA = "# yaml-language-server: $schema=https://margin-verifier.example/schemas/scenario.schema.json"
PLAIN = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./ ")


def scenario_yaml(scenario) -> str:
    """The scenario file (YAML) of ``scenario``; numbers are exact decimals."""
    out = [SCHEMA, "format: 1", f"scenario: {scenario.id}", f"rule: {_text(scenario.rule_ref or scenario.rule.id)}",
           f"date: {scenario.date.isoformat()}", f"title: {_text(scenario.title)}"]
    if scenario.description:
        out.append(f"description: {_text(scenario.description)}")
    if scenario.quote != "USDT":
        out.append(f"quote: {scenario.quote}")
    if scenario.sources:
        out.append("sources:")
        for key, source in scenario.sources.items():
            fields = {"title": source.title, "url": source.url, "retrieved": source.retrieved,
                      "provenance": source.provenance, "note": source.note}
            out.append(f"  {key}: {_flow({k: v for k, v in fields.items() if v is not None})}")
    if scenario.overrides:
        out.append("parameters:")
        for name, o in scenario.overrides.items():
            fields = {"value": o.value, "effective": o.effective, "modes": list(o.modes) if o.modes else None,
                      "source": o.source, "note": o.note}
            out.append(f"  {name}: {_flow({k: v for k, v in fields.items() if v is not None})}")
    if scenario.inputs:
        out.append(f"inputs: {_flow(scenario.inputs)}")
    out.append("accounts:")
    for acc in scenario.accounts:
        fields = {"id": acc.id, "user": acc.user, "kind": acc.kind, "market": acc.market, "mode": acc.mode,
                  "position_side": acc.position_side}
        out.append(f"  - {_flow({k: v for k, v in fields.items() if v is not None})}")
    out.append("steps:")
    for step in scenario.steps:
        out += _step(step)
    return "\n".join(out) + "\n"


def _step(step) -> list:
    out = [f"  - label: {_text(step.label)}"]
    if step.at is not None:
        out.append(f"    at: {_text(_moment(step.at))}")
    if step.prices:
        out.append(f"    prices: {_flow(step.prices)}")
    if step.actions:
        out.append("    actions:")
        for action in step.actions:
            out.append(f"      - {action.verb}: {_flow(action.args)}")
            if action.refused:
                out.append(f"        refused: {'true' if action.refused is True else _text(action.refused)}")
            if action.note:
                out.append(f"        note: {_text(action.note)}")
    if step.expect:
        out.append("    expect:")
        for expectation in step.expect:
            out.append(f"      {_text(expectation.account)}: {_flow(expectation.values)}")
    return out


def _moment(when: _dt.datetime) -> str:
    return when.isoformat(timespec="seconds" if when.second else "minutes")


def _flow(mapping: dict) -> str:
    return "{" + ", ".join(f"{_text(k)}: {_value(v)}" for k, v in mapping.items()) + "}"


def _value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Fraction)):
        value = Fraction(value)
        return exact_text(value) if is_exact(value) else decimal_text(value, 30)
    if isinstance(value, dict):
        return _flow(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if value is None:
        return "null"
    return _text(str(value))


def _text(text: str) -> str:
    """Plain when YAML reads it back as the same text; else double-quoted."""
    text = str(text)
    if text and set(text) <= PLAIN and text == text.strip() and not text[0].isdigit() and text[0] not in "-." \
            and text.lower() not in ("true", "false", "null", "yes", "no", "on", "off", "inf"):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
