"""The web door: FastAPI JSON API (``api/``), server-rendered pages (``pages/``), auth.

Views only translate between HTTP and service calls; they never touch the store.
"""
