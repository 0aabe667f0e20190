"""xAPI (Experience API) 1.0.3 / 2.0.0: the Learning Record Store (``lrs.handle``),
statement validation and the statement resource.

It translates xAPI requests, as plain data, into calls of services/xapi*.py, and
never touches storage or a web framework itself; ``pathwise.web.xapi`` serves it over
HTTP at /xapi.
"""
