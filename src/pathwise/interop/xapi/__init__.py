"""The xAPI (Experience API) Learning Record Store door: ``router`` is mounted at /xapi.

It translates xAPI 1.0.3 / 2.0.0 HTTP requests into calls of services/xapi*.py and
never touches storage itself.
"""

from pathwise.interop.xapi.routes import router

__all__ = ["router"]
