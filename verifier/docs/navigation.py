"""The site's navigation, in the four kinds of documentation (as Hypothesis and schemathesis split theirs).

* **Tutorial**: learning by doing, start to end (write a first rule from an exchange's page).
* **How-to guides**: a task for someone who knows what they want (add an exchange, write a scenario, check
  positions, run in CI).
* **Reference**: the facts, generated where they can be (file formats from the schemas, the command line from its
  parser, the properties from their registry, the Python API from its docstrings) and hand-written where not.
* **Explanation**: why things are as they are (cross against isolated margin).

Hand-written pages are listed when they exist in ``docs/``; generated pages always.

>>> [list(section)[0] for section in nav([], ["tutorial/index.md", "how-to/run-in-ci.md"], [])][:4]
['Home', 'Tutorial', 'How-to guides', 'Reference']
"""

from __future__ import annotations

from verifier.docs import layout

TUTORIAL = (("Your first rule, in 15 minutes", layout.TUTORIAL),)
HOW_TO = (("Add an exchange", "how-to/add-an-exchange.md"),
          ("Write a scenario", "how-to/write-a-scenario.md"),
          ("Check my positions", "how-to/check-my-positions.md"),
          ("Run in CI", "how-to/run-in-ci.md"))
REFERENCE_WRITTEN = (("Rule files, section by section", "writing-rules.md"),
                     ("Market data and import", "market-data.md"),
                     ("Formula language", "formula-language.md"))
REFERENCE_AFTER = (("Python API", "reference/api.md"), ("Error codes", "error-codes.md"))
EXPLANATION = (("Cross or isolated margin?", "explanation/cross-vs-isolated.md"),)


def nav(rules, present, formats) -> list:
    """The navigation: ``present`` is the hand-written pages in docs/, ``formats`` the generated format pages
    as (title, path)."""
    def written(pages):
        return [{title: path} for title, path in pages if path in present]

    reference = (written(REFERENCE_WRITTEN) + [{title: path} for title, path in formats]
                 + [{"Command line": layout.CLI}, {"Verify properties": layout.PROPERTIES}]
                 + written(REFERENCE_AFTER))
    explanation = written(EXPLANATION) + [{"Cross vs isolated, rule by rule": layout.CROSS_VS_ISOLATED},
                                          {"Exchange comparison": layout.COMPARISON}]
    sections = [{"Home": layout.HOME}]
    if written(TUTORIAL):
        sections.append({"Tutorial": written(TUTORIAL)})
    if written(HOW_TO):
        sections.append({"How-to guides": written(HOW_TO)})
    sections += [{"Reference": reference}, {"Explanation": explanation},
                 {"Rules": [{rule.title: layout.rule_page_path(rule)} for rule in rules]}]
    return sections


def written_pages(present) -> dict:
    """Hand-written pages that exist, path -> title (the home page links them)."""
    every = TUTORIAL + HOW_TO + REFERENCE_WRITTEN + REFERENCE_AFTER + EXPLANATION
    return {path: title for title, path in every if path in present}
