"""The third column of ``compare``: the same positions in the exchange's unified account, under the same shocks.

How the positions become a unified account (docs/compare.md, "A third column: unified"): every position is in it,
cross, whatever mode the files hold it in.  Each settlement currency ``S`` is one coin of the unified rule's
catalog (``S/USD``): it holds the cross wallet the positions of ``S`` would have (:class:`~verifier.compare.book.Funds`)
plus their unrealised PnL, owes nothing, and carries their maintenance margin (the product rule's own
``maintenance_margin`` and ``upnl`` at the step's prices, in ``S``) as its ``maintenanceMargin`` in USD, which is
how a unified rule's balance reads a coin's ``totalPositionMM``.  Coins held besides (``--collateral BTC=0.5``) are
added as they are.  Every coin's USD price is given (``--usd USDT=1``): never assumed.

A shock moves the positions' markets as in the other two columns; a move naming a coin (``USDT=-2%``, or
``BTC=-20%`` when BTC is held as collateral) also moves that coin's USD price, and a move of every market moves the
coins that are the base asset of a position's market (BTC with BTC/USDT:USDT), not the others (a settlement coin).
Each state is evaluated by the evaluate job's reference evaluation (:func:`verifier.derive.account.evaluate_account`)
under the unified rule: the account margin rate and status.  The positions are held through the shocks (nothing is
liquidated step by step): the column says where the unified account would be liquidated, not what it would lose.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from verifier.errors import Diagnostic, EvaluationError, UsageError, VerifierError
from verifier.model.account import Account, Position
from verifier.model.numbers import approx_text
from verifier.model.whatif import base_of

LOAN_PROBE = Fraction(1, 2)
"""A second value for a market field (a loan rate) the catalog lacks for a coin that owes nothing: the account is
evaluated with it at 0 and at this value, and the two must agree exactly, status and margin rate (the field changes
nothing while nothing is owed), else it is refused.  A coin that owes is never given one: the catalog's rate or the
evaluation's own located refusal."""


@dataclass(frozen=True)
class UnifiedState:
    """The unified account at the marks or after one step: each coin (held, USD price, positions' maintenance
    margin in USD), the account margin rate and status."""

    label: str
    coins: tuple  # of (coin, held, price, maintenance margin in USD)
    margin_rate: Fraction | None
    status: str

    @property
    def liquidated(self) -> bool:
        return self.status == "liquidation"


@dataclass(frozen=True)
class UnifiedColumn:
    """The unified rule, the state at the marks, and per shock the state after each of its steps."""

    rule: object
    at_mark: UnifiedState
    shocks: tuple  # of (shock label, tuple of UnifiedState per step)

    @property
    def liquidated_at(self) -> tuple:
        """The shocks after whose last step the unified account is liquidated."""
        return tuple(label for label, steps in self.shocks if steps and steps[-1].liquidated)


def coins_named(shocks, symbols) -> set:
    """The keys of the shocks' moves that name no position's market or base asset: coins of the unified account."""
    held = set(symbols) | {base_of(s) for s in symbols}
    return {m.key for shock in shocks for step in shock.steps for m in step.moves
            if m.key is not None and m.key not in held}


def product_shocks(shocks, coins: set) -> tuple:
    """The shocks as the cross and isolated columns run them: moves of coins only (no position's market) left out;
    a step left with no move moves nothing (a move of 0 % of every market)."""
    from dataclasses import replace

    from verifier.model.whatif import Move

    out = []
    for shock in shocks:
        steps = []
        for step in shock.steps:
            moves = tuple(m for m in step.moves if m.key not in coins)
            steps.append(replace(step, moves=moves or (() if step.prices else (Move(Fraction(0)),))))
        out.append(replace(shock, steps=tuple(steps)))
    return tuple(out)


def unified_column(rule, unified, book, wallets, shocks, outcomes, usd: dict, collateral: dict, date) \
        -> UnifiedColumn:
    """The unified column: ``unified`` the unified rule, ``book``/``wallets`` the comparison's, ``shocks`` as
    asked (coin moves included), ``outcomes`` the simulator's (their steps' market prices), ``usd`` coin -> USD
    price, ``collateral`` coin -> amount held besides the positions."""
    quote = _quote(unified)
    settles = list(dict.fromkeys(h.settle for h in book.holdings))
    missing = [c for c in [*settles, *collateral] if c not in usd]
    if missing:
        raise _usage(f"the unified account values {', '.join(missing)} in {quote}: no price given",
                     f"give each coin's {quote} index price: --usd " + ",".join(f"{c}=PRICE" for c in missing))
    marks = {h.symbol: h.mark for h in book.holdings}
    stray = sorted(coins_named(shocks, marks) - set(settles) - set(collateral))
    if stray:  # a priced coin the account does not hold: its move would change nothing
        raise _usage(f"--shock names {stray[0]}, which neither a position nor the unified account holds",
                     f"the coins: {', '.join([*settles, *collateral])}; hold it with --collateral {stray[0]}=AMOUNT",
                     code="MV657")
    unused = [c for c in usd if c not in settles and c not in collateral]
    if unused:  # a price of a coin the account does not hold: it would change nothing (as the ccxt reader's MV614)
        raise _usage(f"--usd prices {unused[0]}, which the unified account does not hold",
                     f"the coins: {', '.join([*settles, *collateral])}; hold it with --collateral {unused[0]}=AMOUNT")
    at_mark = _state(rule, unified, book, wallets, "at the marks", marks, usd, collateral, date)
    per_shock = []
    for shock, outcome in zip(shocks, outcomes):
        states = []
        for step, simulated in zip(shock.steps, outcome.steps):
            prices = {coin: _moved(step, coin, price, marks, simulated.prices) for coin, price in usd.items()}
            states.append(_state(rule, unified, book, wallets, step.label, simulated.prices, prices, collateral, date))
        per_shock.append((shock.label, tuple(states)))
    return UnifiedColumn(unified, at_mark, tuple(per_shock))


def _moved(step, coin: str, price: Fraction, marks: dict, prices: dict) -> Fraction:
    """The coin's USD price after ``step``: its own move (``BTC=-20%``), else, for the base asset of positions'
    markets (BTC of BTC/USDT:USDT), the move its markets made in the step however it was given (every market, the
    market's own symbol, a path file's price), else unmoved.  Markets of one coin that moved apart leave the
    coin's price undecided: refused, naming the move to give."""
    move = next((m for m in step.moves if m.key == coin), None)
    if move is not None:
        return price * (1 + move.fraction)
    ratios = {prices[symbol] / mark for symbol, mark in marks.items() if base_of(symbol) == coin and symbol in prices}
    if len(ratios) > 1:
        raise _usage(f"at '{step.label}' the markets of {coin} moved apart, so the {coin} coin's price is undecided",
                     f"name the coin's own move in the shock: {coin}=-N%", code="MV657")
    return price * ratios.pop() if ratios else price


def _state(rule, unified, book, wallets, label, marks, usd, collateral, date) -> UnifiedState:
    from verifier.derive.account.definitions import position_definitions

    account = book.view("cross", book.holdings, wallet=Fraction(0), marks=marks)
    values = position_definitions(rule, account, ("maintenance_margin", "upnl"), date)
    held = {settle: wallets[settle].cross_wallet for settle in wallets}
    margin = {settle: Fraction(0) for settle in wallets}
    for holding, found in zip(book.holdings, values):
        for name in ("maintenance_margin", "upnl"):
            if name not in found:
                raise book.error(holding, "MV605", f"the product rule {rule.id} gives this position no {name} at "
                                                   "the step's price: its unified margin cannot be built")
        held[holding.settle] += found["upnl"]
        margin[holding.settle] += found["maintenance_margin"]
    coins = [(s, held[s], usd[s], margin[s] * usd[s]) for s in held]
    coins += [(c, Fraction(amount), usd[c], Fraction(0)) for c, amount in collateral.items() if c not in held]
    coins = [(c, h + (collateral.get(c, 0) if c in held else 0), p, m) for c, h, p, m in coins]
    try:
        rate, status = _evaluate(unified, coins, date)
    except VerifierError as error:  # said at the step and the coins it holds, not at a file the user never wrote
        inner = error.diagnostics[0] if error.diagnostics else None
        if inner is not None and inner.file is not None and not inner.file.startswith("<"):
            raise  # located in a real file (the unified rule): said there
        held = ", ".join(f"{c} {approx_text(h)}" for c, h, _, _ in coins)
        message = f"the unified account at '{label}' (held: {held}) cannot be judged: " + \
            (inner.message if inner is not None else str(error))
        raise EvaluationError(message, [Diagnostic(error.code, message, file="<command line>",
                                                   hint=inner.hint if inner is not None else error.hint)],
                              code=error.code) from None
    return UnifiedState(label, tuple(coins), rate, status)


def _evaluate(unified, coins, date):
    """(margin rate or None, status) of the coins by the evaluate job's reference evaluation.

    A coin's negative equity (its positions lost more than its wallet) is a loan, as a unified account borrows it.
    The positions give no loan rate: each market field the rule reads (a loan rate) is given as 0 and again as
    LOAN_PROBE; the status must be the same at both (else the answer depends on a rate nobody gave: refused), and
    the margin rate is given only where it is the same at both."""
    from verifier.derive.account import evaluate_account
    from verifier.derive.account.market import MarketData

    quote = _quote(unified)
    mode = next(iter(unified.modes.values()))
    fields = sorted({spec.market for spec in mode.symbols.values() if spec.market})
    # the market fields (loan rates) the catalog lacks for a coin that owes nothing; a coin that owes gets none
    lacking = {coin: [f for f in fields if MarketData.of(unified, f"{coin}/{quote}", date).field(f) is None]
               if held >= 0 else [] for coin, held, _, _ in coins}

    def account(value):
        positions = []
        for index, (coin, held, price, margin) in enumerate(coins):
            numbers = {"total": max(held, Fraction(0)), "debt": max(-held, Fraction(0)), "interest": Fraction(0),
                       "price": price, "markPrice": price, "maintenanceMargin": margin}
            positions.append(Position(f"{coin}/{quote}", "long" if held >= 0 else "short", numbers, index=index,
                                      market_fields={f: value for f in lacking[coin]}))
        return Account("spot", "cross", tuple(positions), quote=quote, file="<the unified account>")

    found = evaluate_account(unified, account(Fraction(0)), date=date)
    if not any(lacking.values()):
        return found.margin_level, found.status
    probe = evaluate_account(unified, account(LOAN_PROBE), date=date)
    if (probe.status, probe.margin_level) != (found.status, found.margin_level):
        given = sorted({f for names in lacking.values() for f in names})
        raise EvaluationError(f"the unified account's margin rate depends on {', '.join(given)} (a loan rate), "
                              f"which {unified.id}'s catalog does not give for a coin that owes nothing")
    return found.margin_level, found.status


def _quote(unified) -> str:
    """The currency the unified rule values every coin in (its ``ccxt: balances: quote:``)."""
    balances = getattr(unified.ccxt, "balances", None) if unified.ccxt is not None else None
    quote = getattr(balances, "quote", None)
    if quote is None:
        raise _usage(f"{unified.id} states no currency it values its coins in (ccxt: balances: quote:)",
                     "a unified-margin rule's ccxt balances section names its valuation currency", code="MV002")
    return quote


def _usage(message: str, hint: str, code: str = "MV002") -> UsageError:
    return UsageError(message, [Diagnostic(code, message, file="<command line>", hint=hint)], code=code)
