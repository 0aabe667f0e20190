"""Use cases: the only place where domain, engine and storage meet.

Every use case takes an ``Actor`` and asks the one access policy (``access.py``)
before it reads or writes a learner's record. The CLI, the REST API, the pages and
the standards adapters all call these functions, so behaviour cannot drift.
"""
