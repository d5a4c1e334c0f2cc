"""What a batch run is asked and what it found: the options, a bad account, the result's counts, and the refusal
that stops a run at bad accounts (MV620).  Plain data, shared by both engines (:mod:`verifier.jobs.batch`,
:mod:`verifier.jobs.batch_dask`) and the chunk evaluation (:mod:`verifier.jobs.batch_chunk`)."""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction

from verifier.errors import Diagnostic, SpecError, VerifierError

BAD_LISTED = 100
"""How many bad accounts a result lists one by one (every one is counted by its code)."""


@dataclass(frozen=True)
class BatchOptions:
    """What a batch run is asked (the command line's options, parsed)."""

    date: _dt.date | None = None
    today: _dt.date | None = None
    tolerance: Fraction | None = None  # ticks: reconcile with the exchange's prices
    rtol: Fraction | None = None  # relative: the same
    id_field: str = "id"
    margin_mode: str | None = None
    chunk_rows: int = 100_000
    skip_bad: bool = False
    check_sample: int = 0
    seed: int = 0
    price_path: object = None  # verifier.model.whatif.Shock


@dataclass
class Bad:
    """An account left out: its place in the input, id, where it is, and why."""

    ordinal: int
    id: object
    where: str
    file: str
    error: VerifierError


@dataclass
class Replay:
    label: str
    steps: int
    liquidated: int = 0


@dataclass
class BatchResult:
    """What a batch run did (the summary; the rows are in the output)."""

    rule: str
    input: str
    output: str
    engine: str
    on: _dt.date
    accounts: int = 0
    positions: int = 0
    pools: int = 0
    flat: int = 0
    exact_accounts: int = 0
    statuses: Counter = field(default_factory=Counter)  # pool status -> count
    verdicts: Counter = field(default_factory=Counter)  # reconciliation verdict -> count
    gated: bool = False
    bad: list = field(default_factory=list)
    bad_codes: Counter = field(default_factory=Counter)
    bad_unlisted: int = 0
    sample: object = None  # verifier.jobs.batch_sample.Sample
    replay: Replay | None = None
    stale: set = field(default_factory=set)
    warnings: list = field(default_factory=list)  # the exact path's warnings (report.evaluate), each once
    partitions: int = 0
    workers: int = 0
    worker_names: list = field(default_factory=list)
    worker_cpu: float = 0.0  # the Dask workers' CPU time, summed over partitions
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        """A reconciliation beyond the tolerance given, or a sampled account beyond the float tolerance."""
        disagree = self.gated and self.verdicts.get("disagree", 0) > 0
        return disagree or (self.sample is not None and bool(self.sample.disagreements))

    def add(self, outcome) -> None:
        self.accounts += outcome.accounts
        self.positions += outcome.positions
        self.pools += outcome.pools
        self.flat += outcome.flat
        self.exact_accounts += outcome.exact_accounts
        self.statuses.update(outcome.statuses)
        self.verdicts.update(outcome.verdicts)
        for bad in outcome.bad:
            self.bad_codes[bad.error.code] += 1
            if len(self.bad) < BAD_LISTED:
                self.bad.append(bad)
            else:
                self.bad_unlisted += 1
        self.stale |= outcome.stale
        self.warnings = list(dict.fromkeys(self.warnings + list(getattr(outcome, "warnings", ()))))
        if self.replay is not None:
            self.replay.liquidated += outcome.liquidated


class BatchRefused(SpecError):
    """Bad accounts without ``skip_bad``: nothing was written; ``diagnostics`` locate each (line or row, id)."""

    code = "MV620"


def new_result(rule, input_path, output_path, options, today, engine) -> BatchResult:
    result = BatchResult(rule.id, str(input_path), str(output_path), engine, options.date or today,
                         gated=options.tolerance is not None or options.rtol is not None)
    if options.price_path is not None:
        result.replay = Replay(options.price_path.label, len(options.price_path.steps))
    return result


def refuse_if_bad(bad: list, options) -> None:
    """Stop the run at bad accounts unless they are to be skipped: their diagnostics, then one saying so (MV620)."""
    if bad and not options.skip_bad:
        diagnostics = [d for b in bad for d in (b.error.diagnostics or [Diagnostic(b.error.code, str(b.error),
                                                                                    file=b.file)])]
        message = f"{len(bad)} bad account(s) (above): nothing was written"
        diagnostics.append(Diagnostic("MV620", message, file=bad[0].file,
                                      hint="fix them, or give --skip-bad to leave them out (each is counted in the "
                                           "summary)"))
        raise BatchRefused(message, diagnostics)
