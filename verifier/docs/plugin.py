"""The MkDocs plugin ``margin-verifier``: generates the reference pages from rules/ at build time.

Registered in pyproject.toml under ``[project.entry-points."mkdocs.plugins"]``. Pages are created
in memory with :meth:`mkdocs.structure.files.File.generated` (nothing is written into docs/), and
the navigation (:mod:`verifier.docs.navigation`: tutorial, how-to guides, reference, explanation) lists the
hand-written pages that exist; a rule's market pages are linked from its page, not listed (``not_in_nav``).  One
module per page (home, rule_page, markets_page, comparison, cross_vs_isolated, schema_reference: one page per
schema in verifier/schemas, cli_reference, properties_reference); a problem met while building one (a derivation
or chart input that fails, a rule that does not load) is logged as an error, so ``mkdocs build --strict`` fails
(:mod:`verifier.docs.problems`).  The CLI reference page comes from the command line's own plugin
(:mod:`verifier.cli.reference`, ``margin-verifier-cli``): the docs stage never imports the command line.
"""

from __future__ import annotations

import json
import logging
import os
import time
from importlib import resources
from pathlib import Path

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

from verifier.docs import layout, navigation, verification
from verifier.docs.calculator import STATIC
from verifier.docs.comparison import comparison_page
from verifier.docs.compare_examples import bundled
from verifier.docs.compare_howto import compare_howto_page
from verifier.docs.cross_vs_isolated import cross_vs_isolated_page
from verifier.docs.home import home_page
from verifier.docs.markets_page import market_pages
from verifier.docs.properties_reference import properties_page
from verifier.docs.rule_page import rule_page
from verifier.docs.schema_reference import format_pages
from verifier.read import check_file, expand_paths
from verifier.read.rule_sources import folder_problems, rules_root, same_folder as _same, shipped_root, \
    use_folders, user_folders

log = logging.getLogger("mkdocs.plugins.margin-verifier")

SUBSET = "MARGIN_VERIFIER_DOCS_RULES"
"""Builds the site from this one rule folder alone (the browser test's subset), instead of the ``rules`` option."""

CSS_PATH = "assets/margin-verifier.css"
CLI_PLUGIN = "margin-verifier-cli"
"""The command line's MkDocs plugin (:mod:`verifier.cli.reference`), which adds the command-line reference page."""
CSS = """
.mv-formula { overflow-x: auto; margin: .6em 0; }
.mv-formula math { font-size: 1.15em; }
/* The generated tables (class "mv": the theme neither restyles nor wraps them) fill the content column; their prose
   wraps, so they fit; scrolling sideways is a last resort. */
.md-typeset .mv-table { overflow-x: auto; margin: 0 0 1em; }
.md-typeset table.mv { border-collapse: collapse; font-size: .68rem; width: 100%; margin: 0; }
.md-typeset table.mv th, .md-typeset table.mv td { border: 1px solid var(--md-default-fg-color--lightest);
  padding: .3em .45em; vertical-align: top; text-align: left; overflow-wrap: normal; word-break: normal; }
.md-typeset table.mv th { font-weight: 700; background: var(--md-default-fg-color--lightest); }
/* Prose wraps; an id, a market symbol or a number is one word and never breaks (markup.html_table marks them). */
.md-typeset .mv-table code { word-break: normal; overflow-wrap: normal; }
.md-typeset .mv-table .mv-id, .md-typeset .mv-table td.mv-num, .md-typeset .mv-table td.mv-num code { white-space: nowrap; }
.md-typeset img[src$=".svg"] { max-width: 100%; background: white; }
/* Markdown tables (the theme's): no minimum column width, so that wide ones (compare's) wrap to the column. */
.md-typeset table:not([class]) th { min-width: 0; }
.md-typeset table:not([class]) th, .md-typeset table:not([class]) td { padding: .6em .8em; }
.md-typeset .mv-calculator { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.1fr); gap: .4rem 1.2rem;
  border: 1px solid var(--md-default-fg-color--lightest); border-radius: .2rem; padding: .6rem .8rem; margin: .6em 0 1.2em; }
@media screen and (max-width: 60em) { .md-typeset .mv-calculator { grid-template-columns: minmax(0, 1fr); } }
.md-typeset .mv-calc-row { display: grid; grid-template-columns: 8em minmax(0, 1fr); align-items: baseline;
  gap: .1rem .6rem; margin: .3rem 0; }
.md-typeset .mv-calc-row[hidden] { display: none; }
.md-typeset .mv-calc-row input, .md-typeset .mv-calc-row select { font: inherit; font-size: .75rem; min-width: 0;
  padding: .2rem .35rem; border: 1px solid var(--md-default-fg-color--lighter); border-radius: .1rem;
  background: var(--md-default-bg-color); color: var(--md-default-fg-color); }
.md-typeset .mv-calc-note { grid-column: 2; color: var(--md-default-fg-color--light); font-size: .62rem; line-height: 1.4; }
.md-typeset .mv-calc-results { font-size: .75rem; border-collapse: collapse; width: 100%; }
.md-typeset .mv-calc-results th { text-align: left; font-weight: 600; padding: .25rem .6rem .25rem 0; width: 35%;
  vertical-align: top; }
.md-typeset .mv-calc-results td { padding: .25rem 0; font-variant-numeric: tabular-nums; }
.md-typeset .mv-calc-results output { font-size: .8rem; white-space: nowrap; }
.md-typeset .mv-calc-exact { color: var(--md-default-fg-color--light); font-size: .62rem; }
.md-typeset .mv-calc-errors { color: #c62828; font-size: .72rem; }
.md-typeset .mv-calc-mode-note, .md-typeset .mv-calc-market { font-size: .65rem; color: var(--md-default-fg-color--light); }
"""


def site_css() -> str:
    """The plugin's stylesheet: the fallback fonts (``static/fonts/fonts.json``, written by tools/site-fonts.py),
    first in the site's font stacks (a browser uses a face only for the characters of its unicode-range), and the
    layout of the generated pages."""
    faces = json.loads(resources.files("verifier.docs").joinpath("static", "fonts", "fonts.json").read_text("utf-8"))
    rules = "".join(f'@font-face {{ font-family: "MV Fallback"; src: url("fonts/{face["file"]}") format("woff"); '
                    f'unicode-range: {face["unicodeRange"]}; font-display: swap; }}\n' for face in faces)
    return rules + ':root { --md-text-font: "MV Fallback"; --md-code-font: "MV Fallback"; }\n' + CSS


def static_files() -> dict:
    """site path -> file under ``verifier/docs/static``: the calculators' runtime, the fonts and their licences."""
    fonts = resources.files("verifier.docs").joinpath("static", "fonts")
    out = dict(STATIC)
    for entry in fonts.iterdir():
        if entry.name.endswith((".woff", ".txt")):
            out[f"assets/fonts/{entry.name}"] = f"fonts/{entry.name}"
    return out


class PluginConfig(Config):
    rules = c.Type((str, list), default=[])  # your rule folders (relative to mkdocs.yml), over the shipped rules
    shipped = c.Type(bool, default=True)  # pages for the shipped rules too (false: a site of your own rules)
    scenarios = c.Type(str, default="scenarios")
    position = c.Type(dict, default={"contracts": 1, "contractSize": 1, "entryPrice": 100})
    inverse_position = c.Optional(c.Type(dict))
    market = c.Optional(c.Type(str))
    leverage = c.Type(list, default=[1, 2, 5, 10, 20, 50, 100])
    comparison_leverage = c.Type((int, float), default=10)
    chart_mode = c.Type(str, default="isolated")


class MarginVerifierPlugin(BasePlugin[PluginConfig]):
    def on_config(self, config):
        if CSS_PATH not in config.extra_css:
            config.extra_css.append(CSS_PATH)
        return config

    def on_files(self, files, config):
        started = time.perf_counter()
        root = Path(config.config_file_path).parent if config.config_file_path else Path.cwd()
        folders = self._folders(root)
        rules, copies = self._load_rules(folders, self.config.shipped and not os.environ.get(SUBSET))
        present = [f.src_uri for f in files.documentation_pages()]
        guides = navigation.written_pages(present)
        self._prepare_verification(rules)
        roots = tuple(dict.fromkeys(str(folder) for _, folder in copies))
        cli = CLI_PLUGIN in config.plugins  # the command line's own plugin adds its reference page
        generated = self._pages(rules, guides, self._options(roots), root / self.config.scenarios, root, cli)
        self._scripts = {}
        for page in generated:
            if files.get_file_from_path(page.path) is not None:
                log.info("docs/%s is hand-written; not generating it", page.path)
            else:
                files.append(File.generated(config, page.path, content=page.markdown))
                if page.scripts:
                    self._scripts[page.path] = page.scripts
            for asset, data in page.assets.items():
                files.append(File.generated(config, asset, content=data))
        for site_path, name in static_files().items():  # the calculators' runtime, the fallback fonts
            files.append(File.generated(config, site_path, content=resources.files("verifier.docs").joinpath(
                "static", name).read_bytes()))
        for path, folder in copies:
            site_path = layout.site_copy_path(str(path), str(folder))
            if files.get_file_from_path(site_path) is None:
                files.append(File.generated(config, site_path, abs_src_path=str(path)))
        files.append(File.generated(config, CSS_PATH, content=site_css()))
        formats = [(page.markdown.split("\n", 1)[0].removeprefix("# "), page.path) for page in format_pages()]
        config.nav = navigation.nav(rules, present, formats, compare_howto=bundled(root), cli=cli)
        log.info("margin-verifier: %d pages generated from %d rule(s) in %.1fs", len(generated), len(rules),
                 time.perf_counter() - started)
        return files

    def on_post_page(self, output, page, config):
        """A page's own scripts (a rule page's calculator), at the end of its body, relative to the page."""
        scripts = getattr(self, "_scripts", {}).get(page.file.src_uri)
        if not scripts:
            return output
        tags = "".join(f'<script src="{get_relative_url(script, page.url)}"></script>' for script in scripts)
        return output.replace("</body>", tags + "</body>", 1)

    def _folders(self, root: Path) -> list[Path]:
        """The user's rule folders: $MARGIN_VERIFIER_DOCS_RULES (one folder, alone: the browser test builds a subset),
        else the ``rules`` option, relative to mkdocs.yml.  They become the rule folders of the whole build, as
        ``--rules`` does for a command (:mod:`verifier.read.rule_sources`), so scenarios' rule ids resolve there
        first; a missing or empty folder is an error (``--strict`` fails)."""
        given = os.environ.get(SUBSET) or self.config.rules
        if not given:
            return list(user_folders())  # $MARGIN_VERIFIER_RULES, as for a command
        folders = [root / f for f in ([given] if isinstance(given, str) else given)]
        for problem in folder_problems(folders, "the margin-verifier plugin's 'rules'", file=str(root / "mkdocs.yml")):
            log.error("margin-verifier: %s", problem.render())
        use_folders([f for f in folders if f.is_dir()])
        return folders

    def _options(self, rules_dirs: tuple) -> layout.Options:
        return layout.Options(position=dict(self.config.position), market=self.config.market,
                              inverse_position=dict(self.config.inverse_position or {}) or None,
                              leverage=list(self.config.leverage), comparison_leverage=self.config.comparison_leverage,
                              chart_mode=self.config.chart_mode, rules_dirs=rules_dirs)

    @staticmethod
    def _prepare_verification(rules) -> None:
        started = time.perf_counter()
        reports = verification.prepare(rules)
        log.info("margin-verifier: verify reports for %d rule(s), %d from the cache, in %.1fs", len(reports),
                 sum(1 for _, cached in reports.values() if cached), time.perf_counter() - started)

    @staticmethod
    def _pages(rules, guides, options, scenarios_dir, root, cli=True) -> list:
        generated = [home_page(rules, guides, cli)] + [rule_page(rule, options) for rule in rules]
        generated += [page for rule in rules for page in market_pages(rule)]
        examples = bundled(root)  # the compare examples and their how-to: this repository's, not every project's
        generated += [cross_vs_isolated_page(rules, scenarios_dir, root if examples else None),
                      *([compare_howto_page(root)] if examples else []), comparison_page(rules, options)]
        generated += format_pages() + [properties_page(rules)]
        return generated

    @staticmethod
    def _load_rules(folders, shipped: bool):
        """Every valid rule in force under the user's ``folders`` and (with ``shipped``) the shipped rules, a user's
        rule in place of the shipped one of the same id; and every valid file to copy into the site, with its
        folder.  An invalid file is a warning (``--strict`` fails the build)."""
        roots = list(user_folders())  # the folders given that exist, less the shipped one
        if shipped or any(_same(f, shipped_root()) for f in folders):
            roots.append(rules_root())
        rules, copies, ids = [], [], set()
        for folder in roots:
            found, problems = expand_paths([folder])
            for problem in problems:
                log.warning("margin-verifier: %s", problem.render())
            for path in found:
                rule_id = path.relative_to(folder).with_suffix("").as_posix()
                if rule_id in ids:
                    continue  # a rule of the user's takes this shipped one's place
                result = check_file(path)
                if result.diagnostics:
                    log.warning("margin-verifier: %s has %d problem(s); run `margin-verifier check %s`",
                                path, len(result.diagnostics), path)
                    continue
                copies.append((path, folder))
                if result.rule is not None:
                    ids.add(rule_id)
                    rules.append(result.rule)
        rules.sort(key=lambda r: r.id)
        return rules, copies
