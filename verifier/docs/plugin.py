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

import logging
import os
import time
from pathlib import Path

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File

from verifier.docs import layout, navigation, verification
from verifier.docs.comparison import comparison_page
from verifier.docs.compare_howto import compare_howto_page
from verifier.docs.cross_vs_isolated import cross_vs_isolated_page
from verifier.docs.home import home_page
from verifier.docs.markets_page import market_pages
from verifier.docs.properties_reference import properties_page
from verifier.docs.rule_page import rule_page
from verifier.docs.schema_reference import format_pages
from verifier.read import check_file, expand_paths

log = logging.getLogger("mkdocs.plugins.margin-verifier")

CSS_PATH = "assets/margin-verifier.css"
CSS = """
.mv-formula { overflow-x: auto; margin: .6em 0; }
.mv-formula math { font-size: 1.15em; }
.md-typeset .mv-table { overflow-x: auto; }
.md-typeset .mv-table table { border-collapse: collapse; font-size: .72rem; }
.md-typeset .mv-table th, .md-typeset .mv-table td { border: 1px solid var(--md-default-fg-color--lightest);
  padding: .3em .5em; vertical-align: top; }
.md-typeset img[src$=".svg"] { max-width: 100%; background: white; }
"""

class PluginConfig(Config):
    rules = c.Type(str, default="rules")
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
        # MARGIN_VERIFIER_DOCS_RULES builds the site from another rules folder (the browser test uses a subset).
        rules_dir = root / os.environ.get("MARGIN_VERIFIER_DOCS_RULES", self.config.rules)
        rules, shipped = self._load_rules(rules_dir)
        present = [f.src_uri for f in files.documentation_pages()]
        guides = navigation.written_pages(present)
        self._prepare_verification(rules)
        generated = self._pages(rules, guides, self._options(rules_dir), root / self.config.scenarios, root)
        for page in generated:
            if files.get_file_from_path(page.path) is not None:
                log.info("docs/%s is hand-written; not generating it", page.path)
            else:
                files.append(File.generated(config, page.path, content=page.markdown))
            for asset, data in page.assets.items():
                files.append(File.generated(config, asset, content=data))
        for path in shipped:
            site_path = layout.site_copy_path(str(path), str(rules_dir))
            if files.get_file_from_path(site_path) is None:
                files.append(File.generated(config, site_path, abs_src_path=str(path)))
        files.append(File.generated(config, CSS_PATH, content=CSS))
        formats = [(page.markdown.split("\n", 1)[0].removeprefix("# "), page.path) for page in format_pages()]
        config.nav = navigation.nav(rules, present, formats)
        log.info("margin-verifier: %d pages generated from %d rule(s) in %.1fs", len(generated), len(rules),
                 time.perf_counter() - started)
        return files

    def _options(self, rules_dir: Path) -> layout.Options:
        return layout.Options(position=dict(self.config.position), market=self.config.market,
                              inverse_position=dict(self.config.inverse_position or {}) or None,
                              leverage=list(self.config.leverage), comparison_leverage=self.config.comparison_leverage,
                              chart_mode=self.config.chart_mode, rules_dir=str(rules_dir))

    @staticmethod
    def _prepare_verification(rules) -> None:
        started = time.perf_counter()
        reports = verification.prepare(rules)
        log.info("margin-verifier: verify reports for %d rule(s), %d from the cache, in %.1fs", len(reports),
                 sum(1 for _, cached in reports.values() if cached), time.perf_counter() - started)

    @staticmethod
    def _pages(rules, guides, options, scenarios_dir, root) -> list:
        generated = [home_page(rules, guides)] + [rule_page(rule, options) for rule in rules]
        generated += [page for rule in rules for page in market_pages(rule)]
        generated += [cross_vs_isolated_page(rules, scenarios_dir, root), compare_howto_page(root),
                      comparison_page(rules, options)]
        generated += format_pages() + [properties_page(rules)]
        return generated

    @staticmethod
    def _load_rules(rules_dir: Path):
        """Every valid rule under rules_dir (an invalid one is a warning: --strict fails the build)."""
        found, problems = expand_paths([rules_dir])
        rules, shipped = [], []
        for problem in problems:
            log.warning("margin-verifier: %s", problem.render())
        for path in found:
            result = check_file(path)
            if result.diagnostics:
                log.warning("margin-verifier: %s has %d problem(s); run `margin-verifier check %s`",
                            path, len(result.diagnostics), path)
                continue
            shipped.append(path)
            if result.rule is not None:
                rules.append(result.rule)
        rules.sort(key=lambda r: r.id)
        return rules, shipped
