"""The located error lines the CLI prints (``file:line:col: error[MVnnn]: message (at $.path); hint: ...``), parsed
for tests that assert where a problem was reported.

>>> errors("rule.yaml:3:7: error[MV530]: it differs (at $.conformance.cases[0]); hint: look")[0]["path"]
'$.conformance.cases[0]'
"""

import re

LOCATED = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+):(?P<col>\d+): error\[(?P<code>MV\d{3})\]: (?P<message>.*?)"
                     r"(?: \(at (?P<path>[^)]*)\))?(?:; hint: .*)?$", re.M)


def errors(text: str) -> list:
    """Every located error line of ``text``: file, line, col, code, message and path (None when not given)."""
    return [m.groupdict() for m in LOCATED.finditer(text)]
