"""Spot-margin accounts from a ccxt ``fetch_balance()`` dump, read as the rule's ``ccxt: balances:`` says.

A margin account is balances, not positions: per asset what it holds, owes and owes in interest.  ccxt's unified
balance merges them (Binance's isolated pairs are summed per currency, its ``debt`` adds interest to the loan), so
the rule reads the raw payload under ``info``: for cross margin one list of asset balances (Binance
``info.userAssets``), for isolated margin one pair account per element (Binance ``info.assets``: base and quote
balances, the exchange's index price, liquidation rate and liquidation price of the pair).

What a balance dump does not carry comes from the export object beside it: ``quote`` (the asset a cross account is
valued in) and ``prices`` (asset -> price in it).  Only what an answer needs is asked for: an asset without a price
still gets its liquidation price where the others' prices suffice, and says what its margin level lacks.  The
exchange's own price of an isolated pair is used where it gives one (a price given as well for that asset is an
error, MV614).  Balances of nothing (all zero) are skipped and listed, as flat positions are.

An isolated pair's mode is the rule's isolated mode whose ``liquidation_level`` is the pair's own liquidation rate,
when the rule has several (Binance's 3x, 5x and 10x pairs liquidate at different margin levels); a pair that does
not say is refused (MV612) rather than given the first mode.
"""

from __future__ import annotations

import os
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

from verifier.errors import EvaluationError, SpecError
from verifier.model.account import Account, AccountSet, Derivative, Place, Position, Reported
from verifier.model.ccxt_mapping import COIN_FIELDS, SPOT_BALANCE_FIELDS
from verifier.model.numbers import approx_text, decimal_text
from verifier.model.snapshot import evaluate_reading, fields_of
from verifier.read.ccxt_fit import fitting_rules
from verifier.read.ccxt_unread import answer_unread, balance_unread, normalised

SKIP = "no balance: it holds and owes nothing"


def accounts_from_balance(rule, balance: dict, locator, *, extra=None, file="<export>") -> AccountSet:
    """The margin pools of a spot-margin ``fetch_balance()`` dump under ``rule``'s ``ccxt: balances:``;
    ``extra``: the export object's ``quote``, ``prices`` and ``marginMode``; raise :class:`SpecError` with every
    problem."""
    reader = _Reader(rule, balance, locator, extra or {})
    reader.read()
    if reader.problems:
        raise SpecError(f"{file}: {len(reader.problems)} problem(s) in the ccxt balance", reader.problems,
                        code=reader.problems[0].code)
    unread = balance_unread(balance, frozenset(reader.read_paths), rule.ccxt.unread)
    for within, paths in sorted(reader.answer_paths.items()):
        unread += answer_unread(reader.extra.get(within), within, frozenset(paths), rule.ccxt.unread)
    return AccountSet("ccxt", tuple(reader.accounts), tuple(reader.skipped), file, None, unread)


_PRODUCT_RULES: dict = {}  # (rule file, its mtime and size) -> the Rule loaded from it


def product_rule(rule_id: str):
    """The product rule ``rule_id`` as :func:`~verifier.read.load_rule` loads it, loaded once per process while its
    file is unchanged (a unified rule names it per kind of position; loading it costs more than reading a hundred
    positions under it).  Like the account's own rule, which the caller loads once, it is not reloaded when only
    its catalog changes within the process."""
    from verifier.read import load_rule
    from verifier.read.rule_sources import resolve_rule_path

    path = resolve_rule_path(rule_id)
    try:
        stat = os.stat(path)
    except OSError:
        return load_rule(rule_id)  # says why
    key = (str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _PRODUCT_RULES:
        _PRODUCT_RULES[key] = load_rule(rule_id)
    return _PRODUCT_RULES[key]


class _Reader:
    def __init__(self, rule, balance, locator, extra):
        self.rule, self.balance, self.locator, self.extra = rule, balance, locator, extra
        self.spec = rule.ccxt.balances
        self.problems, self.accounts, self.skipped = [], [], []
        self._product_rules = {}  # product rule id -> (Rule or None, why it cannot be loaded)
        self.read_paths: set = set()
        self.answer_paths: dict = {}  # an answer beside the balance ('account') -> the paths of it read
        self.prices_used: set = set()
        self.open: dict = {}  # coin -> (input, value, place) of the first open_when input not 0
        self.unpriced: dict = {}  # row index -> why its product rule cannot read it (a summed reading only)
        self._priced: dict = {}  # row index -> the product rule that prices it (set by _products)
        self.notionals: dict = {}  # row index -> its notional in the valuation currency (positions: notional:)

    def error(self, code, message, place, hint=None):
        self.problems.append(self.locator.diagnostic(code, message, place, hint))

    def read(self) -> None:
        mapping = self.rule.ccxt
        if mapping.identifies(self.balance) is False:
            names = fitting_rules(self.balance, "spot", exclude=self.rule.id)
            self.error("MV618", f"this is not a {'/'.join(mapping.exchanges)} margin balance: its info has no "
                                + ", ".join(p.text for p in mapping.identify), Place(("balance", "info")),
                       (f"evaluate it with {' or '.join(names)}" if names else
                        "no rule in force reads this exchange's balance") + f" (rule {self.rule.id} reads "
                       f"{'/'.join(mapping.exchanges)} exports)")
            return
        self.read_paths |= {normalised(_keys(p)) for p in mapping.identify}
        found = {mode: spec for mode, spec in self.spec.lists.items()
                 if isinstance(spec.path.resolve(self.balance)[0], list)}
        wanted = self.extra.get("marginMode")
        if wanted is not None:
            found = {mode: spec for mode, spec in found.items() if mode == wanted}
        if not found and self.rule.product.unified:
            lists = " or ".join(spec.path.text for spec in self.spec.lists.values())
            notes = [spec.note for spec in self.spec.lists.values() if spec.note]
            self.error("MV610", f"this balance has no list of coins at {lists}: rule {self.rule.id} reads each "
                                "coin's balance there", Place(("balance",)),
                       notes[0] if notes else "dump fetch_balance() of the account with ccxt")
            return
        if not found:
            lists = ", ".join(f"{spec.path.text} ({mode})" for mode, spec in self.spec.lists.items())
            self.error("MV610", f"this fetch_balance() dump holds no margin account the rule reads: no {lists}",
                       Place(("balance",)), "dump fetch_balance({'type': 'margin', 'marginMode': 'cross'}) or "
                                            "'isolated' with ccxt")
            return
        for mode, spec in found.items():
            (self._cross if mode == "cross" else self._isolated)(spec)
        if "account" in self.extra and not any(t.within == "account" for t in self.spec.totals):
            self.error("MV614", f"the export gives an account answer, which rule {self.rule.id} does not read (its "
                                "ccxt: balances: totals: name none 'in: account')", Place(("positions", "account")),
                       "remove 'account' from the export")
        given = set(self.extra.get("prices") or {}) if not self.problems else set()  # (a coin refused uses none)
        for asset in sorted(given - self.prices_used):
            self.error("MV614", f"a price is given for {asset}, which no account of the balance holds or owes",
                       Place(("positions", "prices", asset)), "remove it, or check the asset's code")

    # ------------------------------------------------------------------------------------------ cross

    def _cross(self, spec) -> None:
        elements, found = spec.path.resolve(self.balance)
        self.read_paths.add(normalised(found))
        quote = self._quote()
        if quote is False:
            return
        balances, refused, empty = [], set(), {}
        if self.spec.position_account is not None and self.extra.get("positions") is None:
            self._no_positions()  # the account's printed requirement needs them, whatever its coins hold: said first
        for index, element in enumerate(elements):
            read = self._asset(spec, element, (*found, index))
            if read is None:
                refused.add(_code(spec, element))
                continue
            if read == SKIP or not any(read[1].values()):
                if read != SKIP:
                    empty[read[0]] = (index, read)
                self.skipped.append((index, _code(spec, element), SKIP))
                continue
            balances.append(read)
        if self.spec.summed:  # a listed coin of nothing whose positions hold margin is in the account (its equity 0)
            coins = {asset: fields for asset, fields, _ in balances} | {a: r[1] for a, (_, r) in empty.items()}
            derivatives = self._derivatives(coins, refused)
            settles = {d.settle for d in derivatives if d.maintenance}
            balances += [read for asset, (_, read) in empty.items() if asset in settles]
            self.skipped = [s for s in self.skipped if s[1] not in settles or s[2] != SKIP]
            if not self._summed(balances, derivatives):
                return
        else:
            derivatives = self._derivatives({asset: fields for asset, fields, _ in balances}, refused)
        if not balances:
            return
        if quote is None:
            self.error("MV600", "a cross margin account is valued in one asset: the export does not say which",
                       Place(("positions",)), "give it in the export object: {\"balance\": ..., \"quote\": \"USDT\", "
                                              "\"prices\": {\"BTC\": ...}} (prices of the other assets in it)")
            return
        positions = [self._position(asset, fields, place, index, quote) for index, (asset, fields, place)
                     in enumerate(balances)]
        self.accounts.append(Account("spot", "cross", tuple(positions), quote=quote, file=self._file(),
                                     places={"quote": Place(("positions", "quote"))}, locator=self.locator,
                                     totals=self._totals(), derivatives=derivatives))

    def _derivatives(self, coins: dict, refused=frozenset()) -> tuple:
        """The export's ``fetch_positions()`` rows beside a unified balance: each open one settled in a coin the
        balance holds, whose maintenance margin of positions is not zero (else MV626: the two disagree); a row in a
        coin already refused (``refused``: its error said) is not judged again."""
        rows = self.extra.get("positions")
        if rows is None:
            return ()
        reading = self.spec.positions
        if reading is None:
            self.error("MV615", f"rule {self.rule.id} does not say how to read fetch_positions() rows beside the "
                                "balance (no 'ccxt: balances: positions:')", Place(("positions", "positions")),
                       "give the balance alone")
            return ()
        if not isinstance(rows, list):
            self.error("MV610", "'positions' holds the list fetch_positions() returns", Place(("positions",
                                                                                              "positions")))
            return ()
        out, reading_rules = [], self.spec.position_rules
        for index, row in enumerate(rows):
            where = ("positions", "positions", index)
            symbol = row.get("symbol") if isinstance(row, dict) else None
            # BASE/QUOTE:SETTLE, and a delivery contract's BASE/QUOTE:SETTLE-EXPIRY settles in SETTLE too
            settle = _settle(symbol) if isinstance(symbol, str) and ":" in symbol else None
            if not settle:
                self.error("MV610", "a fetch_positions() row has ccxt's symbol BASE/QUOTE:SETTLE (a derivative)",
                           Place((*where, "symbol") if isinstance(row, dict) else where))
                continue
            contracts = self._value(row.get("contracts"), (*where[1:], "contracts"), "contracts", tag="positions")
            if contracts is False:
                continue
            if not contracts:
                self.skipped.append((index, symbol, "flat position: 0 contracts"))
                continue
            settle = self._row_coin(row, where, symbol, settle)
            if settle is None:
                continue
            raw, found = reading.path.resolve(row)
            maintenance = self._value(raw, (*where[1:], *found), reading.path.text, tag="positions")
            if maintenance is False:
                continue
            if settle in refused:
                continue
            if self.spec.position_notional is not None and not self._row_notional(row, where, index, symbol):
                continue
            if maintenance is None and self.spec.summed:
                note = self.spec.positions_note
                self.error("MV600", f"position #{index} {symbol} gives no maintenance margin at {reading.path.text}: "
                                    f"rule {self.rule.id} sums the positions' into their settle coin's",
                           Place((*where, *found)), note or "dump fetch_positions() with the positions' maintenance "
                                                            "margin")
                out.append(Derivative(index, symbol, row.get("side"), settle, contracts, None, Place(where)))
                continue
            if settle not in coins:
                self.error("MV626", f"position #{index} {symbol} settles in {settle}, which the balance "
                                    + ("holds and owes nothing of" if self._listed(settle) else "does not list"),
                           Place((*where, "symbol")), "the balance and the positions disagree on the settle coin: "
                                                      "dump fetch_balance() and fetch_positions() of the same "
                                                      "account at the same time")
                continue
            held = coins[settle].get("maintenanceMargin")
            if maintenance and held == 0:
                self.error("MV626", f"position #{index} {symbol} holds {decimal_text(maintenance)} {settle} of "
                                    f"maintenance margin ({reading.path.text}), and the balance gives {settle} none "
                                    "of positions", Place((*where, *found)),
                           "the balance and the positions disagree on the settle coin: dump both at the same time")
                continue
            priced = next((r.rule for r in reading_rules if r.matches(symbol)), None)
            if reading_rules and priced is None:
                self.error("MV627", f"position #{index} {symbol}: rule {self.rule.id} names no product rule for it "
                                    "(ccxt: balances: positions: rules:), so its price of liquidation cannot be "
                                    "computed", Place((*where, "symbol")),
                           "the rule prices " + ", ".join(f"{r.symbols} by {r.rule}" for r in reading_rules)
                           + "; a position of another kind needs its product rule named there")
                continue
            out.append(Derivative(index, symbol, row.get("side"), settle, contracts, maintenance, Place(where), row,
                                  priced, None, notional=self.notionals.get(index)))
        products = self._products({d.index: d.rule for d in out if d.rule is not None}, rows)
        return tuple(replace(d, unpriced=self.unpriced[d.index]) if d.index in self.unpriced else
                     replace(d, product=products[d.index]) if d.rule is not None else d
                     for d in out if d.rule is None or products.get(d.index) is not None or d.index in self.unpriced)

    def _no_positions(self) -> None:
        note = self.spec.positions_note
        prices = ", \"prices\": {...}" if "price" not in self.spec.readings else ""  # (a balance without prices)
        self.error("MV600", f"rule {self.rule.id} reads each coin's futures maintenance margin from the "
                            "fetch_positions() rows beside the balance, and the export gives none",
                   Place(("positions",)), "give them: {\"balance\": ..., \"positions\": [...]" + prices + "}"
                   + (f" ({note})" if note else ""))

    def _row_coin(self, row, where, symbol, settle):
        """The coin a row's margin counts in: its ``positions: asset:`` (OKX's margin currency ``info.ccy``) or its
        settle coin; None for a row not summed (a ``positions: mode:`` other than cross: skipped and listed) or
        after an error."""
        spec = self.spec
        if spec.position_mode is not None:
            mode, found = spec.position_mode.resolve(row)
            if not isinstance(mode, str) or not mode:
                self.error("MV610", f"position #{where[-1]} {symbol} gives no margin mode at {spec.position_mode.text}",
                           Place((*where, *found) if found else where), "dump fetch_positions() as ccxt returns it")
                return None
            if mode != "cross":
                self.skipped.append((where[-1], symbol, f"{mode} position: its margin is in its coin's equity, not "
                                                        "the account's maintenance margin"))
                return None
        if spec.position_asset is None:
            return settle
        coin, found = spec.position_asset.resolve(row)
        if not isinstance(coin, str) or not coin:
            self.error("MV610", f"position #{where[-1]} {symbol} gives no margin coin at {spec.position_asset.text}",
                       Place((*where, *found) if found else where), "dump fetch_positions() as ccxt returns it")
            return None
        return coin

    def _row_notional(self, row, where, index, symbol) -> bool:
        """Keep the row's notional in the valuation currency (``positions: notional:``); False after an error."""
        path = self.spec.position_notional
        raw, found = path.resolve(row)
        value = self._value(raw, (*where[1:], *found), path.text, tag="positions")
        if value is False:
            return False
        if value is None or value < 0:
            self.error("MV600" if value is None else "MV602",
                       f"position #{index} {symbol} gives " + ("no notional" if value is None else
                                                               f"a notional of {decimal_text(value)}")
                       + f" at {path.text}: rule {self.rule.id} sums the positions' into their coin's",
                       Place((*where, *found)), "dump fetch_positions() as ccxt returns it")
            return False
        self.notionals[index] = value
        return True

    def _explained(self, balances, derivatives) -> bool:
        """Whether the balance's account maintenance margin (``positions: account:``) is the positions' summed,
        each coin's valued at its price, and its account notional (``positions: account_notional:``) their
        notionals summed; else MV626 naming both figures (the difference is put on no coin)."""
        margin = self._margin_explained(balances, derivatives)
        return self._notional_explained(derivatives) and margin  # both judged: each disagreement said

    def _printed(self, check, what):
        """(the balance's figure at ``check.path``, its Place); the figure False after an error (MV600 where the
        balance gives none)."""
        raw, found = check.path.resolve(self.balance)
        place = Place(("balance", *found))
        printed = self._value(raw, found, check.path.text) if len(found) == len(check.path.steps) else None
        if printed is None:
            self.error("MV600", f"the balance gives no account {what} at {check.path.text}, which the positions' "
                                "must equal", place, "dump fetch_balance() of the account as ccxt returns it")
            return False, place
        if printed is not False:
            self.read_paths.add(normalised(found))
        return printed, place

    def _notional_explained(self, derivatives) -> bool:
        """Whether the balance's account notional (``positions: account_notional:``, OKX's notionalUsd) is the
        summed rows' notionals (each in the valuation currency already); else MV626 naming both."""
        check = self.spec.position_account_notional
        if check is None:
            return True
        printed, place = self._printed(check, "notional")
        if printed is False:
            return False
        ours = sum((self.notionals[d.index] for d in derivatives if d.index in self.notionals), Fraction(0))
        gap = abs(printed - ours)
        if gap == 0 or (check.rtol is not None and gap <= check.rtol * max(abs(printed), abs(ours))):
            return True
        count = sum(1 for d in derivatives if d.index in self.notionals)
        self.error("MV626", f"the balance's account notional {check.path.text} is {decimal_text(printed)}, and the "
                            f"{count} cross position(s) beside it hold {decimal_text(ours)} "
                            f"({self.spec.position_notional.text} summed): {decimal_text(printed - ours)} of the "
                            "account's notional is on no position (e.g. spot orders with auto-borrow, or a position "
                            "left out)", place,
                   "the rule reads each coin's fee term from its positions and does not put the difference on any "
                   "coin: dump fetch_balance() and fetch_positions() of the same account at the same time"
                   + (f" ({check.note})" if check.note else ""))
        return False

    def _margin_explained(self, balances, derivatives) -> bool:
        """:meth:`_explained`'s maintenance margin."""
        check = self.spec.position_account
        if check is None:
            return True
        printed, place = self._printed(check, "maintenance margin")
        if printed is False:
            return False
        ours, unpriced = Fraction(0), []
        for asset, fields, _ in balances:
            summed = fields.get("positionsMaintenance")
            if summed:
                if fields.get("price") is None:
                    unpriced.append(asset)
                else:
                    ours += summed * fields["price"]
        if unpriced:
            return True  # each coin's missing price is said where it is valued (MV600)
        gap = abs(printed - ours)
        if gap == 0 or (check.rtol is not None and gap <= check.rtol * max(abs(printed), abs(ours))):
            return True
        count = sum(1 for d in derivatives if d.maintenance)
        self.error("MV626", f"the balance's account maintenance margin {check.path.text} is {decimal_text(printed)}, "
                            f"and the {count} cross position(s) beside it hold {decimal_text(ours)} (each coin's at "
                            f"its price): {decimal_text(printed - ours)} of the account's requirement is on no "
                            "position (e.g. spot orders with auto-borrow, a liability, or a position left out)", place,
                   "the rule reads each coin's maintenance margin from its positions and does not put the "
                   "difference on any coin: dump fetch_balance() and fetch_positions() of the same account at the "
                   "same time" + (f" ({check.note})" if check.note else ""))
        return False

    def _summed(self, balances, derivatives) -> bool:
        """Each coin's ``maintenanceMargin`` (in the coin, valued at its price by ``_position``): the sum of the
        maintenance margins of the open positions settled in it (``positions: summed: true``, Binance Portfolio
        Margin: its balance gives none).  The positions must be given; False after an error."""
        if self.extra.get("positions") is None:
            if balances and self.spec.position_account is None:
                self._no_positions()
            return False
        if any(d.maintenance is None for d in derivatives):
            return False  # each said where (MV600)
        settles = {d.settle for d in derivatives}
        for asset, (text, value, place) in self.open.items():
            if asset not in settles and any(asset == a for a, _, _ in balances):
                self.error("MV626", f"{asset}: {text} is {decimal_text(value)}, which an open position settled in "
                                    f"{asset} has, and no open position beside the balance settles in {asset}", place,
                           "the balance and the positions disagree: give every book's positions of the same "
                           "account at the same time" + (f" ({self.spec.positions_note})"
                                                         if self.spec.positions_note else ""))
        if self.problems:
            return False
        for asset, fields, _ in balances:
            fields["positionsMaintenance"] = sum((d.maintenance for d in derivatives if d.settle == asset),
                                                 Fraction(0))
            if self.spec.position_notional is not None:
                fields["notional"] = sum((self.notionals[d.index] for d in derivatives if d.settle == asset),
                                         Fraction(0))
        return self._explained(balances, derivatives)

    def _products(self, priced: dict, rows) -> dict:
        """Row index -> :meth:`_product` of each row of ``priced`` (index -> its product rule's id): each product
        rule loaded once, and its rows read together in one pass (one row at a time is quadratic in the rows);
        when that pass finds a problem (or two rows of one market, as a one-way account cannot hold), row by row,
        so that each row's errors are its own as before."""
        from verifier.errors import VerifierError
        from verifier.read.ccxt_export import accounts_from_ccxt

        out = {}
        self._priced = priced
        for rule_id in dict.fromkeys(priced.values()):
            indices = [i for i, r in priced.items() if r == rule_id]
            rule = self._product_rule(rule_id, indices[0])
            if rule is None:
                for index in indices[1:]:
                    self._product_rule(rule_id, index)
                out.update(dict.fromkeys(indices))
                continue
            mine = set(indices)
            flat = [{**row, "contracts": 0} if i not in mine and isinstance(row, dict) else row
                    for i, row in enumerate(rows)]
            flat = _own_kind(flat, rows, priced, rule_id, indices[0])
            settles = {_settle(rows[i]["symbol"]): Fraction(0) for i in indices}
            try:
                found = accounts_from_ccxt(rule, flat, self.locator, base=("positions",), margin_mode="cross",
                                           wallet=settles, unread=False)
            except VerifierError:
                found = None
            alone = {}
            if found is not None:
                for account in found.accounts:
                    for position in account.positions:
                        alone[position.index] = (rule, replace(account, positions=(position,)))
            if found is None or set(alone) != mine:
                alone = {index: self._product(rule, rows, index) for index in indices}
            out.update(alone)
        return out

    def _product_rule(self, rule_id, index):
        """The product rule ``rule_id`` (loaded once per reading), or None after saying at row ``index`` why it
        cannot be loaded."""
        from verifier.errors import VerifierError

        if rule_id not in self._product_rules:
            try:
                self._product_rules[rule_id] = product_rule(rule_id), None
            except VerifierError as error:
                first = error.diagnostics[0] if error.diagnostics else None
                said = f"{first.file}: {first.message}" if first is not None else str(error)
                self._product_rules[rule_id] = None, said
        rule, said = self._product_rules[rule_id]
        if rule is None:
            self.error("MV627", f"position #{index}: rule {self.rule.id} prices it by {rule_id}, which cannot be "
                                f"loaded: {said}", Place(("positions", "positions", index, "symbol")))
        return rule

    def _product(self, rule, rows, index):
        """(product rule, the one-position cross Account row ``index`` reads as under it), or None after its
        errors (said at the row: the export's own places)."""
        from verifier.errors import VerifierError
        from verifier.read.ccxt_export import accounts_from_ccxt

        # every other row made flat (skipped as such), so that the places keep the export's indices
        flat = [{**row, "contracts": 0} if i != index and isinstance(row, dict) else row
                for i, row in enumerate(rows)]
        flat = _own_kind(flat, rows, self._priced, rule.id, index)
        settle = _settle(rows[index]["symbol"])  # its wallet 0: only maintenance_margin and upnl are asked
        try:
            found = accounts_from_ccxt(rule, flat, self.locator, base=("positions",), margin_mode="cross",
                                       wallet={settle: Fraction(0)}, unread=False)
        except VerifierError as error:
            if self.spec.summed:  # its margin is its row's own (summed): the account stands, the position is unpriced
                self.unpriced[index] = _said(error)
                return None
            self.problems.extend(error.diagnostics)
            return None
        account = next((a for a in found.accounts if a.positions), None)
        return (rule, account) if account is not None else None

    def _listed(self, asset) -> bool:
        spec = self.spec.lists.get("cross")
        elements = spec.path.resolve(self.balance)[0] if spec is not None else None
        return isinstance(elements, list) and any(_code(spec, e) == asset for e in elements)

    def _totals(self) -> tuple:
        """(AccountTotal, Reported) of each account total the balance prints (an absent one is not reconciled), or
        the export's account answer (``in: account``); an answer that contradicts itself (``equals:``) is MV628."""
        out = []
        for total in self.spec.totals:
            if total.within != "balance":
                found = self._answer_total(total)
                if found is not None:
                    out.append(found)
                continue
            raw, found = total.path.resolve(self.balance)
            if len(found) != len(total.path.steps) or raw is None or raw == "":
                continue
            self.read_paths.add(normalised(found))
            value = self._value(raw, found, total.path.text)
            if value is not False:
                out.append((total, Reported(value, raw, total.path.text, Place(("balance", *found)))))
        self._contradictions(out)
        return tuple(out)

    def _answer_total(self, total):
        """(total, Reported) of a total printed in the export's account answer (``in: account``), or None."""
        answer = self.extra.get(total.within)
        if not isinstance(answer, dict):
            return None
        raw, found = total.path.resolve(answer)
        if len(found) != len(total.path.steps) or raw is None or raw == "":
            return None
        self.answer_paths.setdefault(total.within, set()).add(normalised(found))
        value = self._value(raw, (total.within, *found), total.text, tag="positions")
        if value is False:
            return None
        return total, Reported(value, raw, total.text, Place(("positions", total.within, *found)))

    def _contradictions(self, found) -> None:
        """MV628 for each total whose ``equals:`` no values of its answer's figures, each within its printed
        resolution, satisfy; MV629 for each whose ``at_least:`` none does (the figure below what the rule's
        definitions never let it fall under): the smallest and largest the formula takes at the corners of those
        intervals (exact for a formula monotone in each figure) must reach the figure's own interval."""
        printed = {(t.within, t.ours): (r.price, t.resolution or Fraction(0)) for t, r in found}
        texts = {(t.within, t.ours): t.text for t, _ in found}
        for total, reported in found:
            if reported.price is None:
                continue
            half = (total.resolution or Fraction(0)) / 2
            if total.equals is not None:
                bounds = self._corners(total, total.equals[1], printed)
                if bounds is not None and (reported.price + half < bounds[0] or reported.price - half > bounds[1]):
                    self.error("MV628", f"the {total.within} answer contradicts itself: {total.text} is "
                                        f"{decimal_text(reported.price)}, and {total.equals[0]} of its own figures "
                                        f"{self._shown(total, total.equals[1], printed, texts, bounds)}",
                               reported.place, "the figures are not of one account at one moment: dump the answer "
                                               f"again (rule {self.rule.id}, ccxt: balances: totals: {total.ours}: "
                                               "equals:)")
            if total.at_least is not None:
                bounds = self._corners(total, total.at_least[1], printed)
                if bounds is not None and reported.price + half < bounds[0]:
                    self.error("MV629", f"the {total.within} answer is impossible: {total.text} is "
                                        f"{decimal_text(reported.price)}, and the rule's definitions never put it "
                                        f"below {total.at_least[0]}, which of its own figures "
                                        f"{self._shown(total, total.at_least[1], printed, texts, bounds)}",
                               reported.place, "the figures are not of one account at one moment, or not the ones "
                                               f"the rule reads: dump the answer again (rule {self.rule.id}, ccxt: "
                                               f"balances: totals: {total.ours}: at_least:)")

    @staticmethod
    def _corners(total, expr, printed):
        """(smallest, largest) ``expr`` takes over the printed intervals of the figures it names, or None (a figure
        it uses is not printed, or it has no value there)."""
        from itertools import product

        names = sorted(fields_of(expr))
        if any((total.within, n) not in printed for n in names):
            return None  # a figure it uses is not printed: nothing to hold it against
        ranges = [[v - r / 2, v + r / 2] if r else [v] for v, r in (printed[total.within, n] for n in names)]
        try:
            corners = [evaluate_reading(expr, dict(zip(names, point))) for point in product(*ranges)]
        except EvaluationError:
            return None
        if None in corners:
            return None
        return min(corners), max(corners)

    @staticmethod
    def _shown(total, expr, printed, texts, bounds) -> str:
        """'(figure value, ...) is low[ to high][ within their printed resolution]'."""
        names = sorted(fields_of(expr))
        shown = ", ".join(f"{texts[total.within, n]} {decimal_text(printed[total.within, n][0])}" for n in names)
        low, high = bounds
        within = any(printed[total.within, n][1] for n in names)
        return (f"({shown}) is {approx_text(low)}" + (f" to {approx_text(high)}" if high != low else "")
                + (" within their printed resolution" if within else ""))

    def _quote(self):
        """The currency the account is valued in: the export's ``quote``, or the rule's (a unified balance values
        every coin in one currency, e.g. USD); False after an error (the two disagree)."""
        given, stated = self.extra.get("quote"), self.spec.quote
        if given is not None and stated is not None and given != stated:
            self.error("MV614", f"the export values the account in {given}, and rule {self.rule.id} reads this "
                                f"balance in {stated}", Place(("positions", "quote")),
                       f"remove 'quote' from the export (the balance gives prices in {stated})")
            return False
        return given if given is not None else stated

    # ------------------------------------------------------------------------------------------ isolated

    def _isolated(self, spec) -> None:
        elements, found = spec.path.resolve(self.balance)
        self.read_paths.add(normalised(found))
        for index, element in enumerate(elements):
            where = (*found, index)
            pair = spec.pair.resolve(element)[0] if isinstance(element, dict) else None
            legs = []
            for leg in spec.legs:
                value, at = leg.resolve(element) if isinstance(element, dict) else (None, ())
                legs.append(self._asset(spec, value, (*where, *at)) if isinstance(value, dict) else None)
            if None in legs or not isinstance(pair, str):
                self.error("MV610", "an isolated pair account has its id and its base and quote balances "
                                    f"({spec.pair.text}, {', '.join(p.text for p in spec.legs)})",
                           Place(("balance", *where)))
                continue
            self.read_paths |= {normalised((*found, 0, *_keys(p))) for p in (spec.pair, *spec.legs)}
            (base, base_fields, base_place), (quote, quote_fields, quote_place) = legs
            if not any(base_fields.values()) and not any(quote_fields.values()):
                self.skipped.append((index, pair, SKIP))
                continue
            price = self._number(spec.price, element, where) if spec.price is not None else None
            if price is not None and price <= 0:
                self.error("MV602", f"{spec.price.text} is {decimal_text(price)}, not a price", Place(("balance", *where,
                                                                                        *_keys(spec.price))))
                continue
            if price is not None and base in (self.extra.get("prices") or {}):
                self.error("MV614", f"the price of {base} in pair {pair} is given twice: prices.{base} and the "
                                    f"exchange's {spec.price.text}", Place(("positions", "prices", base)),
                           "the exchange's own price of the pair is used: remove prices." + base)
                continue
            reported = self._reported(spec, element, where)
            mode = self._mode(spec, element, where, pair)
            if mode is False:
                continue
            positions = (self._position(base, base_fields, base_place, 0, quote, price, reported),
                         self._position(quote, quote_fields, quote_place, 1, quote))
            self.accounts.append(Account("spot", "isolated", positions, quote=quote, symbol=f"{base}/{quote}",
                                         mode=mode, file=self._file(), locator=self.locator))

    def _mode(self, spec, element, where, pair):
        """The rule's isolated mode for the pair: its own liquidation rate picks among several; False after an
        error; None when the rule has one isolated mode."""
        modes = [m for m in self.rule.modes.values() if m.account == "isolated"]
        if len(modes) < 2:
            return None
        level = self._number(spec.level, element, where) if spec.level is not None else None
        matching = [m.name for m in modes if level is not None and "liquidation_level" in m.parameters
                    and any(Fraction(v) == level for _, v in m.parameters["liquidation_level"].values)]
        if len(matching) == 1:
            return matching[0]
        said = f"its {spec.level.text} is {decimal_text(level)}" if level is not None else \
            "it does not say its liquidation level"
        self.error("MV612", f"pair {pair}: the rule has {len(modes)} isolated modes ({', '.join(m.name for m in modes)}) "
                            f"and {said}, which is the liquidation level of "
                            f"{'none' if not matching else ' and '.join(matching)} of them",
                   Place(("balance", *where)), "the pair's mode cannot be told: evaluate it as a snapshot naming "
                                               "its mode (mode: ...)")
        return False

    # ------------------------------------------------------------------------------------------ one asset

    def _asset(self, spec, element, where):
        """(asset code, {total, debt, interest}, place) of one asset balance; SKIP for none; None after an error."""
        if not isinstance(element, dict):
            self.error("MV610", "expected an asset balance (an object)", Place(("balance", *where)))
            return None
        asset, at = spec.asset.resolve(element)
        self.read_paths.add(normalised((*where[:-1], 0, *at)) if isinstance(where[-1], int) else
                            normalised((*where, *at)))
        if not isinstance(asset, str) or not asset:
            self.error("MV610", f"an asset balance has its asset's code at {spec.asset.text}",
                       Place(("balance", *where)))
            return None
        values = {}
        for name, input_ in self.spec.inputs.items():
            raw, found = input_.path.resolve(element)
            self.read_paths.add(normalised(_pattern(where) + tuple(found)))
            value = self._value(raw, (*where, *found), input_.path.text)
            if value is False:
                return None
            if value is not None:
                values[name] = value
                if value and name in self.spec.open_when and asset not in self.open:
                    self.open[asset] = (input_.path.text, value, Place(("balance", *where, *found)))
        fields = {}
        # the coin fields (a unified balance's price and maintenance margin) only of a coin holding or owing something
        order = sorted(self.spec.readings.items(), key=lambda item: item[0] in COIN_FIELDS)
        for name, reading in order:
            if name in COIN_FIELDS and not any(fields.get(f) for f in SPOT_BALANCE_FIELDS):
                break
            found = reading.formula(spec.mode)  # one reading for both modes, or one per mode (KuCoin's fields differ)
            if found is None:
                continue
            text, expr = found
            try:
                value = evaluate_reading(expr, values)
            except EvaluationError:
                self.error("MV602", f"{asset}: {name} is read as {text}, which divides by zero here",
                           Place(("balance", *where)), f"a coin that holds or owes something has a {name} "
                                                       f"({reading.source})")
                return None
            if value is None:
                absent = sorted(n for n in fields_of(expr) if n not in values)
                self.error("MV600", f"{asset}: {name} is read as {text} and {', '.join(absent)} is absent",
                           Place(("balance", *where)), f"a {'/'.join(self.rule.ccxt.exchanges)} margin balance "
                                                       f"has them ({reading.source})")
                return None
            if value < 0 or (name == "price" and value == 0):
                self.error("MV602", f"{asset}: {name} is {decimal_text(value)} ({text}), "
                                    + ("not a price" if name == "price" else "below 0"), Place(("balance", *where)))
                return None
            fields[name] = value
        if any(fields.get(f) for f in SPOT_BALANCE_FIELDS) and not self._enabled(asset, element, where):
            return None
        return asset, fields, Place(("balance", *where))

    def _enabled(self, asset, element, where) -> bool:
        """Whether every collateral flag of the coin (``enabled:``) is not false; an error for each that is."""
        ok = True
        for path in self.spec.enabled:
            value, found = path.resolve(element)
            self.read_paths.add(normalised(_pattern(where) + tuple(found)))
            if value is False or (isinstance(value, str) and value.lower() == "false"):
                self.error("MV603", f"{asset}: {path.text} is false: the exchange counts the coin as collateral at "
                                    f"0, which rule {self.rule.id} does not model", Place(("balance", *where, *found)),
                           "switch the coin's collateral on, or leave it out of the account by hand")
                ok = False
        return ok

    def _position(self, asset, fields, place, index, quote, price=None, reported=None) -> Position:
        is_quote = asset == quote
        if "price" in fields:  # a unified balance's own price of the coin
            price = fields["price"]
            if asset in (self.extra.get("prices") or {}):
                self.prices_used.add(asset)
                self.error("MV614", f"the price of {asset} is given twice: prices.{asset} and the balance's own",
                           Place(("positions", "prices", asset)), "the balance's price is used: remove prices." + asset)
        elif price is None and not is_quote:
            raw = (self.extra.get("prices") or {}).get(asset)
            if raw is not None:
                self.prices_used.add(asset)
                price = self._value(raw, ("prices", asset), f"prices.{asset}", tag="positions")
                price = None if price is False else price
                if price is not None and price <= 0:
                    self.error("MV602", f"prices.{asset} is {decimal_text(price)}, not a price", Place(("positions", "prices",
                                                                                           asset)))
                    price = None
        elif is_quote:
            price = Fraction(1)
            self.prices_used.add(asset)
        fields = dict(fields)
        summed = fields.pop("positionsMaintenance", None)
        if summed is not None:  # the coin's positions' maintenance margin, in the coin: valued at its price
            if summed and price is None:
                self.error("MV600", f"{asset}: its positions hold {decimal_text(summed)} {asset} of maintenance "
                                    f"margin, valued in {quote} at its price, and the export gives no price of {asset}",
                           Place(("positions", "prices", asset)),
                           f"give {asset}'s {quote} index price in the export: \"prices\": {{\"{asset}\": \"...\"}}")
            else:
                fields["maintenanceMargin"] = summed * price if summed else Fraction(0)
        if price is not None:
            fields.update(price=price, markPrice=price)
        net = fields["total"] - fields.get("debt", 0) - fields.get("interest", 0)
        places = {name: place for name in fields}
        if not is_quote and "price" not in fields:
            places.update(price=Place(("positions", "prices", asset)), markPrice=Place(("positions", "prices", asset)))
        # a unified coin is the market COIN/QUOTE of the rule's collateral catalog (its haircut tiers, its fields)
        symbol = f"{asset}/{quote}" if self.rule.product.unified else asset
        return Position(symbol, "long" if net >= 0 else "short", fields, place, places, quote=is_quote, index=index,
                        reported=reported)

    def _reported(self, spec, element, where):
        if spec.reported is None:
            return None
        raw, found = spec.reported.resolve(element)
        self.read_paths.add(normalised(_pattern((*where, *_keys(spec.reported)))))
        value = self._value(raw, (*where, *found), spec.reported.text)
        if value is False:
            return None
        return Reported(value if value is not None and value > 0 else None, raw, spec.reported.text,
                        Place(("balance", *where, *found)))

    def _number(self, path, element, where):
        raw, found = path.resolve(element)
        self.read_paths.add(normalised(_pattern((*where, *_keys(path)))))
        value = self._value(raw, (*where, *found), path.text)
        return None if value is False else value

    def _value(self, raw, where, text, tag="balance"):
        """The exact number at ``where`` (None for null or ""), False after an error (not a number: MV602; beyond
        the reading layer's limits: its code)."""
        from verifier.read.ccxt_export import number
        from verifier.read.inputs import NumberError, shown

        if isinstance(raw, (dict, list)):
            self.error("MV602", f"{text} is {'an object' if isinstance(raw, dict) else 'a list'}, not a number",
                       Place((tag, *where)))
            return False
        try:
            return number(raw)
        except NumberError as exc:
            self.error(exc.limit or "MV602", f"{text} is {shown(raw)}: {exc.reason}" if exc.limit else
                       f"{text} is {shown(raw)}, not a number", Place((tag, *where)))
            return False

    def _file(self):
        return self.locator.files["positions"].file


def _keys(path) -> tuple:
    return tuple(step[1] if step[0] == "key" else 0 for step in path.steps)


def _pattern(where) -> tuple:
    """A concrete path with its list indices made 0 (normalised alike)."""
    return tuple(0 if isinstance(step, int) else step for step in where)


def _own_kind(flat, rows, priced, rule_id, template) -> list:
    """``flat`` with each row this product rule does not price replaced by row ``template`` made flat (0
    contracts), so that a product rule reading the list (each row's index kept) never judges a row of another kind
    (Binance Portfolio Margin: USDⓈ-M and COIN-M rows in one list, one product rule each; OKX: an isolated
    coin-margined row skipped beside a USDT-margined one)."""
    if all(priced.get(i) == rule_id for i in range(len(rows))):
        return flat
    stand_in = {**rows[template], "contracts": 0}
    return [row if priced.get(i) == rule_id else stand_in for i, row in enumerate(flat)]


def _said(error) -> str:
    """An error's first message with where it is (a position left unpriced says why in its reason)."""
    first = error.diagnostics[0] if error.diagnostics else None
    if first is None:
        return str(error)
    return f"[{first.code}] {first.message} (at {first.json_path})"


def _code(spec, element):
    return spec.asset.resolve(element)[0] if isinstance(element, dict) else None


def _settle(symbol: str) -> str | None:
    """The settle coin of a ccxt contract symbol (a delivery contract's ``BASE/QUOTE:SETTLE-EXPIRY`` too): the
    positions reader's own (imported when a row is read, as the rest of that reader)."""
    from verifier.read.ccxt_export import _settle as settle

    return settle(symbol)
