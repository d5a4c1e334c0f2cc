"""The MkDocs plugin ``margin-verifier-cli``: the site's command-line reference page, from this package's own
argument parser.

The page is rendered by the docs stage (:func:`verifier.docs.cli_reference.cli_page`, which takes a parser); this
plugin hands it the parser, so the docs stage never imports the command line.  Registered in pyproject.toml under
``[project.entry-points."mkdocs.plugins"]``; mkdocs.yml lists it after ``margin-verifier``, whose navigation names
the page.
"""

from __future__ import annotations

from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File

from verifier.cli.main import build_parser
from verifier.docs.cli_reference import cli_page


class CliReferencePlugin(BasePlugin):
    def on_files(self, files, config):
        page = cli_page(build_parser())
        if files.get_file_from_path(page.path) is None:
            files.append(File.generated(config, page.path, content=page.markdown))
        return files
