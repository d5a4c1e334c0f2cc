"""Reporters for ``simulate``: a run of a scenario as a side-by-side table, Markdown, or JSON.

Numbers are written exactly (``p/q`` when a value has no finite decimal); a margin level is also shown
rounded to 12 places (``marginLevel``) beside the exact one (``marginLevelExact``).

>>> from fractions import Fraction
>>> number_text(Fraction(1, 3)), level_text(Fraction(1, 3)), level_text(float("inf")), level_text(None)
('1/3', '0.333333333333', 'inf', None)
"""

from __future__ import annotations

from fractions import Fraction

from verifier.model.numbers import decimal_text, exact_text, is_exact

SHOWN_WITH_EVENTS = ("deposit", "borrow", "buy", "sell", "trade", "transfer")
"""Event kinds the Markdown page leaves out unless every event is asked for."""


def number_text(value) -> str | None:
    """A Fraction exactly (decimal or ``p/q``); an infinite margin level as ``inf``; None stays None."""
    if isinstance(value, float):
        return "inf" if value > 0 else "-inf"
    return exact_text(value)


def level_text(value, places: int = 12) -> str | None:
    """A margin level for people: exact when its decimal terminates, else rounded to ``places``."""
    if value is None or isinstance(value, float):
        return number_text(value)
    return exact_text(value) if is_exact(value) else decimal_text(Fraction(value), places)


def shown(value) -> str:
    """An expected or actual value of a failed expectation."""
    return number_text(value) if isinstance(value, (Fraction, float)) else str(value)


def event_json(event) -> dict:
    return {"step": event.step, "time": event.time, "account": event.account, "kind": event.kind, "why": event.why,
            "numbers": {k: number_text(v) for k, v in event.numbers.items()}}


def account_json(state) -> dict:
    """One account after one step, as data (decimals as strings)."""
    return {"id": state.id, "mode": state.mode, "kind": state.kind, "marginLevel": level_text(state.margin_level),
            "marginLevelExact": number_text(state.margin_level), "status": state.status,
            "equity": number_text(state.equity), "loss": number_text(state.loss),
            "balances": {a: number_text(v) for a, v in state.balances.items()},
            "debts": {a: number_text(v) for a, v in state.debts.items()},
            "positions": len(state.positions), "events": [event_json(e) for e in state.events]}


def step_rows(run) -> list[dict]:
    """Every step as data: label, time, prices, each account (:func:`account_json`) and the step's events."""
    return [{"label": step.label, "at": step.at.isoformat() if step.at else None,
             "prices": {k: number_text(v) for k, v in step.prices.items()},
             "accounts": [account_json(a) for a in step.accounts],
             "events": [event_json(e) for e in step.events]} for step in run.steps]


def render_json(run) -> dict:
    scenario, ledger = run.scenario, run.simulator.ledger.balances
    keys = ("id", "mode", "marginLevel", "marginLevelExact", "status", "equity", "loss", "balances", "debts", "events")
    return {"scenario": scenario.id, "rule": scenario.rule.id, "date": scenario.date.isoformat(),
            "steps": [{"label": r["label"], "prices": r["prices"], "accounts": [{k: c[k] for k in keys}
                                                                               for c in r["accounts"]]}
                      for r in step_rows(run)],
            "insuranceFund": {a: number_text(v) for a, v in sorted(ledger["insurance"].items())},
            "fees": {a: number_text(v) for a, v in sorted(ledger["fees"].items())},
            "failures": [{"step": f.step, "account": f.account, "what": f.what, "expected": shown(f.expected),
                          "actual": shown(f.actual), "line": f.line} for f in run.failures]}


def _cell(c) -> str:
    level = c["marginLevel"] if c["marginLevel"] is not None else "-"
    if level != "-" and c["marginLevelExact"] != level:
        level = "~" + level.split(".")[0] + ("." + level.split(".")[1][:4] if "." in level else "")
    return f"{level} {c['status']}"


def _table(rows, markdown: bool) -> list[str]:
    accounts = [c["id"] + f" ({c['kind']})" for c in rows[0]["accounts"]] if rows else []
    header = ["step", "prices"] + accounts
    lines = []
    for row in rows:
        prices = ", ".join(f"{k} {v}" for k, v in row["prices"].items())
        lines.append([row["label"], prices] + [_cell(c) for c in row["accounts"]])
        lines.append(["", "equity"] + [c["equity"] for c in row["accounts"]])
    if markdown:
        out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        return out + ["| " + " | ".join(r) + " |" for r in lines]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *lines)]

    def fmt(r):
        return "  ".join(str(x).ljust(w) for x, w in zip(r, widths)).rstrip()
    return [fmt(header), fmt(["-" * w for w in widths])] + [fmt(r) for r in lines]


def render_text(run, *, markdown: bool = False, events: bool = False) -> str:
    """The table (or Markdown page): one column per account, each step's margin level, status and equity;
    then the notable events (every event with ``events``) and what the insurance fund and fees took."""
    scenario, rows = run.scenario, step_rows(run)
    out = [("# " if markdown else "") + scenario.title, f"rule {scenario.rule.id}, date {scenario.date.isoformat()}",
           ""]
    out += _table(rows, markdown)
    if events or markdown:
        out.append("")
        for row in rows:
            for e in row["events"]:
                if e["kind"] in SHOWN_WITH_EVENTS and not events:
                    continue
                nums = ", ".join(f"{k}={v}" for k, v in e["numbers"].items())
                out.append(f"{'- ' if markdown else ''}{row['label']}: [{e['account']}] {e['kind']}: {e['why']}"
                           + (f" ({nums})" if nums else ""))
    ledger = run.simulator.ledger.balances
    out.append("")
    out.append("insurance fund paid out: " + (", ".join(f"{number_text(-v)} {a}" for a, v in
                                                       sorted(ledger["insurance"].items()) if v) or "nothing")
               + "; fees: " + (", ".join(f"{number_text(v)} {a}" for a, v in sorted(ledger["fees"].items()) if v)
                               or "0"))
    return "\n".join(out) + "\n"


def failure_lines(run) -> str:
    """Each failed expectation on one line, located in the scenario file (for stderr)."""
    return "".join(f"{run.scenario.file}:{f.line}: expectation failed: step {f.step!r}, account {f.account}: "
                   f"{f.what} expected {shown(f.expected)}, actual {shown(f.actual)}\n" for f in run.failures)
