"""Misconceptions of hw1 (Tweedie, Gaussian KL, FFJORD, backprop, Fokker-Planck, SDEs).

Each function below has the contract's signature and reproduces one mistake;
the decorator records its title, a short explanation and the equation it
gets wrong. The sample class's mistakes (``submissions/hw1/ROSTER.md``) are
here under the names ``inverse_sigma`` (Tweedie), ``swapped`` (KL),
``trace_sign`` (FFJORD log-density), ``forward_order`` (backprop v2),
``rho_squared`` (Fokker-Planck), ``sqrt_difference`` (VE SDE),
``one_minus_lam`` (reverse drift) and ``noise_no_sqrt`` (reverse sampler).
Conventions as in :mod:`reference` (float64, batch first).
"""

from __future__ import annotations

import math

import torch

from reference.ffjord import _call_field, _field_and_hutchinson, _log_standard_normal, _rk4_step
from reference.misconceptions import misconception

P1 = "hw1 problem 1: E[X | Y] = Y + Sigma grad log p_Y(Y)"
P2 = "hw1 problem 2: KL = |mu1 - mu0|^2/(2 sigma1^2) + d (sigma0^2/sigma1^2 - 1)/2 + d log(sigma1/sigma0)"
P3 = "hw1 problem 3: FFJORD log-density and its adjoint (a, b) system"
P4 = "hw1 problem 4: graph-form backprop, versions 1 and 2"
P5 = "hw1 problem 5: d p/d t = -d/dx (f p) + rho^2/2 d^2 p/dx^2"
P6 = "hw1 problem 6: X_{k+1} = X_k + sqrt(sigma_{k+1}^2 - sigma_k^2) noise_k"
P7 = "hw1 problem 7: drift f - (1 - lam/2) g^2 score, diffusion sqrt(1 - lam) g"


# -- tweedie_posterior_mean -------------------------------------------------------------------
@misconception("hw1", "tweedie_posterior_mean", "Sigma^{-1} used instead of Sigma",
               "Tweedie's formula multiplies the score by the noise covariance: y + Sigma grad log p_Y(y). "
               "The inverse appears in the score of the Gaussian kernel, not in the correction.", P1)
def tweedie_posterior_mean__inverse_sigma(y, score, Sigma):  # noqa: D103
    return y + torch.linalg.solve(Sigma, score(y).T).T


@misconception("hw1", "tweedie_posterior_mean", "Score term subtracted",
               "The posterior mean moves y along the score (towards higher density): y + Sigma score.", P1)
def tweedie_posterior_mean__minus_sign(y, score, Sigma):  # noqa: D103
    return y - score(y) @ Sigma.T


@misconception("hw1", "tweedie_posterior_mean", "y left out: only Sigma score returned",
               "E[X | Y = y] = y + Sigma grad log p_Y(y); the correction Sigma score is added to y.", P1)
def tweedie_posterior_mean__no_y(y, score, Sigma):  # noqa: D103
    return score(y) @ Sigma.T


@misconception("hw1", "tweedie_posterior_mean", "Square root of Sigma (a standard deviation) used",
               "The correction uses the covariance Sigma itself, not Sigma^{1/2}: in 1-d it is "
               "sigma^2 d/dy log p_Y(y).", P1)
def tweedie_posterior_mean__sqrt_sigma(y, score, Sigma):  # noqa: D103
    eig, vec = torch.linalg.eigh(Sigma)
    root = vec @ torch.diag(eig.clamp(min=0).sqrt()) @ vec.T
    return y + score(y) @ root.T


@misconception("hw1", "tweedie_posterior_mean", "Only the diagonal of Sigma used",
               "Sigma multiplies the score as a matrix: its off-diagonal entries mix the coordinates.", P1)
def tweedie_posterior_mean__diagonal_only(y, score, Sigma):  # noqa: D103
    return y + score(y) * torch.diagonal(Sigma)


@misconception("hw1", "tweedie_posterior_mean", "Sigma^2 used instead of Sigma",
               "Sigma is already the covariance of the noise Z: the correction is Sigma grad log p_Y(y). "
               "Squaring it treats Sigma as a standard deviation.", P1)
def tweedie_posterior_mean__sigma_squared(y, score, Sigma):  # noqa: D103
    return y + score(y) @ (Sigma @ Sigma).T


@misconception("hw1", "tweedie_posterior_mean", "Sigma left out: y + grad log p_Y(y)",
               "The hint's scalar case has Sigma = 1; in general the score is multiplied by the noise "
               "covariance: E[X | Y = y] = y + Sigma grad log p_Y(y).", P1)
def tweedie_posterior_mean__no_sigma(y, score, Sigma):  # noqa: D103
    return y + score(y)


# -- gaussian_kl -------------------------------------------------------------------------------
def _kl(mu0, sigma0, mu1, sigma1, *, d_var=True, d_log=True, half_mean=True):
    d = mu0.shape[-1]
    sq = ((mu1 - mu0) ** 2).sum(-1)
    mean_term = sq / (2 * sigma1**2) if half_mean else sq / sigma1**2
    var_term = (d if d_var else 1) * (sigma0**2 / sigma1**2 - 1) / 2
    log_term = (d if d_log else 1) * torch.log(sigma1 / sigma0)
    return mean_term + var_term + log_term


@misconception("hw1", "gaussian_kl", "Arguments swapped: KL(p1 || p0)",
               "KL is not symmetric. KL(N(mu0, sigma0^2 I) || N(mu1, sigma1^2 I)) divides by sigma1^2 and "
               "has log(sigma1/sigma0); the two orders agree only when sigma0 = sigma1.", P2)
def gaussian_kl__swapped(mu0, sigma0, mu1, sigma1):  # noqa: D103
    return _kl(mu1, sigma1, mu0, sigma0)


@misconception("hw1", "gaussian_kl", "Factor d dropped from the variance and log terms",
               "Each of the d coordinates contributes (sigma0^2/sigma1^2 - 1)/2 + log(sigma1/sigma0): "
               "both terms carry the factor d.", P2)
def gaussian_kl__no_d(mu0, sigma0, mu1, sigma1):  # noqa: D103
    return _kl(mu0, sigma0, mu1, sigma1, d_var=False, d_log=False)


@misconception("hw1", "gaussian_kl", "log(sigma1/sigma0) without the factor d",
               "log det(sigma1^2 I)/det(sigma0^2 I) / 2 = d log(sigma1/sigma0): the determinant of a "
               "d x d isotropic covariance brings the factor d.", P2)
def gaussian_kl__log_without_d(mu0, sigma0, mu1, sigma1):  # noqa: D103
    return _kl(mu0, sigma0, mu1, sigma1, d_log=False)


@misconception("hw1", "gaussian_kl", "Standard deviations treated as variances",
               "sigma0 and sigma1 are standard deviations: the formula uses sigma^2 (and "
               "log(sigma1/sigma0) = log(sigma1^2/sigma0^2)/2).", P2)
def gaussian_kl__sigma_as_variance(mu0, sigma0, mu1, sigma1):  # noqa: D103
    return _kl(mu0, sigma0.sqrt(), mu1, sigma1.sqrt())


@misconception("hw1", "gaussian_kl", "Factor 1/2 missing on the mean term",
               "The quadratic form of log N(x; mu1, sigma1^2 I) is |x - mu1|^2/(2 sigma1^2); its "
               "expectation under p0 gives |mu1 - mu0|^2/(2 sigma1^2).", P2)
def gaussian_kl__mean_no_half(mu0, sigma0, mu1, sigma1):  # noqa: D103
    return _kl(mu0, sigma0, mu1, sigma1, half_mean=False)


@misconception("hw1", "gaussian_kl", "(sigma0^2/sigma1^2 - 1)/2 without the factor d",
               "Each of the d coordinates contributes (sigma0^2/sigma1^2 - 1)/2: tr(Sigma1^{-1} Sigma0) = "
               "d sigma0^2/sigma1^2 for isotropic covariances.", P2)
def gaussian_kl__var_without_d(mu0, sigma0, mu1, sigma1):  # noqa: D103
    return _kl(mu0, sigma0, mu1, sigma1, d_var=False)


@misconception("hw1", "gaussian_kl", "log(sigma0/sigma1) instead of log(sigma1/sigma0)",
               "The log-determinant term is d log(sigma1/sigma0) = (1/2) log(det Sigma1 / det Sigma0): the "
               "second distribution's scale is in the numerator.", P2)
def gaussian_kl__log_sign(mu0, sigma0, mu1, sigma1):  # noqa: D103
    return _kl(mu0, sigma0, mu1, sigma1) - 2 * mu0.shape[-1] * torch.log(sigma1 / sigma0)


@misconception("hw1", "gaussian_kl", "d log(sigma1^2/sigma0^2): the 1/2 of the log-determinant dropped",
               "(1/2) log(det Sigma1 / det Sigma0) = (d/2) log(sigma1^2/sigma0^2) = d log(sigma1/sigma0).",
               P2)
def gaussian_kl__log_variance_ratio(mu0, sigma0, mu1, sigma1):  # noqa: D103
    return _kl(mu0, sigma0, mu1, sigma1) + mu0.shape[-1] * torch.log(sigma1 / sigma0)


@misconception("hw1", "gaussian_kl", "Mean term divided by sigma0^2 instead of sigma1^2",
               "The squared distance comes from E_p0[|x - mu1|^2] / (2 sigma1^2): it is measured in the "
               "units of the second distribution, |mu1 - mu0|^2 / (2 sigma1^2).", P2)
def gaussian_kl__mean_over_sigma0(mu0, sigma0, mu1, sigma1):  # noqa: D103
    d = mu0.shape[-1]
    return (((mu1 - mu0) ** 2).sum(-1) / (2 * sigma0**2) + d * (sigma0**2 / sigma1**2 - 1) / 2
            + d * torch.log(sigma1 / sigma0))


@misconception("hw1", "gaussian_kl", "Variance ratio inverted: sigma1^2/sigma0^2",
               "The trace term is tr(Sigma1^{-1} Sigma0) = d sigma0^2/sigma1^2, giving "
               "d (sigma0^2/sigma1^2 - 1)/2.", P2)
def gaussian_kl__variance_ratio_inverted(mu0, sigma0, mu1, sigma1):  # noqa: D103
    d = mu0.shape[-1]
    return (((mu1 - mu0) ** 2).sum(-1) / (2 * sigma1**2) + d * (sigma1**2 / sigma0**2 - 1) / 2
            + d * torch.log(sigma1 / sigma0))


@misconception("hw1", "gaussian_kl", "|mu1 - mu0|^2 averaged over coordinates",
               "|mu1 - mu0|^2 is the sum of the d squared differences; a mean over the last dimension "
               "divides it by d.", P2)
def gaussian_kl__mean_over_d(mu0, sigma0, mu1, sigma1):  # noqa: D103
    d = mu0.shape[-1]
    return (((mu1 - mu0) ** 2).mean(-1) / (2 * sigma1**2) + d * (sigma0**2 / sigma1**2 - 1) / 2
            + d * torch.log(sigma1 / sigma0))


# -- ffjord_log_density ------------------------------------------------------------------------
def _exact_trace(f, z, s):
    """f(z, s) and tr(df/dz) per row, by D vector-Jacobian products."""
    D = z.shape[1]
    trace = torch.zeros(z.shape[0], dtype=z.dtype)
    func_eval = None
    for i in range(D):
        e = torch.zeros_like(z)
        e[:, i] = 1.0
        func_eval, q = _field_and_hutchinson(f, z, s, e, create_graph=False)
        trace = trace + q
    return func_eval, trace


def _log_density(f, x, nu, n_steps, *, trace_sign=-1.0, constant=True, method="rk4",
                 forward=False, exact_trace=False, at_x=False, negate=False, field_time=None,
                 stage_time_sign=-1.0, stages_at_start=False):
    def dynamics(s, state):
        z = state[0]
        s_field = s if field_time is None else field_time(s)
        if exact_trace:
            dz, q = _exact_trace(f, z, s_field)
        else:
            dz, q = _field_and_hutchinson(f, z, s_field, nu, create_graph=False)
        return dz, trace_sign * q

    state = (x.detach(), x.new_zeros(x.shape[0]))
    for k in range(n_steps):
        if forward:  # wrong direction: from s = 0 to s = 1 starting at x
            s, s_next = k / n_steps, (k + 1) / n_steps
        else:
            s, s_next = (n_steps - k) / n_steps, (n_steps - k - 1) / n_steps
        if method == "euler":
            slope = dynamics(s, state)
            state = tuple(y + (s_next - s) * k_ for y, k_ in zip(state, slope))
        elif stages_at_start:  # the RK4 weights, but every stage evaluated at the step's start time
            h = s_next - s
            k1 = dynamics(s, state)
            k2 = dynamics(s, tuple(y + h / 2 * k_ for y, k_ in zip(state, k1)))
            k3 = dynamics(s, tuple(y + h / 2 * k_ for y, k_ in zip(state, k2)))
            k4 = dynamics(s, tuple(y + h * k_ for y, k_ in zip(state, k3)))
            state = tuple(y + h / 6 * (a + 2 * b + 2 * c + d)
                          for y, a, b, c, d in zip(state, k1, k2, k3, k4))
        elif stage_time_sign > 0:  # state stepped by h = s_next - s < 0, stage times by +|h|
            h = s_next - s
            k1 = dynamics(s, state)
            k2 = dynamics(s - h / 2, tuple(y + h / 2 * k_ for y, k_ in zip(state, k1)))
            k3 = dynamics(s - h / 2, tuple(y + h / 2 * k_ for y, k_ in zip(state, k2)))
            k4 = dynamics(s - h, tuple(y + h * k_ for y, k_ in zip(state, k3)))
            state = tuple(y + h / 6 * (a + 2 * b + 2 * c + d)
                          for y, a, b, c, d in zip(state, k1, k2, k3, k4))
        else:
            state = _rk4_step(dynamics, s, s_next, state)
    z0, ell = state
    log_pz = _log_standard_normal(x.detach() if at_x else z0)
    if not constant:
        log_pz = log_pz + 0.5 * x.shape[1] * math.log(2 * math.pi)
    return ell - log_pz if negate else log_pz - ell


@misconception("hw1", "ffjord_log_density", "Sign of the trace term flipped (dl/ds = +nu^T J nu)",
               "The log-density decreases where the flow expands: dl/ds = -nu^T (df/dz) nu with l(1) = 0, "
               "and the result is log N(z(0)) - l(0). (Adding l(0) instead of subtracting it is the same "
               "mistake: both flip the sign of the trace integral.)", P3)
def ffjord_log_density__trace_sign(f, x, nu, n_steps):  # noqa: D103
    return _log_density(f, x, nu, n_steps, trace_sign=1.0)


@misconception("hw1", "ffjord_log_density", "Normalising constant of N(0, I) left out",
               "log N(z; 0, I_D) = -|z|^2/2 - (D/2) log(2 pi); the constant matters for a log-density.", P3)
def ffjord_log_density__no_constant(f, x, nu, n_steps):  # noqa: D103
    return _log_density(f, x, nu, n_steps, constant=False)


@misconception("hw1", "ffjord_log_density", "Euler steps instead of classical RK4",
               "The contract integrates with n_steps classical Runge-Kutta 4 steps (1/6, 1/3, 1/3, 1/6); "
               "Euler's method has an O(1/n_steps) error.", P3)
def ffjord_log_density__euler(f, x, nu, n_steps):  # noqa: D103
    return _log_density(f, x, nu, n_steps, method="euler")


@misconception("hw1", "ffjord_log_density", "Integrated forward in s from x instead of from s = 1 to 0",
               "x is z(1): the state is integrated backwards in pseudo-time, from s = 1 to s = 0, to "
               "reach the latent z(0).", P3)
def ffjord_log_density__forward_in_s(f, x, nu, n_steps):  # noqa: D103
    return _log_density(f, x, nu, n_steps, forward=True)


@misconception("hw1", "ffjord_log_density", "Exact trace used instead of the probe nu",
               "The contract's estimate uses Hutchinson's nu^T (df/dz) nu with the given probes; the exact "
               "trace is its expectation, not the requested value.", P3)
def ffjord_log_density__exact_trace(f, x, nu, n_steps):  # noqa: D103
    return _log_density(f, x, nu, n_steps, exact_trace=True)


@misconception("hw1", "ffjord_log_density", "Latent density evaluated at x instead of z(0)",
               "The change of variables compares the latent law at the end of the flow: "
               "log p(x) = log N(z(0); 0, I) - l(0), with z(0) the state reached from z(1) = x.", P3)
def ffjord_log_density__density_at_x(f, x, nu, n_steps):  # noqa: D103
    return _log_density(f, x, nu, n_steps, at_x=True)


@misconception("hw1", "ffjord_log_density", "Negative log-density returned",
               "The function returns the log-density estimate log N(z(0); 0, I) - l(0), not the loss "
               "l(0) - log N(z(0); 0, I).", P3)
def ffjord_log_density__negated(f, x, nu, n_steps):  # noqa: D103
    return _log_density(f, x, nu, n_steps, negate=True)


@misconception("hw1", "ffjord_log_density", "Field evaluated at 1 - s (time of the reversed variable)",
               "Integrating from s = 1 down to 0 (or in tau = 1 - s) changes the direction, not the "
               "field's time argument: the field is f(z, s) at the pseudo-time s of the state.", P3)
def ffjord_log_density__field_time_reversed(f, x, nu, n_steps):  # noqa: D103
    return _log_density(f, x, nu, n_steps, field_time=lambda s: 1 - s)


@misconception("hw1", "ffjord_log_density", "RK4 stage times advanced forward while stepping backward",
               "With h = -1/n_steps the RK4 stages are evaluated at s + h/2 and s + h (moving towards "
               "s = 0), not at s + |h|/2 and s + |h|.", P3)
def ffjord_log_density__stage_time_sign(f, x, nu, n_steps):  # noqa: D103
    return _log_density(f, x, nu, n_steps, stage_time_sign=1.0)


@misconception("hw1", "ffjord_log_density", "Every RK4 stage evaluated at the step's start time",
               "The field depends on s: the four stages of classical RK4 are evaluated at s, s + h/2, "
               "s + h/2 and s + h (h = -1/n_steps here), not all at s.", P3)
def ffjord_log_density__stages_at_start(f, x, nu, n_steps):  # noqa: D103
    return _log_density(f, x, nu, n_steps, stages_at_start=True)


# -- ffjord_adjoint_grad -----------------------------------------------------------------------
def _adjoint(f, x, nu, n_steps, *, hessian_a=True, hessian_b=True, a0_sign=-1.0, negate=False,
             method="rk4", skip_reverse=False, hessian_sign=1.0, frozen_z=False, scale=1.0):
    params = tuple(f.parameters())
    with torch.no_grad():
        z0 = x.detach()
        if not skip_reverse:
            state = (x.detach(),)
            for k in range(n_steps):
                s, s_next = (n_steps - k) / n_steps, (n_steps - k - 1) / n_steps
                state = _rk4_step(lambda s_, st: (_call_field(f, st[0], s_),), s, s_next, state)
            z0 = state[0]

    def dynamics(s, aug_state):
        z, adj_z = aug_state[0], aug_state[1]
        with torch.enable_grad():
            z = z.detach().requires_grad_(True)
            func_eval = _call_field(f, z, s)
            (nu_jac,) = torch.autograd.grad(func_eval, z, nu, create_graph=True)
            hutchinson = (nu_jac * nu).sum()
            vjp_a = torch.autograd.grad((adj_z * func_eval).sum(), (z, *params), retain_graph=True,
                                        allow_unused=True, materialize_grads=True)
            vjp_h = torch.autograd.grad(hutchinson, (z, *params), allow_unused=True,
                                        materialize_grads=True)
        dz = -vjp_a[0] - hessian_sign * (vjp_h[0] if hessian_a else 0.0)
        dps = [-va - hessian_sign * (vh if hessian_b else 0.0) for va, vh in zip(vjp_a[1:], vjp_h[1:])]
        dstate = torch.zeros_like(func_eval) if frozen_z else func_eval.detach()
        return (dstate, dz.detach(), *(d.detach() for d in dps))

    aug = (z0, a0_sign * z0, *(torch.zeros_like(p) for p in params))
    for k in range(n_steps):
        s, s_next = k / n_steps, (k + 1) / n_steps
        if method == "euler":
            slope = dynamics(s, aug)
            aug = tuple(y + (s_next - s) * k_ for y, k_ in zip(aug, slope))
        else:
            aug = _rk4_step(dynamics, s, s_next, aug)
    grads = tuple(scale * g for g in aug[2:])
    return tuple(-g for g in grads) if negate else grads


@misconception("hw1", "ffjord_adjoint_grad", "Trace term left out of the adjoint (no Hessian terms)",
               "The loss includes -l_hat(0), so both adjoint equations carry the derivative of "
               "nu^T (df/dz) nu: d/dz for a and d/dtheta for b. Without them the result is the gradient of "
               "log p_Z(z(0)) alone.", P3)
def ffjord_adjoint_grad__no_hessian(f, x, nu, n_steps):  # noqa: D103
    return _adjoint(f, x, nu, n_steps, hessian_a=False, hessian_b=False)


@misconception("hw1", "ffjord_adjoint_grad", "d/dtheta (nu^T J nu) missing from b",
               "b' = -a df/dtheta - d/dtheta (nu^T (df/dz) nu): the trace estimate depends on theta "
               "directly, not only through z.", P3)
def ffjord_adjoint_grad__no_theta_hessian(f, x, nu, n_steps):  # noqa: D103
    return _adjoint(f, x, nu, n_steps, hessian_b=False)


@misconception("hw1", "ffjord_adjoint_grad", "a(0) = +z(0): sign of grad log p_Z",
               "a(0) = d log N(z; 0, I)/dz at z(0) = -z(0).", P3)
def ffjord_adjoint_grad__a0_sign(f, x, nu, n_steps):  # noqa: D103
    return _adjoint(f, x, nu, n_steps, a0_sign=1.0)


@misconception("hw1", "ffjord_adjoint_grad", "Gradient of the negative log-likelihood returned",
               "The contract asks for the gradient of sum_n log p_hat(x_n) (b(1)), not of the loss "
               "-log p_hat.", P3)
def ffjord_adjoint_grad__negated(f, x, nu, n_steps):  # noqa: D103
    return _adjoint(f, x, nu, n_steps, negate=True)


@misconception("hw1", "ffjord_adjoint_grad", "Euler steps for the adjoint system",
               "The adjoint system is solved with n_steps classical RK4 steps like the state; Euler's "
               "O(1/n_steps) error is far above the 1e-4 tolerance.", P3)
def ffjord_adjoint_grad__euler(f, x, nu, n_steps):  # noqa: D103
    return _adjoint(f, x, nu, n_steps, method="euler")


@misconception("hw1", "ffjord_adjoint_grad", "Adjoint started at x instead of z(0)",
               "a(0) is evaluated at z(0), the latent reached by integrating from z(1) = x back to s = 0; "
               "the forward adjoint solve then starts from z(0).", P3)
def ffjord_adjoint_grad__no_reverse_solve(f, x, nu, n_steps):  # noqa: D103
    return _adjoint(f, x, nu, n_steps, skip_reverse=True)


@misconception("hw1", "ffjord_adjoint_grad", "Trace terms enter the adjoint with the wrong sign",
               "The loss is log p_Z(z(0)) - l_hat(0) with dl/ds = -nu^T (df/dz) nu, so both adjoint "
               "equations carry -d/dz(nu^T J nu) and -d/dtheta(nu^T J nu), like the -a df terms.", P3)
def ffjord_adjoint_grad__trace_sign(f, x, nu, n_steps):  # noqa: D103
    return _adjoint(f, x, nu, n_steps, hessian_sign=-1.0)


@misconception("hw1", "ffjord_adjoint_grad", "Gradient of the mean over rows instead of the sum",
               "The contract asks for the gradient of sum_n log p_hat(x_n); averaging over the N rows "
               "divides it by N.", P3)
def ffjord_adjoint_grad__mean_over_rows(f, x, nu, n_steps):  # noqa: D103
    return _adjoint(f, x, nu, n_steps, scale=1.0 / x.shape[0])


@misconception("hw1", "ffjord_adjoint_grad", "z held at z(0) during the adjoint solve",
               "The adjoint equations are evaluated along the trajectory z(s): z is part of the "
               "augmented state and is integrated forward (dz/ds = f) together with a and b.", P3)
def ffjord_adjoint_grad__frozen_z(f, x, nu, n_steps):  # noqa: D103
    return _adjoint(f, x, nu, n_steps, frozen_z=True)


# -- backprop_v1 / backprop_v2 -----------------------------------------------------------------
def _dims(edges, jac, out):
    dims = {out: 1}
    for u, v in edges:
        dims[v], dims[u] = jac[(u, v)].shape
    return dims


def _backprop(nodes, edges, jac, out, *, version, order="reverse", accumulate=True, init=0.0, seed=1.0):
    dims = _dims(edges, jac, out)
    grad = {v: torch.full((1, dims[v]), init, dtype=torch.float64) for v in nodes}
    grad[out] = torch.full((1, 1), seed, dtype=torch.float64)
    if order == "edges":  # the edge list taken backwards as if it were in topological order
        for u, w in reversed(edges):
            grad[u] = grad[u] + grad[w] @ jac[(u, w)]
        return grad
    if order == "reverse":
        visit = list(reversed(nodes))
    elif order == "sorted":
        visit = sorted(nodes, reverse=True)
    else:
        visit = list(nodes)
    for v in visit:
        if version == 1:
            for a, w in edges:
                if a == v:
                    term = grad[w] @ jac[(v, w)]
                    grad[v] = grad[v] + term if accumulate else term
        else:
            for u, b in edges:
                if b == v:
                    term = grad[v] @ jac[(u, v)]
                    grad[u] = grad[u] + term if accumulate else term
    return grad


for _version in (1, 2):
    _name = f"backprop_v{_version}"
    _loop = ("for each child w: grad[v] += grad[w] @ jac[(v, w)]" if _version == 1
             else "for each parent u: grad[u] += grad[v] @ jac[(u, v)]")

    def _forward_order(nodes, edges, jac, out, _v=_version):
        return _backprop(nodes, edges, jac, out, version=_v, order="forward")

    def _overwrite(nodes, edges, jac, out, _v=_version):
        return _backprop(nodes, edges, jac, out, version=_v, accumulate=False)

    def _ones_init(nodes, edges, jac, out, _v=_version):
        return _backprop(nodes, edges, jac, out, version=_v, init=1.0)

    def _not_seeded(nodes, edges, jac, out, _v=_version):
        return _backprop(nodes, edges, jac, out, version=_v, seed=0.0)

    def _sorted_order(nodes, edges, jac, out, _v=_version):
        return _backprop(nodes, edges, jac, out, version=_v, order="sorted")

    def _edge_list_order(nodes, edges, jac, out, _v=_version):
        return _backprop(nodes, edges, jac, out, version=_v, order="edges")

    _forward_order.__name__ = f"{_name}__forward_order"
    _not_seeded.__name__ = f"{_name}__out_not_seeded"
    _sorted_order.__name__ = f"{_name}__sorted_order"
    _edge_list_order.__name__ = f"{_name}__edge_list_order"
    _overwrite.__name__ = f"{_name}__overwrite"
    _ones_init.__name__ = f"{_name}__ones_init"
    misconception("hw1", _name, "Nodes visited in forward topological order",
                  f"The backward pass visits the nodes in reversed topological order ({_loop}); in forward "
                  "order a gradient is used before all of its contributions have arrived, so only the paths "
                  "of length 1 to out are counted.", P4)(_forward_order)
    misconception("hw1", _name, "Gradient overwritten instead of accumulated",
                  "A node with several children receives one term per edge: the terms are added (+=), so "
                  "every path to out counts (the multivariable chain rule).", P4)(_overwrite)
    misconception("hw1", _name, "Gradients initialised to 1 instead of 0 (no zero_grad)",
                  "Every v.grad starts at 0 (.zero_grad()); only v_out.grad = 1.", P4)(_ones_init)
    misconception("hw1", _name, "v_out.grad = 1 forgotten",
                  "The backward pass is seeded with d out / d out = 1 (v_out.grad = 1); with every gradient "
                  "at 0 nothing propagates.", P4)(_not_seeded)
    misconception("hw1", _name, "Nodes sorted by name instead of taken in the given topological order",
                  "nodes is already in topological order (out last); sorting the names gives an order "
                  f"unrelated to the graph, so some gradients are used before they are complete ({_loop}, "
                  "for v in reversed(nodes)).", P4)(_sorted_order)
    misconception("hw1", _name, "Edges processed in reverse list order instead of by node",
                  "The edge list is in no particular order: the backward pass must visit the nodes in "
                  f"reversed topological order ({_loop}); walking the edge list backwards propagates a "
                  "gradient before all of its contributions have arrived.", P4)(_edge_list_order)


# -- fokker_planck_rhs -------------------------------------------------------------------------
def _fp(p, x, f, rho, *, diffusion=0.5, advection="flux", rho_power=2, spacing_points=None, central=2.0):
    M = x.shape[0] if spacing_points is None else spacing_points
    h = (x[-1] - x[0]) / (M - 1)
    flux = f * p
    if advection == "flux":
        adv = -(flux[2:] - flux[:-2]) / (central * h)
    elif advection == "upwind":
        adv = -(flux[2:] - flux[1:-1]) / h
    elif advection == "no_product_rule":
        adv = -f[1:-1] * (p[2:] - p[:-2]) / (2 * h)
    else:  # "plus"
        adv = (flux[2:] - flux[:-2]) / (2 * h)
    return adv + diffusion * rho**rho_power * (p[2:] - 2 * p[1:-1] + p[:-2]) / h**2


@misconception("hw1", "fokker_planck_rhs", "Diffusion coefficient rho^2 instead of rho^2/2",
               "For dX = f dt + rho dW the generator is f d/dx + (rho^2/2) d^2/dx^2, so the Fokker-Planck "
               "equation has rho^2/2 in front of the Laplacian.", P5)
def fokker_planck_rhs__rho_squared(p, x, f, rho):  # noqa: D103
    return _fp(p, x, f, rho, diffusion=1.0)


@misconception("hw1", "fokker_planck_rhs", "One-sided (first-order) difference for -(f p)'",
               "A forward difference of the flux is only first-order accurate; the contract asks for a "
               "second-order scheme (e.g. central differences).", P5)
def fokker_planck_rhs__upwind(p, x, f, rho):  # noqa: D103
    return _fp(p, x, f, rho, advection="upwind")


@misconception("hw1", "fokker_planck_rhs", "Advection term -f p' (f' p forgotten)",
               "The divergence acts on the product: -(f p)' = -f' p - f p'. Only for a constant drift is "
               "it -f p'.", P5)
def fokker_planck_rhs__no_product_rule(p, x, f, rho):  # noqa: D103
    return _fp(p, x, f, rho, advection="no_product_rule")


@misconception("hw1", "fokker_planck_rhs", "Sign of the advection term flipped",
               "Probability flows along the drift: d p/d t = -d/dx (f p) + ....", P5)
def fokker_planck_rhs__advection_sign(p, x, f, rho):  # noqa: D103
    return _fp(p, x, f, rho, advection="plus")


@misconception("hw1", "fokker_planck_rhs", "rho used instead of rho^2",
               "The diffusion term is (rho^2/2) p'': the variance rate of rho dW is rho^2.", P5)
def fokker_planck_rhs__rho_not_squared(p, x, f, rho):  # noqa: D103
    return _fp(p, x, f, rho, rho_power=1)


@misconception("hw1", "fokker_planck_rhs", "Sign of the diffusion term flipped",
               "Diffusion spreads the density: d p/d t = ... + (rho^2/2) p'', which lowers peaks "
               "(p'' < 0 there).", P5)
def fokker_planck_rhs__diffusion_sign(p, x, f, rho):  # noqa: D103
    return _fp(p, x, f, rho, diffusion=-0.5)


@misconception("hw1", "fokker_planck_rhs", "Grid spacing (x[-1] - x[0]) / M instead of / (M - 1)",
               "M grid points delimit M - 1 intervals: h = x[1] - x[0] = (x[-1] - x[0]) / (M - 1). The "
               "wrong h scales both derivatives by a factor 1 + O(1/M), a first-order error.", P5)
def fokker_planck_rhs__spacing_off_by_one(p, x, f, rho):  # noqa: D103
    return _fp(p, x, f, rho, spacing_points=x.shape[0] + 1)


@misconception("hw1", "fokker_planck_rhs", "Central difference divided by h instead of 2h",
               "The central difference (u[i+1] - u[i-1]) spans two grid intervals: u' ~ "
               "(u[i+1] - u[i-1]) / (2h).", P5)
def fokker_planck_rhs__central_no_half(p, x, f, rho):  # noqa: D103
    return _fp(p, x, f, rho, central=1.0)


@misconception("hw1", "fokker_planck_rhs", "Product rule with a one-sided difference for f'",
               "-(f p)' = -f' p - f p' is fine, but every derivative needs a second-order formula: a "
               "forward difference (f[i+1] - f[i]) / h for f' makes the whole scheme first-order.", P5)
def fokker_planck_rhs__product_rule_one_sided(p, x, f, rho):  # noqa: D103
    h = (x[-1] - x[0]) / (x.shape[0] - 1)
    df = (f[2:] - f[1:-1]) / h
    adv = -(df * p[1:-1] + f[1:-1] * (p[2:] - p[:-2]) / (2 * h))
    return adv + 0.5 * rho**2 * (p[2:] - 2 * p[1:-1] + p[:-2]) / h**2


@misconception("hw1", "fokker_planck_rhs", "Diffusion coefficient (rho/2)^2 instead of rho^2/2",
               "The coefficient of p'' is rho^2 / 2, half the variance rate of rho dW, not (rho/2)^2 = "
               "rho^2 / 4.", P5)
def fokker_planck_rhs__rho_half_squared(p, x, f, rho):  # noqa: D103
    return _fp(p, x, f, rho, diffusion=0.25)


# -- ve_sde_sample -----------------------------------------------------------------------------
@misconception("hw1", "ve_sde_sample", "Increments sqrt(sigma_{k+1}^2) - sqrt(sigma_k^2)",
               "Variances of independent increments add, standard deviations do not: the step is "
               "sqrt(sigma_{k+1}^2 - sigma_k^2) noise_k.", P6)
def ve_sde_sample__sqrt_difference(x0, sigma2, noise):  # noqa: D103
    sigma = sigma2.sqrt()
    return x0 + ((sigma[1:] - sigma[:-1])[:, None] * noise).sum(0)


@misconception("hw1", "ve_sde_sample", "Variance increment used as the standard deviation",
               "The increment sigma_{k+1}^2 - sigma_k^2 is a variance; the noise is scaled by its square "
               "root.", P6)
def ve_sde_sample__no_sqrt(x0, sigma2, noise):  # noqa: D103
    return x0 + ((sigma2[1:] - sigma2[:-1])[:, None] * noise).sum(0)


@misconception("hw1", "ve_sde_sample", "Each step scaled by sigma_{k+1} instead of the increment",
               "X_{k+1} | X_k has variance sigma_{k+1}^2 - sigma_k^2, not sigma_{k+1}^2: the earlier "
               "steps have already added sigma_k^2.", P6)
def ve_sde_sample__cumulative(x0, sigma2, noise):  # noqa: D103
    return x0 + (sigma2[1:].sqrt()[:, None] * noise).sum(0)


@misconception("hw1", "ve_sde_sample", "One jump with the last noise instead of K increments",
               "X_K - X_0 has the right law N(0, sigma_K^2 - sigma_0^2), but the contract simulates the "
               "path: X_{k+1} = X_k + sqrt(sigma_{k+1}^2 - sigma_k^2) noise[k] for every k.", P6)
def ve_sde_sample__one_jump(x0, sigma2, noise):  # noqa: D103
    return x0 + (sigma2[-1] - sigma2[0]).sqrt() * noise[-1]


@misconception("hw1", "ve_sde_sample", "Started from 0 instead of x0",
               "The VE SDE only adds noise to the data: X_K = x0 + sum_k sqrt(sigma_{k+1}^2 - sigma_k^2) "
               "noise[k].", P6)
def ve_sde_sample__no_x0(x0, sigma2, noise):  # noqa: D103
    return ((sigma2[1:] - sigma2[:-1]).sqrt()[:, None] * noise).sum(0)


@misconception("hw1", "ve_sde_sample", "sigma2 treated as sigma (its entries squared)",
               "sigma2[k] already holds the variance sigma_{t_k}^2: the step is "
               "sqrt(sigma2[k+1] - sigma2[k]) noise[k], not sqrt(sigma2[k+1]^2 - sigma2[k]^2).", P6)
def ve_sde_sample__sigma2_as_sigma(x0, sigma2, noise):  # noqa: D103
    return x0 + ((sigma2[1:] ** 2 - sigma2[:-1] ** 2).sqrt()[:, None] * noise).sum(0)


@misconception("hw1", "ve_sde_sample", "Each step scaled by sqrt(sigma_{k+1}^2 - sigma_0^2)",
               "X_{k+1} - X_k has variance sigma_{k+1}^2 - sigma_k^2; sigma_{k+1}^2 - sigma_0^2 is the "
               "variance of the whole path X_{k+1} - X_0.", P6)
def ve_sde_sample__from_start(x0, sigma2, noise):  # noqa: D103
    return x0 + ((sigma2[1:] - sigma2[0]).sqrt()[:, None] * noise).sum(0)


# -- reverse_sde_drift -------------------------------------------------------------------------
@misconception("hw1", "reverse_sde_drift", "Factor (1 - lam) instead of (1 - lam/2)",
               "The score term of the lambda-family is (1 - lam/2) g^2 score: lam = 1 (the probability-flow "
               "ODE) keeps half of it.", P7)
def reverse_sde_drift__one_minus_lam(x, f, g, score, lam):  # noqa: D103
    return f - (1 - lam) * g**2 * score


@misconception("hw1", "reverse_sde_drift", "Sign of the score term flipped",
               "The reverse drift is f - (1 - lam/2) g^2 score: the reverse process is pushed towards "
               "high density.", P7)
def reverse_sde_drift__score_sign(x, f, g, score, lam):  # noqa: D103
    return f + (1 - lam / 2) * g**2 * score


@misconception("hw1", "reverse_sde_drift", "g instead of g^2",
               "The score term comes from the diffusion's variance rate: (1 - lam/2) g(t)^2 score.", P7)
def reverse_sde_drift__g_not_squared(x, f, g, score, lam):  # noqa: D103
    return f - (1 - lam / 2) * g * score


@misconception("hw1", "reverse_sde_drift", "lam ignored in the drift",
               "Only lam = 0 has the full score term g^2 score; for other lam it is (1 - lam/2) g^2 score.",
               P7)
def reverse_sde_drift__no_lam(x, f, g, score, lam):  # noqa: D103
    return f - g**2 * score


@misconception("hw1", "reverse_sde_drift", "Factor (1 + lam/2) instead of (1 - lam/2)",
               "The score term of the lambda-family is (1 - lam/2) g^2 score: lam = 0 gives the reverse "
               "SDE (g^2 score), lam = 1 the probability-flow ODE (g^2 score / 2).", P7)
def reverse_sde_drift__lam_sign(x, f, g, score, lam):  # noqa: D103
    return f - (1 + lam / 2) * g**2 * score


@misconception("hw1", "reverse_sde_drift", "Factor (1 - lam)/2 instead of 1 - lam/2",
               "The factor is 1 - lam/2: the full g^2 score at lam = 0 and half of it at lam = 1.", P7)
def reverse_sde_drift__half_one_minus_lam(x, f, g, score, lam):  # noqa: D103
    return f - (1 - lam) / 2 * g**2 * score


@misconception("hw1", "reverse_sde_drift", "Forward drift f left out",
               "The reverse drift keeps the forward drift: f - (1 - lam/2) g^2 score.", P7)
def reverse_sde_drift__no_f(x, f, g, score, lam):  # noqa: D103
    return -(1 - lam / 2) * g**2 * score


@misconception("hw1", "reverse_sde_drift", "Drift of the time-reversed variable returned (negated)",
               "The drift is written in forward time t, d X_t = (f - (1 - lam/2) g^2 score) dt with dt < "
               "0 along the sampler; its negative is the drift in s = T - t.", P7)
def reverse_sde_drift__negated(x, f, g, score, lam):  # noqa: D103
    return -f + (1 - lam / 2) * g**2 * score


# -- reverse_sde_sample ------------------------------------------------------------------------
def _sample(x_T, ts, score, lam, noise, *, noise_scale="sqrt", drift_factor=None, f_sign=-1.0,
            score_time="now", step_sign=-1.0):
    x = x_T
    c = (1 - lam / 2) if drift_factor is None else drift_factor(lam)
    for k in range(ts.shape[0] - 1):
        h = float(ts[k] - ts[k + 1])
        t = float(ts[k + 1] if score_time == "next" else ts[k])
        drift = f_sign * 0.5 * x - c * score(x, t)
        if noise_scale == "sqrt":
            scale = math.sqrt((1 - lam) * h)
        elif noise_scale == "no_sqrt":
            scale = (1 - lam) * h
        elif noise_scale == "half_lam":
            scale = math.sqrt((1 - lam / 2) * h)
        elif noise_scale == "no_h":
            scale = math.sqrt(1 - lam)
        elif noise_scale == "h_outside_sqrt":
            scale = math.sqrt(1 - lam) * h
        else:  # "no_lam"
            scale = math.sqrt(h)
        x = x + step_sign * h * drift + scale * noise[k]
    return x


@misconception("hw1", "reverse_sde_sample", "Noise scaled by (1 - lam) h, without the square root",
               "Brownian increments over a step h have standard deviation sqrt(h): the noise term is "
               "sqrt((1 - lam) h) noise[k].", P7)
def reverse_sde_sample__noise_no_sqrt(x_T, ts, score, lam, noise):  # noqa: D103
    return _sample(x_T, ts, score, lam, noise, noise_scale="no_sqrt")


@misconception("hw1", "reverse_sde_sample", "Noise sqrt(h) whatever lam",
               "The diffusion of the lambda-family is sqrt(1 - lam) g: lam = 1 (the ODE) has no noise.", P7)
def reverse_sde_sample__noise_ignores_lam(x_T, ts, score, lam, noise):  # noqa: D103
    return _sample(x_T, ts, score, lam, noise, noise_scale="no_lam")


@misconception("hw1", "reverse_sde_sample", "Drift factor (1 - lam) instead of (1 - lam/2)",
               "The sampler's drift is f - (1 - lam/2) g^2 score; with (1 - lam) the ODE (lam = 1) "
               "ignores the score altogether.", P7)
def reverse_sde_sample__one_minus_lam(x_T, ts, score, lam, noise):  # noqa: D103
    return _sample(x_T, ts, score, lam, noise, drift_factor=lambda lam_: 1 - lam_)


@misconception("hw1", "reverse_sde_sample", "Forward drift taken as +x/2",
               "The forward SDE dX = -X/2 dt + dW has f(x) = -x/2.", P7)
def reverse_sde_sample__drift_sign(x_T, ts, score, lam, noise):  # noqa: D103
    return _sample(x_T, ts, score, lam, noise, f_sign=1.0)


@misconception("hw1", "reverse_sde_sample", "Score evaluated at ts[k+1] instead of ts[k]",
               "Euler-Maruyama evaluates the drift at the start of the step, (x, ts[k]).", P7)
def reverse_sde_sample__score_next_time(x_T, ts, score, lam, noise):  # noqa: D103
    return _sample(x_T, ts, score, lam, noise, score_time="next")


@misconception("hw1", "reverse_sde_sample", "Drift step taken forward: x + h drift",
               "Time runs backwards (h = ts[k] - ts[k+1] > 0), so the Euler step subtracts: "
               "x <- x - h (f - (1 - lam/2) score) + sqrt((1 - lam) h) noise[k].", P7)
def reverse_sde_sample__step_sign(x_T, ts, score, lam, noise):  # noqa: D103
    return _sample(x_T, ts, score, lam, noise, step_sign=1.0)


@misconception("hw1", "reverse_sde_sample", "Noise sqrt((1 - lam/2) h) instead of sqrt((1 - lam) h)",
               "The drift factor is 1 - lam/2 but the diffusion is sqrt(1 - lam) g: the noise term is "
               "sqrt((1 - lam) h) noise[k], zero for the ODE (lam = 1).", P7)
def reverse_sde_sample__noise_half_lam(x_T, ts, score, lam, noise):  # noqa: D103
    return _sample(x_T, ts, score, lam, noise, noise_scale="half_lam")


@misconception("hw1", "reverse_sde_sample", "Forward drift -x/2 left out",
               "The reverse drift is f - (1 - lam/2) g^2 score with f(x) = -x/2 for this SDE.", P7)
def reverse_sde_sample__no_forward_drift(x_T, ts, score, lam, noise):  # noqa: D103
    return _sample(x_T, ts, score, lam, noise, f_sign=0.0)


@misconception("hw1", "reverse_sde_sample", "Score term without (1 - lam/2)",
               "The drift of the lambda-family is f - (1 - lam/2) g^2 score; only lam = 0 has the full "
               "score term.", P7)
def reverse_sde_sample__drift_ignores_lam(x_T, ts, score, lam, noise):  # noqa: D103
    return _sample(x_T, ts, score, lam, noise, drift_factor=lambda lam_: 1.0)


@misconception("hw1", "reverse_sde_sample", "Noise sqrt(1 - lam) without sqrt(h)",
               "A Brownian increment over a step h has standard deviation sqrt(h): the noise term is "
               "sqrt((1 - lam) h) noise[k].", P7)
def reverse_sde_sample__noise_no_h(x_T, ts, score, lam, noise):  # noqa: D103
    return _sample(x_T, ts, score, lam, noise, noise_scale="no_h")


@misconception("hw1", "reverse_sde_sample", "Noise sqrt(1 - lam) h: the step h outside the square root",
               "A Brownian increment over a step h has standard deviation sqrt(h), so the noise term is "
               "sqrt((1 - lam) h) noise[k], not sqrt(1 - lam) h noise[k].", P7)
def reverse_sde_sample__h_outside_sqrt(x_T, ts, score, lam, noise):  # noqa: D103
    return _sample(x_T, ts, score, lam, noise, noise_scale="h_outside_sqrt")




@misconception("hw1", "backprop_v2", "The loop over nodes skips out, so out never passes its gradient on",
               "In version 2 every node, out included, pushes grad[v] @ jac[(u, v)] to each parent u; a "
               "reversed loop that starts at the node before out (nodes[-2]) never leaves out.", P4)
def backprop_v2__out_skipped(nodes, edges, jac, out):  # noqa: D103
    dims = _dims(edges, jac, out)
    grad = {v: torch.zeros((1, dims[v]), dtype=torch.float64) for v in nodes}
    grad[out] = torch.ones((1, 1), dtype=torch.float64)
    for v in reversed([n for n in nodes if n != out]):
        for u, b in edges:
            if b == v:
                grad[u] = grad[u] + grad[v] @ jac[(u, v)]
    return grad


del _version, _name, _loop
