"""Render a path into a document (keys and indices) as a JSON path string.

>>> json_path(("tiers", "tables", "BTC/USDT:USDT", 0))
'$.tiers.tables["BTC/USDT:USDT"][0]'
"""

from __future__ import annotations

import json
import re

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")

Path = tuple


def json_path(path: Path) -> str:
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            out += f".{part}"
        else:
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
    return out
