"""The numbers: knowledge tracing, recommendation scoring, review scheduling,
grouping, early warning and the learner simulator.

numpy/scipy only; scikit-learn style estimators (no work in ``__init__``, ``fit``
returns self, learned attributes end in ``_``). Knows the domain and nothing else of
ours: no storage, no web, no services.
"""
