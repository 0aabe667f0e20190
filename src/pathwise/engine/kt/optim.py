"""L2-regularised logistic regression on a sparse design matrix, fitted with numpy and scipy.

One function, ``fit_logistic``: truncated Newton. Each step solves the Newton system
approximately by conjugate gradients (Hessian-vector products only, never the
Hessian itself) preconditioned by the Hessian's diagonal, with a cap on the inner
iterations, then backtracks along the step until the objective drops enough. The
diagonal preconditioner matters: the columns mix one-hot indicators, log counts and
standardised products whose curvatures differ by orders of magnitude, and without it
the inner solves take hundreds of passes over the data. No feature engineering here,
no I/O.

The design may come as ``RowBlocks``: the rows in consecutive sparse blocks, used as one
matrix (``X @ w``, ``X.T @ u``) without ever being joined or transposed into copies, so a
fit holds the design once (values, column indices, and the squared values for the
preconditioner) rather than three times.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _objective(z: np.ndarray, y: np.ndarray, sw: np.ndarray, reg: np.ndarray, w: np.ndarray) -> float:
    return float(np.sum(sw * (np.logaddexp(0.0, z) - y * z)) + 0.5 * np.sum(reg * w * w))


class RowBlocks:
    """Rows of one design matrix held as consecutive CSR blocks (32-bit column indices)."""

    def __init__(self, blocks: list[sp.csr_matrix], n_cols: int) -> None:
        self.blocks = [b if b.format == "csr" else sp.csr_matrix(b) for b in blocks]
        self.n_cols = n_cols
        self._squares: list[sp.csr_matrix] | None = None

    @classmethod
    def of(cls, X: sp.spmatrix | RowBlocks) -> RowBlocks:
        return X if isinstance(X, RowBlocks) else cls([sp.csr_matrix(X)], X.shape[1])

    @property
    def shape(self) -> tuple[int, int]:
        return sum(b.shape[0] for b in self.blocks), self.n_cols

    @property
    def nnz(self) -> int:
        return sum(b.nnz for b in self.blocks)

    def __matmul__(self, w: np.ndarray) -> np.ndarray:
        if not self.blocks:
            return np.zeros(0)
        return np.concatenate([b @ w for b in self.blocks])

    def rmatvec(self, u: np.ndarray) -> np.ndarray:
        """``X.T @ u``, block by block (a CSR block's transpose is a CSC view, not a copy)."""
        return self._rmatvec(self.blocks, u)

    def squared_rmatvec(self, u: np.ndarray) -> np.ndarray:
        """``(X * X).T @ u``: the squared values share the blocks' index arrays."""
        if self._squares is None:
            self._squares = [sp.csr_matrix((b.data * b.data, b.indices, b.indptr), shape=b.shape)
                             for b in self.blocks]
        return self._rmatvec(self._squares, u)

    def _rmatvec(self, blocks: list[sp.csr_matrix], u: np.ndarray) -> np.ndarray:
        out = np.zeros(self.n_cols)
        start = 0
        for b in blocks:
            end = start + b.shape[0]
            out += b.T @ u[start:end]
            start = end
        return out


def fit_logistic(X: sp.csr_matrix | RowBlocks, y: np.ndarray, reg: np.ndarray, *, weights: np.ndarray | None = None,
                 maxiter: int = 100, tol: float = 1e-4, max_cg: int = 30,
                 callback: Callable[[int], None] | None = None) -> np.ndarray:
    """Weights minimising sum of logistic losses + 0.5 * sum(reg * w**2).

    Stops after ``maxiter`` Newton steps or when every gradient component is below
    ``tol * sqrt(rows)``; each step uses at most ``max_cg`` inner iterations."""
    X = RowBlocks.of(X)
    n = X.shape[0]
    y = np.asarray(y, dtype=float)
    reg = np.asarray(reg, dtype=float)
    sw = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    gtol = tol * max(1.0, float(n) ** 0.5)
    w = np.zeros(X.shape[1])
    z = np.zeros(n)
    f = _objective(z, y, sw, reg, w)
    for it in range(1, maxiter + 1):
        p = sigmoid(z)
        g = X.rmatvec(sw * (p - y)) + reg * w
        gnorm = float(np.linalg.norm(g))
        if float(np.max(np.abs(g))) < gtol:
            break
        d = sw * p * (1.0 - p)
        diag = X.squared_rmatvec(d) + reg
        minv = 1.0 / np.maximum(diag, 1e-12)
        # preconditioned conjugate gradients on H s = -g
        s = np.zeros_like(w)
        r = -g
        q = minv * r
        direction = q.copy()
        rq = float(r @ q)
        stop = min(0.5, gnorm ** 0.5) * gnorm
        for _ in range(max_cg):
            Hd = X.rmatvec(d * (X @ direction)) + reg * direction
            curv = float(direction @ Hd)
            if curv <= 0.0:
                break
            alpha = rq / curv
            s += alpha * direction
            r -= alpha * Hd
            if float(np.linalg.norm(r)) < stop:
                break
            q = minv * r
            rq_new = float(r @ q)
            direction = q + (rq_new / rq) * direction
            rq = rq_new
        if not s.any():
            s = -minv * g
        # backtracking line search (Armijo)
        Xs = X @ s
        slope = float(g @ s)
        t = 1.0
        while True:
            w_new = w + t * s
            z_new = z + t * Xs
            f_new = _objective(z_new, y, sw, reg, w_new)
            if f_new <= f + 1e-4 * t * slope or t < 1e-6:
                break
            t *= 0.5
        if f_new > f:
            break
        converged = f - f_new < 1e-9 * max(1.0, abs(f))
        w, z, f = w_new, z_new, f_new
        if callback is not None:
            callback(it)
        if converged:
            break
    return w
