"""The vectorised fast path: a closed form with its tier rows compiled into a NumPy function.

No ``lambdify`` and no generated source: the SymPy tree (after common-subexpression
elimination over every tier row) is turned into a tree of small closures calling NumPy
ufuncs.  Inputs are columns named like snapshot fields (``contracts``, ``entryPrice``,
``side``, ``walletBalance``/``collateral`` ...), read through each symbol's snapshot reading;
symbols without one (such as ``TMM1``) are columns under their own name.  Results are float64,
NaN where no price exists; they agree with :func:`verifier.derive.price_at` to
:data:`RELATIVE_TOLERANCE` (tested by a Hypothesis property).

>>> import numpy as np
>>> from verifier.read import load_rule
>>> import datetime
>>> f = compile_price(load_rule("binance/usdm-perpetual"), "isolated", "liquidation", market="BTC/USDT:USDT",
...                   date=datetime.date(2024, 10, 1))  # the 2024 brackets
>>> sorted(f.columns)
['collateral', 'contractSize', 'contracts', 'entryPrice', 'side']
>>> cols = {"collateral": np.array([1000.0]), "contractSize": np.array([1.0]), "contracts": np.array([1.0]),
...         "entryPrice": np.array([60000.0]), "side": np.array(["long"])}
>>> round(float(f(cols)[0]), 6)
59246.231156
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy

from verifier.derive.derivation import derive_rule
from verifier.errors import UsageError
from verifier.model.column_formula import ColumnFormulaError, compile_columns
from verifier.model.evaluate import to_rational

RELATIVE_TOLERANCE = 1e-9
"""Float results agree with the exact path within this relative error (away from tier boundaries)."""

SIDES = {"long": 1.0, "short": -1.0}


@dataclass
class CompiledPrice:
    columns: tuple  # input column names
    _replacements: list  # (index, node) of common subexpressions
    _rows: list  # (root node, basis node or None, floor, cap, bounds)
    _domain: list  # (op, bound) on the price

    def __call__(self, columns: dict) -> np.ndarray:
        env = {}
        for name in self.columns:
            if name not in columns:
                raise UsageError(f"column {name!r} is missing; the compiled price needs {', '.join(self.columns)}")
            value = np.asarray(columns[name])
            if name == "side" and value.dtype.kind in "USO":
                value = np.where(value == "long", 1.0, np.where(value == "short", -1.0, np.nan))
            env[name] = value.astype(np.float64, copy=False)
        for index, node in self._replacements:
            env[index] = node(env)
        result = None
        with np.errstate(divide="ignore", invalid="ignore"):
            for root_node, basis_node, floor, cap, bounds in self._rows:
                root = root_node(env)
                ok = np.isfinite(root)
                for op, bound in self._domain:
                    ok &= _OPS[op](root, bound)
                if basis_node is not None:
                    basis = basis_node(env)
                    if bounds == "[floor, cap)":
                        ok &= basis >= floor
                        if cap is not None:
                            ok &= basis < cap
                    else:
                        ok &= basis > floor
                        if cap is not None:
                            ok &= basis <= cap
                if result is None:
                    result = np.where(ok, root, np.nan)
                else:
                    np.copyto(result, root, where=ok & np.isnan(result))
        return result


_OPS = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal, "!=": np.not_equal}


def compile_price(rule, mode_name: str, condition_name: str = "liquidation", *, market=None, date=None) -> CompiledPrice:
    """Compile the tier-consistent ``condition_name`` price of ``mode_name`` for ``market``'s tier table."""
    mode = rule.mode(mode_name)
    form = derive_rule(rule).closed_form(mode_name, condition_name)
    if len(form.roots) != 1:
        raise UsageError(f"the fast path needs exactly one root; {condition_name!r} has {len(form.roots)}")
    target = mode.symbols[form.solve_for].sympy
    root = form.expr.subs({p.sympy: to_rational(p.value_at(date))
                           for p in mode.parameters.values()})
    # rule symbols -> expressions over snapshot-field symbols (names sanitised: we only ever look them up)
    fields, reading = {}, {}
    wanted = set(root.free_symbols) | (set(mode.tier_basis.expr.free_symbols) if mode.tier_basis else set())
    wanted.discard(target)
    for name, spec in mode.symbols.items():
        if spec.sympy not in wanted:
            continue
        parsed = spec.reading(mode.account) if not spec.from_tiers else None
        if parsed is not None:
            reading[spec.sympy] = parsed.xreplace({s: _field(fields, s.name) for s in parsed.free_symbols})
        elif not spec.from_tiers:
            reading[spec.sympy] = _field(fields, name)
    rows = []
    uses_tiers = any(mode.symbols[n].sympy in root.free_symbols for n in mode.tier_symbols)
    if uses_tiers:
        table = rule.tiers.table(market, date) if rule.tiers is not None else None
        if table is None:
            raise UsageError("name a market with a tier table")
        basis = mode.tier_basis.expr
        for row in table.rows:
            tier_subs = {mode.symbols[n].sympy: to_rational(row.values[c])
                         for n, c in mode.tier_symbols.items()}
            row_root = root.subs(tier_subs)
            row_basis = basis.subs(tier_subs).subs(target, row_root)  # CSE shares the root between the two
            rows.append((row_root.subs(reading), row_basis.subs(reading), row.floor, row.cap, table.bounds))
    else:
        rows.append((root.subs(reading), None, None, None, None))
    exprs = [e for r in rows for e in r[:2] if e is not None]
    replacements, reduced = sympy.cse(exprs, symbols=sympy.numbered_symbols("__cse"))
    compiled_replacements = [(sym.name, _compile(expr, fields)) for sym, expr in replacements]
    it = iter(reduced)
    compiled_rows = []
    for r in rows:
        root_node = _compile(next(it), fields)
        basis_node = _compile(next(it), fields) if r[1] is not None else None
        compiled_rows.append((root_node, basis_node, _float(r[2]), _float(r[3]), r[4]))
    domain = [(op, float(bound)) for op, bound in mode.symbols[form.solve_for].domain]
    return CompiledPrice(tuple(sorted(fields.values())), compiled_replacements, compiled_rows, domain)


def _field(fields: dict, name: str) -> sympy.Symbol:
    symbol = sympy.Symbol(f"__col{len(fields)}") if name not in {v: k for k, v in fields.items()} else None
    for sym, field in fields.items():
        if field == name:
            return sym
    fields[symbol] = name
    return symbol


def _float(value):
    return None if value is None else float(value)


def _compile(expr, fields):
    """A closure computing ``expr`` from an environment of NumPy arrays (column name or CSE name -> array), by the
    project's one float compiler (:mod:`verifier.model.column_formula`)."""
    try:
        return compile_columns(expr, lambda symbol: fields.get(symbol, symbol.name))
    except ColumnFormulaError as exc:
        raise UsageError(f"the fast path cannot compile {exc}") from None
