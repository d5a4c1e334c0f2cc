"""Every JSON output carries ``versions`` (the toolkit's version and the rules' data dates); pinned outputs leave it
out, since it changes with every release and every import of market data, and tests check it apart."""

from __future__ import annotations

import json


def without_versions(text: str) -> str:
    """A JSON document as the CLI prints it, without its ``versions`` member, which must be the one in force.

    >>> without_versions('{"a": 1, "versions": ' + json.dumps(expected_versions()) + '}')
    '{\\n  "a": 1\\n}\\n'
    """
    data = json.loads(text)
    assert data.pop("versions") == expected_versions()
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def expected_versions() -> dict:
    from verifier import __version__
    from verifier.read.rule_sources import data_date, shipped_root

    return {"marginVerifier": __version__, "rules": data_date(shipped_root())}
