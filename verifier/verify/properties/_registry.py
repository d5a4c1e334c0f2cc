"""The registry of named properties: :class:`Property` and the :func:`register` decorator the property modules use.

Kept apart from the package's ``__init__`` (which loads every property module) so that a property module never
imports the package that imports it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Property:
    name: str
    kind: str  # 'case' or 'world'
    func: object
    applies: object  # (rule, mode view or None) -> None when it applies, else the reason it does not
    path: tuple  # where in a rule file a failure points, e.g. ('conditions', 'liquidation')

    @property
    def doc(self) -> str:
        return " ".join((self.func.__doc__ or "").split()).split(". ")[0].rstrip(".") + "."


REGISTRY: dict = {}


def register(kind: str, applies, path=("conditions", "liquidation")):
    def wrap(func):
        REGISTRY[func.__name__] = Property(func.__name__, kind, func, applies, tuple(path))
        return func
    return wrap
