"""Translators between the field's standards (xAPI, OneRoster, CASE, LTI) and service calls.

They parse and check outside formats and call services; they never reach the store.
"""
