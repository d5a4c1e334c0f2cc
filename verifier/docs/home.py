"""The home page: what the project is, every rule with quick links, the coverage matrix, how to read a rule page."""

from __future__ import annotations

from verifier.docs import compute, verification
from verifier.docs.layout import (ACCOUNT_FORMAT, CATALOG_FORMAT, CLI, COMPARISON, CROSS_VS_ISOLATED, HOME,
                                  PROPERTIES, RULE_FORMAT, Page, rule_page_path)
from verifier.docs.markup import anchor, md_cell, md_table, rel

INTRO = ("Crypto exchanges each define margin level, maintenance-margin tiers and liquidation price their own way, on "
         "help pages that drift. **margin-verifier** keeps those rules as **data**: one rule file per exchange product "
         "under `rules/`, with a source beside every number and formula. The toolkit checks the files, derives "
         "closed-form liquidation prices with SymPy, simulates cross and isolated accounts exactly, and verifies that "
         "the two agree. Every page under *Rules* is generated from a rule file when this site is built.")

HOW_TO_READ = [
    "1. **Sources**: the exchange pages the rule is transcribed from, linked, with the date they were read.",
    "2. **Symbols** and **parameters**: every name used in a formula, with its unit and meaning; parameters carry the "
    "dates from which each value is in force.",
    "3. **Definitions**: named formulas (notional, unrealised PnL, maintenance margin...), as written and fully "
    "expanded.",
    "4. **Margin modes**: for each mode (cross, isolated...) its equity, the conditions (liquidation, bankruptcy...) "
    "with their boundary (`<` or `<=`), the derived prices and the exchange's *published* formula with its proof "
    "status.",
    "5. **Tier tables**: the maintenance brackets; the bracket is chosen by the notional *at the price being tested*.",
    "6. **Worked examples**: expected values (from the source) against the values computed here, with a pass mark.",
    "7. **Chart** of liquidation price against leverage, for a long and a short.",
    "8. **The rule file** itself, shipped with this site.",
]


def home_page(rules, guides: dict, cli: bool = True) -> Page:
    """The home page; ``cli``: whether the site has the command-line reference (the ``margin-verifier-cli`` plugin)."""
    lines = ["# margin-verifier", "", INTRO, "", "## The rules", ""]
    lines += [_rule_item(rule) for rule in rules]
    lines += ["", "## Coverage", "",
              "Which exchange, product and margin mode have a rule; whether the exchange's published formula is "
              "proved equivalent to the derived one; whether the verifier's properties hold for the mode (`verify`, "
              "profile ci; details under *Verification* on the rule page); how many worked examples pass.", ""]
    lines += md_table(["exchange", "product", "mode", "rule", "published formula", "verified", "worked examples"],
                      [row for rule in rules for row in _coverage_rows(rule)])
    lines += ["", "## How to read a rule page", "", "Each rule page follows the rule file, top to bottom:", ""]
    lines += HOW_TO_READ + ["", "## More", ""] + _more(guides, cli)
    return Page(HOME, "\n".join(lines) + "\n")


def _rule_item(rule) -> str:
    page = rel(HOME, rule_page_path(rule))
    cross = next((m for m in rule.modes.values() if m.account == "cross"), None)
    quick = [f"[{cross.name} liquidation formula]({page}#{anchor(cross.name + ' mode')})"] if cross else []
    quick += [f"[sources]({page}#sources)", f"[worked examples]({page}#worked-examples)"]
    return f"- **[{md_cell(rule.title)}]({page})** (`{rule.id}`): " + ", ".join(quick)


def _proof_cell(rule, mode, proofs) -> str:
    published = [p for entries in rule.published.values() for p in entries if mode.name in p.modes]
    cells = [str(getattr(proofs.get((p.quantity, p.index)), "status", "not proved")) for p in published]
    cells += [f"{level.condition} level {getattr(proofs.get((d.key, d.index, level.condition)), 'status', 'not proved')}"
              for entries in rule.published_definitions.values() for d in entries if mode.name in d.modes
              for level in d.levels]  # a published ratio definition, met at the derived price
    return ", ".join(cells) if cells else "none published"


def _examples_cell(rows) -> str:
    if not rows:
        return "none"
    passing = sum(1 for r in rows if r["passed"])
    mark = " ❌" if any(r["passed"] is False for r in rows) else (" ✅" if passing == len(rows) else "")
    return f"{passing} / {len(rows)} pass{mark}"


def _verified_cell(report, mode: str) -> str:
    rows = verification.rows_for_mode(report, mode)
    if not rows:
        return "not run"
    bad = any(r["status"] in ("fail", "error") for r in rows)
    ran = any(r["status"] == "pass" for r in rows)
    return md_cell(verification.summary(rows)) + (" ❌" if bad else (" ✅" if ran else ""))


def _coverage_rows(rule) -> list:
    proofs, examples, report = compute.proof_results(rule), compute.example_rows(rule), verification.report_for(rule)
    link = rel(HOME, rule_page_path(rule))
    return [[rule.exchange, rule.product, mode.name, f"[{md_cell(rule.title)}]({link}#{anchor(mode.name + ' mode')})",
             md_cell(_proof_cell(rule, mode, proofs)), _verified_cell(report, mode.name),
             _examples_cell([r for r in examples if r["example"].mode == mode.name])]
            for mode in rule.modes.values()]


def _more(guides: dict, cli: bool) -> list:
    lines = [f"- [Cross vs isolated, rule by rule]({rel(HOME, CROSS_VS_ISOLATED)})",
             f"- [Exchange comparison]({rel(HOME, COMPARISON)})",
             f"- [Rule-file format]({rel(HOME, RULE_FORMAT)}), [market-catalog format]({rel(HOME, CATALOG_FORMAT)}) "
             "and "
             f"[account-snapshot format]({rel(HOME, ACCOUNT_FORMAT)})",
             (f"- [Command-line reference]({rel(HOME, CLI)}) and [verify properties]({rel(HOME, PROPERTIES)})" if cli
              else f"- [Verify properties]({rel(HOME, PROPERTIES)})")]
    return lines + [f"- [{title}]({rel(HOME, path)})" for path, title in guides.items()]
