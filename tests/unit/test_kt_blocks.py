"""The design held in row blocks is the same matrix as the one built whole.

``RowBlocks`` multiplies, transposes and squares block by block; the logistic fit on
blocks lands where the fit on the joined matrix does; ``LogisticKT._design`` built in
blocks of any size gives the same rows; ``fit_sample`` keeps whole learners in a fixed
order and stops at the row limit.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from pathwise.engine.kt import logistic
from pathwise.engine.kt.data import ResponseLog
from pathwise.engine.kt.optim import RowBlocks, fit_logistic
from pathwise.services.kt import fit_sample, sample_log


def _split(X: sp.csr_matrix, cuts: list[int]) -> RowBlocks:
    edges = [0, *sorted(set(c for c in cuts if 0 < c < X.shape[0])), X.shape[0]]
    return RowBlocks([X[a:b] for a, b in zip(edges, edges[1:])], X.shape[1])


@settings(max_examples=40, deadline=None)
@given(rows=st.integers(1, 40), cols=st.integers(1, 12), density=st.floats(0.05, 0.9),
       cuts=st.lists(st.integers(0, 40), max_size=5), seed=st.integers(0, 10_000))
def test_blocks_multiply_like_the_whole_matrix(rows: int, cols: int, density: float, cuts: list[int],
                                               seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = sp.random(rows, cols, density=density, format="csr", random_state=rng)
    B = _split(X, cuts)
    w, u = rng.normal(size=cols), rng.normal(size=rows)
    assert B.shape == X.shape and B.nnz == X.nnz
    assert np.allclose(B @ w, X @ w)
    assert np.allclose(B.rmatvec(u), X.T @ u)
    assert np.allclose(B.squared_rmatvec(u), X.multiply(X).T @ u)


def test_the_fit_on_blocks_lands_where_the_fit_on_the_whole_matrix_does() -> None:
    rng = np.random.default_rng(3)
    X = sp.random(3000, 40, density=0.2, format="csr", random_state=rng)
    truth = rng.normal(size=40)
    y = (rng.random(3000) < 1 / (1 + np.exp(-(X @ truth)))).astype(float)
    reg = np.ones(40)
    whole = fit_logistic(X, y, reg, maxiter=50)
    blocked = fit_logistic(_split(X, [700, 1400, 2999]), y, reg, maxiter=50)
    assert np.allclose(whole, blocked, atol=1e-6)
    assert np.corrcoef(whole, truth)[0, 1] > 0.9  # and the fit found the generating weights


def _log(n_learners: int, per: int, seed: int = 5) -> ResponseLog:
    rng = random.Random(seed)
    log = ResponseLog()
    for i in range(n_learners):
        for j in range(per):
            skill = ("a", "b", "c")[rng.randrange(3)]
            log.append(f"s{i}", f"{skill}{rng.randrange(4)}", (skill,), float(rng.random() < 0.4 + 0.01 * j), 60.0 * j)
    return log


@pytest.mark.parametrize("block", [1, 7, 64, 10_000])
def test_the_design_built_in_blocks_is_the_design_built_whole(block: int, monkeypatch: pytest.MonkeyPatch) -> None:
    log = _log(9, 25)
    whole_model = logistic.LogisticKT()
    monkeypatch.setattr(logistic, "DESIGN_BLOCK", 10**9)
    whole = sp.vstack(whole_model._design(log, space := whole_model._space(log)).blocks, format="csr")
    monkeypatch.setattr(logistic, "DESIGN_BLOCK", block)
    other = logistic.LogisticKT()
    blocks = other._design(log, other_space := other._space(log))
    assert len(blocks.blocks) == -(-len(log) // block)
    assert other_space.scale == space.scale  # the pair scale comes from the whole log either way
    assert abs(sp.vstack(blocks.blocks, format="csr") - whole).max() == 0.0


def test_a_sample_keeps_whole_learners_in_a_fixed_order_up_to_the_limit() -> None:
    counts = {f"learner-{i}": 10 + i % 7 for i in range(200)}
    assert fit_sample(counts, sum(counts.values())) is None
    chosen = fit_sample(counts, 500)
    assert chosen is not None and len(set(chosen)) == len(chosen)
    rows = sum(counts[c] for c in chosen)
    assert 500 <= rows < 500 + max(counts.values())  # stops at the first learner past the limit
    assert fit_sample(dict(reversed(list(counts.items()))), 500) == chosen  # the order is the ids' hash
    grown = {**counts, **{f"new-{i}": 12 for i in range(20)}}
    assert len(set(fit_sample(grown, 500) or []) & set(chosen)) > len(chosen) // 2  # mostly the same learners
    log = _log(30, 10)
    small = sample_log(log, 95)
    kept = set(small.students)
    assert len(small) == 100 and len(kept) == 10
    assert [r for r in log.rows() if r[0] in kept] == list(small.rows())  # each history whole, in order
    assert sample_log(log, 300) is log
