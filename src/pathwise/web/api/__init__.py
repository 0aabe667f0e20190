"""The REST API under /api/v1: JSON routers (``routes``) and their schemas (``schemas``).

Routers translate HTTP to service calls and service results to output schemas;
they hold no rules of their own.
"""
