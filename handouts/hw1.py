"""Homework 1: score-based foundations (Tweedie, Gaussian KL, FFJORD, backprop, Fokker-Planck, SDEs)

Implement every function below with exactly these names and parameters, then check your work with `grade check <this file> --assignment hw1`.
Functions and points: tweedie_posterior_mean (10), gaussian_kl (8), ffjord_log_density (12), ffjord_adjoint_grad (14), backprop_v1 (8), backprop_v2 (8), fokker_planck_rhs (12), ve_sde_sample (10), reverse_sde_drift (6), reverse_sde_sample (12).

Conventions (all assignments):
- Tensors passed in are torch.float64; integer steps are Python ints or int64 tensors.
- Return a torch.Tensor, a numpy.ndarray or a Python number; results are compared in
  float64 (float32 is accepted at float32 accuracy).
- Time is 1-indexed: betas[t-1] is beta_t, abar_t = prod_{s<=t} (1 - beta_s), abar_0 = 1.
  In DDIM (hw2 problem 2), alphas[t-1] is the cumulative alpha_t.
- Randomness is passed in: never draw random numbers, use the `noise` you are given.
- Do not modify inputs in place.
- Public checks use the same inputs for everyone; hidden checks use inputs drawn for you.

Written parts (submitted separately, graded by the instructors):
- Problem 1: Tweedie's formula E[X | Y] = Y + Sigma grad log p_Y(Y) (10 points)
- Problem 2: KL divergence of isotropic Gaussians (5 points)
- Problem 3: the adjoint method for FFJORD gives an unbiased stochastic gradient (15 points)
- Problem 4: equivalence of the two graph-form backward passes (10 points)
- Problem 5: the Fokker-Planck equation (10 points)
- Problem 6: X_t | X_0 ~ N(X_0, sigma_t^2) for the VE SDE (10 points)
- Problem 7: the reverse SDE family has marginals p_t for every lambda <= 1 (10 points)"""

import math

import numpy as np
import torch


def tweedie_posterior_mean(y, score, Sigma):
    r"""Posterior mean E[X | Y = y] by Tweedie's formula.

    [hw1, 10 points]

    Parameters
    ----------
    y : (N, d) torch.Tensor
        Observations y = x + z.
    score : callable
        ``score(y)`` maps ``(N, d)`` to ``(N, d)``: grad log p_Y at each row.
    Sigma : (d, d) torch.Tensor
        Covariance of the Gaussian noise Z, symmetric positive definite.

    Returns
    -------
    (N, d) torch.Tensor
        E[X | Y = y_n] for each row.

    Notes
    -----
    hw1 problem 1 (Tweedie's formula; Efron 2011, JASA 106):

    .. math::

        \mathbb E[X \mid Y = y] = y + \Sigma \nabla\log p_Y(y),

    applied row-wise as ``y + score(y) @ Sigma.T``.
    """
    raise NotImplementedError("tweedie_posterior_mean: your code here")


def gaussian_kl(mu0, sigma0, mu1, sigma1):
    r"""KL divergence between two isotropic Gaussians, row by row.

    [hw1, 8 points]

    Parameters
    ----------
    mu0 : (N, d) torch.Tensor
        Means of the first distribution.
    sigma0 : (N,) torch.Tensor or float
        Standard deviations (not variances) of the first distribution.
    mu1 : (N, d) torch.Tensor
        Means of the second distribution.
    sigma1 : (N,) torch.Tensor or float
        Standard deviations of the second distribution.

    Returns
    -------
    (N,) torch.Tensor
        KL(N(mu0_n, sigma0_n^2 I) || N(mu1_n, sigma1_n^2 I)) for each row n.

    Notes
    -----
    hw1 problem 2:

    .. math::

        D_{KL} = \frac{\|\mu_1 - \mu_0\|^2}{2\sigma_1^2}
                 + \frac{d}{2}\left(\frac{\sigma_0^2}{\sigma_1^2} - 1\right)
                 + d \log\frac{\sigma_1}{\sigma_0}.

    This is the KL term of the DDPM variational bound (Ho et al. 2020,
    arXiv:2006.11239, eq. 5).
    """
    raise NotImplementedError("gaussian_kl: your code here")


def ffjord_log_density(f, x, nu, n_steps):
    r"""FFJORD estimate of log p(x) with one Hutchinson probe per row.

    [hw1, 12 points]

    Parameters
    ----------
    f : nn.Module
        Vector field ``f(z, s) -> (N, D)`` for ``z : (N, D)`` and a float
        ``s``, acting row-wise (row n of the output depends on row n of z
        only).
    x : (N, D) torch.Tensor
        Data points, z(1) = x.
    nu : (N, D) torch.Tensor
        Probe vectors, one per row, with E[nu nu^T] = I (Rademacher or
        standard Gaussian).
    n_steps : int
        Number of RK4 steps of size 1/n_steps from s = 1 to s = 0.

    Returns
    -------
    (N,) torch.Tensor
        log N(z(0); 0, I_D) - l_hat(0). Differentiable with respect to x and
        to the parameters of ``f`` when autograd is enabled.

    Notes
    -----
    hw1 problem 3 (FFJORD, arXiv:1810.01367, eqs. 4 and 7): the state
    (z, l_hat) solves

    .. math::

        \frac{d}{ds}\begin{bmatrix} z \\ \hat\ell \end{bmatrix}
        = \begin{bmatrix} f(z, s) \\ -\nu^\top \frac{\partial f}{\partial z} \nu \end{bmatrix},
        \qquad z(1) = x,\ \hat\ell(1) = 0,

    from s = 1 to s = 0 by classical RK4 with s_k = (n_steps - k)/n_steps,
    and log p_hat(x) = log p_Z(z(0)) - l_hat(0). The quadratic form
    nu^T (df/dz) nu is the vector-Jacobian product nu^T df/dz dotted with nu,
    so the Jacobian is never formed. Since E[nu^T J nu] = tr J, the estimate
    is unbiased for the log-likelihood of the (discretised) flow.
    """
    raise NotImplementedError("ffjord_log_density: your code here")


def ffjord_adjoint_grad(f, x, nu, n_steps):
    r"""Gradient of sum_n log p_hat(x_n) w.r.t. the parameters of ``f``, by the adjoint method.

    [hw1, 14 points]

    Parameters
    ----------
    f : nn.Module
        Vector field ``f(z, s) -> (N, D)``, acting row-wise; every parameter
        must have ``requires_grad=True``.
    x : (N, D) torch.Tensor
        Data points, z(1) = x.
    nu : (N, D) torch.Tensor
        Probe vectors, one per row, with E[nu nu^T] = I.
    n_steps : int
        Number of RK4 steps of size 1/n_steps, both for z(1) -> z(0) and for
        the augmented system from s = 0 to s = 1.

    Returns
    -------
    tuple of torch.Tensor
        b(1): one tensor per element of ``tuple(f.parameters())``, same order
        and shapes, detached (no autograd graph). ``f``'s ``.grad`` fields
        are not touched.

    Notes
    -----
    hw1 problem 3, from the adjoint state method (Neural ODE,
    arXiv:1806.07366, eqs. 4-5 and appendix B) applied to the augmented
    state (z, l_hat) with loss L = log p_Z(z(0)) - l_hat(0). The adjoint of
    l_hat is the constant -1 because the dynamics do not depend on l_hat;
    substituting it leaves, for s from 0 to 1,

    .. math::

        \dot z = f, \qquad
        \dot a = -a \frac{\partial f}{\partial z}
                 - \frac{\partial}{\partial z}\bigl(\nu^\top J \nu\bigr), \qquad
        \dot b = -a \frac{\partial f}{\partial \theta}
                 - \frac{\partial}{\partial \theta}\bigl(\nu^\top J \nu\bigr),

    where J = df/dz at (z(s), theta, s), with z(0) from the reverse solve,
    a(0) = grad log p_Z(z(0)) = -z(0), b(0) = 0, and dL/dtheta = b(1).
    Both right-hand sides come from one vector-Jacobian product of the
    scalar sum_n [a_n . f(z_n) + nu_n^T (df/dz) nu_n] w.r.t. (z, theta);
    the second term is differentiated through the first VJP (a
    Hessian-vector product of f). The forward RK4 solve recomputes z, so
    the result differs from autograd through :func:`ffjord_log_density` by
    O(n_steps^-4). The RK4 solution is affine in nu nu^T (z does not depend
    on nu), so its mean over probes is the same adjoint computed with the
    exact trace: an unbiased stochastic gradient.
    """
    raise NotImplementedError("ffjord_adjoint_grad: your code here")


def backprop_v1(nodes, edges, jac, out):
    r"""Backward pass, version 1: each node pulls from its children.

    [hw1, 8 points]

    Parameters
    ----------
    nodes : list of str
        Node names in a linear topological order, ``out`` last; every other
        node has at least one child.
    edges : list of (str, str)
        ``(u, v)`` means u -> v.
    jac : dict of (str, str) -> (dim_v, dim_u) torch.Tensor
        ``jac[(u, v)]`` = dv/du at the forward values, one entry per edge.
    out : str
        The output node, of dimension 1.

    Returns
    -------
    dict of str -> (1, dim) torch.Tensor
        d out / d v for every node v; ``out`` gets ``[[1.]]``.

    Notes
    -----
    hw1 problem 4, version 1::

        for v in reversed(V):
            for w such that v -> w:
                v.grad += w.grad @ w.fn.grad(v)

    i.e. grad[v] = sum over children w of grad[w] jac[(v, w)], the chain
    rule d out/dv = sum_w (d out/dw)(dw/dv).
    """
    raise NotImplementedError("backprop_v1: your code here")


def backprop_v2(nodes, edges, jac, out):
    r"""Backward pass, version 2: each node pushes to its parents.

    [hw1, 8 points]

    Parameters
    ----------
    nodes : list of str
        Node names in a linear topological order, ``out`` last; every other
        node has at least one child.
    edges : list of (str, str)
        ``(u, v)`` means u -> v.
    jac : dict of (str, str) -> (dim_v, dim_u) torch.Tensor
        ``jac[(u, v)]`` = dv/du at the forward values, one entry per edge.
    out : str
        The output node, of dimension 1.

    Returns
    -------
    dict of str -> (1, dim) torch.Tensor
        d out / d v for every node v; ``out`` gets ``[[1.]]``.

    Notes
    -----
    hw1 problem 4, version 2::

        for v in reversed(V):
            for u such that u -> v:
                u.grad += v.grad @ v.fn.grad(u)

    When v is visited every child of v has already pushed into grad[v], so
    grad[v] is final before it is pushed to the parents; the sum per node is
    the same as in :func:`backprop_v1`.
    """
    raise NotImplementedError("backprop_v2: your code here")


def fokker_planck_rhs(p, x, f, rho):
    r"""Right-hand side of the Fokker-Planck equation at the interior grid points.

    [hw1, 12 points]

    Parameters
    ----------
    p : (M,) torch.Tensor
        Density p_t(x_i) on the grid.
    x : (M,) torch.Tensor
        Uniform grid (constant non-zero spacing), M >= 3.
    f : (M,) torch.Tensor
        Drift f(x_i, t) on the grid.
    rho : float or 0-dim torch.Tensor
        Diffusion coefficient rho(t).

    Returns
    -------
    (M-2,) torch.Tensor
        Approximation of d p / d t at ``x[1:-1]``, with error O(h^2).

    Notes
    -----
    hw1 problem 5 (the Fokker-Planck equation with d = 1):

    .. math::

        \partial_t p(x_i) \approx
        -\frac{(fp)_{i+1} - (fp)_{i-1}}{2h}
        + \frac{\rho^2}{2}\,\frac{p_{i+1} - 2p_i + p_{i-1}}{h^2},

    both central differences having truncation error O(h^2).
    """
    raise NotImplementedError("fokker_planck_rhs: your code here")


def ve_sde_sample(x0, sigma2, noise):
    r"""Simulate the VE SDE dX = rho(t) dW exactly on a time grid.

    [hw1, 10 points]

    Parameters
    ----------
    x0 : (N,) torch.Tensor
        X at t_0.
    sigma2 : (K+1,) torch.Tensor
        sigma_t^2 at t_0 < ... < t_K, non-decreasing.
    noise : (K, N) torch.Tensor
        Standard normal increments.

    Returns
    -------
    (N,) torch.Tensor
        X at t_K.

    Notes
    -----
    hw1 problem 6: with :math:`\rho^2 = d\sigma_t^2/dt` the increments are
    independent Gaussians,
    :math:`X_{k+1} = X_k + \sqrt{\sigma^2_{k+1} - \sigma^2_k}\,\epsilon_k`, so
    :math:`X_K - X_0 \sim \mathcal N(0, \sigma_K^2 - \sigma_0^2)` (Song et al.
    2021, arXiv:2011.13456, eq. 9).
    """
    raise NotImplementedError("ve_sde_sample: your code here")


def reverse_sde_drift(x, f, g, score, lam):
    r"""Drift of the lambda-family of reverse-time SDEs.

    [hw1, 6 points]

    Parameters
    ----------
    x : (N, d) torch.Tensor
        Points x (used for the shape only; f and score are already evaluated).
    f : (N, d) torch.Tensor
        Forward drift f(x, t).
    g : float
        Diffusion coefficient g(t).
    score : (N, d) torch.Tensor
        grad log p_t(x).
    lam : float
        lambda <= 1 (0: reverse SDE, 1: probability-flow ODE).

    Returns
    -------
    (N, d) torch.Tensor
        f - (1 - lam/2) g^2 score.

    Notes
    -----
    hw1 problem 7:

    .. math::

        d\bar X_t = \left(f - \left(1 - \tfrac{\lambda}{2}\right) g^2
                    \nabla\log p_t\right) dt + \sqrt{1-\lambda}\, g\, d\bar W_t

    has the marginals p_t for every lambda <= 1; lambda = 0 is Song et al.
    2021 (arXiv:2011.13456) eq. 6 and lambda = 1 is eq. 13.
    """
    raise NotImplementedError("reverse_sde_drift: your code here")


def reverse_sde_sample(x_T, ts, score, lam, noise):
    r"""Euler-Maruyama in reverse time for the hw1 lambda-family, OU forward SDE.

    [hw1, 12 points]

    Parameters
    ----------
    x_T : (N,) torch.Tensor
        Starting points at time ts[0] = T.
    ts : (K+1,) torch.Tensor
        Strictly decreasing times from T to t_min >= 0.
    score : callable
        ``score(x, t)`` with x ``(N,)`` and t a Python float returns
        grad log p_t(x), ``(N,)``.
    lam : float
        lambda <= 1.
    noise : (K, N) torch.Tensor
        Standard normal noise, ``noise[k]`` used in step k.

    Returns
    -------
    (N,) torch.Tensor
        x at t_min, an approximate sample of p_{t_min}.

    Notes
    -----
    hw1 problem 7 with the forward SDE :math:`dX = -\tfrac12 X\,dt + dW`
    (f = -x/2, g = 1). With :math:`h_k = t_k - t_{k+1}`:

    .. math::

        x \leftarrow x - h_k\left(f(x, t_k) - \left(1 - \tfrac{\lambda}{2}\right)
        s(x, t_k)\right) + \sqrt{(1-\lambda)h_k}\,\epsilon_k,

    the drift being :func:`reverse_sde_drift` (Song et al. 2021,
    arXiv:2011.13456, eq. 6).
    """
    raise NotImplementedError("reverse_sde_sample: your code here")
