"""The project's error types and the located diagnostic they carry.

One root type, :class:`VerifierError`, subclassed by who must act on it.  Every
error about a user's input carries one or more :class:`Diagnostic` objects that
say *where* (file, line, column, JSON path), *what* (a stable code and a
message) and *how to fix it* (an optional hint).

>>> d = Diagnostic("MV201", "unknown key 'titel'", file="r.yaml", line=3, col=1,
...                json_path="$.titel", hint="did you mean 'title'?")
>>> d.render()
"r.yaml:3:1: error[MV201]: unknown key 'titel' (at $.titel); hint: did you mean 'title'?"
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Diagnostic:
    """One located problem in a user's input.

    ``line`` and ``col`` are 1-based, as editors show them; 0 means unknown.  ``file`` None: about no file (a
    warning about market data, say): rendered without a location.

    Warnings of one code are said in one line when there are several (:mod:`verifier.report.diagnostics`):
    ``summary`` is what they have in common, said once, and ``subject`` what this one is about (a market, a
    condition at its line), named in that line.

    >>> Diagnostic("MV609", "the tiers of X are old", file=None, severity="warning").render()
    'warning[MV609]: the tiers of X are old'
    """

    code: str
    message: str
    file: str | None = "<input>"
    line: int = 0
    col: int = 0
    json_path: str = "$"
    hint: str | None = None
    severity: str = "error"
    subject: str | None = None
    summary: str | None = None

    def render(self) -> str:
        """The one-line text form: ``path:line:col: error[CODE]: message (at $.path)``."""
        if self.file is None:
            return f"{self.severity}[{self.code}]: {self.message}" + (f"; hint: {self.hint}" if self.hint else "")
        text = f"{self.file}:{self.line}:{self.col}: {self.severity}[{self.code}]: {self.message}"
        text += f" (at {self.json_path})"
        if self.hint:
            text += f"; hint: {self.hint}"
        return text

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "jsonPath": self.json_path,
            "hint": self.hint,
        }


class VerifierError(Exception):
    """Root of every error this project raises on purpose.

    ``code`` is the stable error code (``MV...``) of what went wrong; each subclass has a default, and a
    raiser that knows better passes its own.  Codes are never inferred from message text.  ``hint`` says how to
    fix it, for errors that carry no located diagnostics.

    An error that carries no diagnostics still renders with its code (every refusal has one):

    >>> EvaluationError("no value on 2000-01-01", code="MV404", hint="choose a later date").render()
    'margin-verifier: error[MV404]: no value on 2000-01-01; hint: choose a later date'
    """

    code = "MV000"

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None, *, code: str | None = None,
                 hint: str | None = None):
        super().__init__(message)
        self.diagnostics: list[Diagnostic] = list(diagnostics or [])
        self.hint = hint
        if code is not None:
            self.code = code

    def render(self) -> str:
        if not self.diagnostics:
            return f"margin-verifier: error[{self.code}]: {self}" + (f"; hint: {self.hint}" if self.hint else "")
        return "\n".join(d.render() for d in self.diagnostics)


class SpecError(VerifierError):
    """A user's file (rule, tier table, scenario, account) is malformed: its author must act."""

    code = "MV200"


class FormulaError(VerifierError):
    """A formula is not in the safe formula language or has inconsistent units.

    ``col`` is the 0-based offset of the problem inside the formula text, so the
    loader can turn it into a file column; ``hint`` may suggest a fix.
    """

    code = "MV300"

    def __init__(self, message: str, col: int = 0, hint: str | None = None, diagnostics=None, *,
                 code: str | None = None):
        super().__init__(message, diagnostics, code=code, hint=hint)
        self.col = col


class DerivationError(VerifierError):
    """The derivation could not produce a closed form (reason in the message)."""

    code = "MV520"


class EvaluationError(VerifierError):
    """A value could not be computed from the inputs given (missing input, no tier row, no value on that date,
    division by zero): whoever supplied the inputs must act.  A parameter with no value in force on the date
    asked for is ``MV404``."""

    code = "MV603"


class Disagreement(VerifierError):
    """Two independent computations disagree; carries the counterexample."""

    code = "MV510"

    def __init__(self, message: str, counterexample: dict | None = None, diagnostics=None):
        super().__init__(message, diagnostics)
        self.counterexample = counterexample or {}


class InternalError(VerifierError):
    """One of our own invariants failed (funds not conserved, ...): a bug in margin-verifier, never the user's
    input.  The command line reports it as exit 3 with a request to report it."""

    code = "MV900"


class UsageError(VerifierError):
    """The command line or an API call was used wrongly: the caller must act."""

    code = "MV001"


@dataclass
class DiagnosticBag:
    """Collects diagnostics so a whole file is reported at once (collect, then choose)."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, diagnostic: Diagnostic) -> None:
        self.items.append(diagnostic)

    def extend(self, diagnostics) -> None:
        self.items.extend(diagnostics)

    def __bool__(self) -> bool:
        return bool(self.items)

    def sorted(self) -> list[Diagnostic]:
        """Most relevant first: syntax before schema before semantics, then by position."""
        return sorted(self.items, key=lambda d: (_rank(d.code), d.line, d.col))


def _rank(code: str) -> int:
    # Codes are grouped by stage (MV1xx file, MV2xx schema, MV3xx formula, MV4xx semantics);
    # an earlier stage's error usually explains the later ones.
    digits = "".join(ch for ch in code if ch.isdigit())
    return int(digits[:1] or 9)
