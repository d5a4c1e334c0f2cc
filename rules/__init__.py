"""The rules shipped with margin-verifier, as package data: installed under the name ``margin_verifier_rules``.

This folder is the one copy of the shipped rules, market catalogs and recorded exchange responses: ``pyproject.toml``
maps the package ``margin_verifier_rules`` onto it, so an editable install (``make`` in a checkout) reads these very
files and a wheel carries them.  The toolkit finds them with ``importlib.resources.files("margin_verifier_rules")``
(:mod:`verifier.read.rule_sources`); there is no code here.
"""
