"""Pathwise: a personalized-learning platform.

The package is layered (see docs/architecture.md): ``domain`` holds the vocabulary,
``engine`` the numbers, ``store`` the database, ``services`` the use cases, and
``web``, ``cli`` and ``interop`` are the doors. Nothing here may import outward.
"""

__version__ = "0.1.0"
