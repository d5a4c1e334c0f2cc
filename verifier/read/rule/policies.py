"""The rule's ``policies:`` block -> :class:`~verifier.model.policies.Policies`, with the checks the schema cannot
make: the interest definition exists in every mode, sources are listed, and a rule that says "no liquidation fee"
defines none.

No silent defaults: every mode says what a liquidation costs (a ``liquidation_fee`` definition, or the statement
that none is charged), and a spot-margin rule says how its loans accrue interest.  A rule that says neither is
refused here, where its author reads the message, rather than when a simulation first needs the answer.
"""

from __future__ import annotations

from verifier.model.policies import Interest, NotCharged, Policies


def read_policies(ctx, data: dict, modes: dict) -> Policies:
    """``data``: the document's ``policies`` mapping (schema-checked); ``modes``: name -> ModeView."""
    interest = fee = None
    raw = data.get("interest")
    if raw is not None:
        ctx.check_source(raw.get("source"), ("policies", "interest", "source"))
        if "none" in raw:
            interest = NotCharged(" ".join(raw["none"].split()), raw.get("source"))
        else:
            missing = [name for name, mode in modes.items() if raw["per_hour"] not in mode.definitions]
            if missing and raw["per_hour"] not in ctx.broken:  # a broken definition is reported where it is
                ctx.error("MV480", f"interest per_hour names {raw['per_hour']!r}, which mode(s) "
                          f"{', '.join(missing)} do not define", ("policies", "interest", "per_hour"),
                          hint="define it (one hour's interest on a loan's principal) under 'definitions'")
            units = {str(mode.definitions[raw["per_hour"]].unit) for mode in modes.values()
                     if raw["per_hour"] in mode.definitions}
            if units - {"base"}:
                ctx.error("MV480", f"interest per_hour {raw['per_hour']!r} is in {', '.join(sorted(units))}; interest "
                          "is charged in the borrowed asset, so it must be in base", ("policies", "interest", "per_hour"),
                          hint="write it as principal times the hourly rate, e.g. D * r")
            interest = Interest(raw["per_hour"], raw["first_hour"], raw["repay"], raw["source"])
    raw = data.get("liquidation_fee")
    if raw is not None:
        ctx.check_source(raw.get("source"), ("policies", "liquidation_fee", "source"))
        charging = [name for name, mode in modes.items() if "liquidation_fee" in mode.definitions]
        if charging:
            ctx.error("MV481", f"the rule says no liquidation fee is charged, yet mode(s) {', '.join(charging)} "
                      "define liquidation_fee", ("policies", "liquidation_fee", "none"),
                      hint="keep one: the definition (the fee charged) or this statement")
        fee = NotCharged(" ".join(raw["none"].split()), raw.get("source"))
    _require_statements(ctx, data, modes, interest, fee)
    return Policies(interest, fee)


def _require_statements(ctx, data: dict, modes: dict, interest, fee) -> None:
    where = ("policies",) if data else ()
    if fee is None:
        silent = [name for name, mode in modes.items() if "liquidation_fee" not in mode.definitions]
        if silent:
            ctx.error("MV482", f"mode(s) {', '.join(silent)} do not say what a liquidation costs", where,
                      hint="define 'liquidation_fee' (the fee of a liquidated position, with its source), or state "
                           "'policies: {liquidation_fee: {none: <why>}}' (docs/writing-rules.md)", at_key=bool(data))
    if interest is None and ctx.product is not None and ctx.product.spot:
        ctx.error("MV483", "a spot-margin rule must say how its loans accrue interest", where,
                  hint="state 'policies: {interest: {per_hour: <definition>, first_hour: at-borrow, repay: "
                       "interest-first, source: <id>}}' or 'policies: {interest: {none: <why>}}'", at_key=bool(data))
