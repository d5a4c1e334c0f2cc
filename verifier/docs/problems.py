"""Problems met while building the site: logged as errors through MkDocs' logger, so ``mkdocs build --strict``
fails, and shown on the page where they are (never a silent gap or a substitute value).

>>> import logging
>>> logging.getLogger("mkdocs.plugins.margin-verifier").disabled = True
>>> report("rules/x.yaml", "liquidation price at 10x", ValueError("no tier row"))
'no tier row'
>>> logging.getLogger("mkdocs.plugins.margin-verifier").disabled = False
"""

from __future__ import annotations

import logging

log = logging.getLogger("mkdocs.plugins.margin-verifier")


def report(file: str, what: str, error) -> str:
    """Log that ``what`` failed for ``file`` (a rule or scenario file), with the reason; return the reason."""
    diagnostics = getattr(error, "diagnostics", None)
    reason = "; ".join(d.render() for d in diagnostics) if diagnostics else str(error)
    log.error("margin-verifier: %s: %s: %s", file, what, reason)
    return reason
