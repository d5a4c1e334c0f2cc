"""The toolkit's version (``pyproject.toml`` says the same; a test keeps the two equal).  A module of its own so
that any stage can name the version without importing the package's public API.

>>> isinstance(__version__, str)
True
"""

__version__ = "0.1.0"
