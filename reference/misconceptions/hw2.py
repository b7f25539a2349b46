"""Misconceptions of hw2 (DDPM posterior, DDIM, DSM near t = 0, attention).

Each function below has the contract's signature and reproduces one mistake;
the decorator records its title, a short explanation and the equation it
gets wrong. Conventions as in :mod:`reference` (float64, 1-indexed time;
``alphas`` cumulative in the DDIM functions).
"""

from __future__ import annotations

import math

import torch

from reference import ddim, ddpm
from reference._schedule import alphas_cumprod, alphas_cumprod_prev, extract
from reference.misconceptions import misconception
from reference.sde import ou_coefficients

P1 = "hw2 problem 1: mu_tilde_t and beta_tilde_t"
P2 = "hw2 problem 2: the DDIM step q(X_t | X_{t+1}, X_0)"
P3 = "hw2 problem 3: gamma_t = exp(-t/2), sigma_t^2 = 1 - exp(-t)"
P4 = "hw2 problem 4: MHA1 and MHA2"


def _sched(betas: torch.Tensor, t: int) -> tuple[torch.Tensor, ...]:
    beta_t = extract(betas, t, 0)
    return beta_t, extract(alphas_cumprod(betas), t, 0), extract(alphas_cumprod_prev(betas), t, 0)


# -- ddpm_posterior ---------------------------------------------------------------------------
@misconception("hw2", "ddpm_posterior", "Posterior variance uses beta_t instead of beta_tilde_t",
               "The variance of q(x_{t-1} | x_t, x_0) is beta_tilde_t = (1 - abar_{t-1}) / (1 - abar_t) "
               "beta_t, not the forward variance beta_t; the two differ most at small t (beta_tilde_1 = 0).",
               P1)
def ddpm_posterior__beta_not_tilde(x_t, x0, betas, t):  # noqa: D103
    mean, _ = ddpm.ddpm_posterior(x_t, x0, betas, t)
    return mean, extract(betas, t, 0)


@misconception("hw2", "ddpm_posterior", "abar_t used where abar_{t-1} is needed",
               "The coefficients of mu_tilde_t use abar_{t-1} = prod_{s<=t-1} alpha_s; using the "
               "cumulative product up to t shifts the time index by one (the variance too).", P1)
def ddpm_posterior__abar_off_by_one(x_t, x0, betas, t):  # noqa: D103
    beta_t, abar_t, _ = _sched(betas, t)
    abar_prev = abar_t  # wrong: should be abar_{t-1}
    mean = (abar_prev.sqrt() * beta_t * x0 + (1 - beta_t).sqrt() * (1 - abar_prev) * x_t) / (1 - abar_t)
    return mean, (1 - abar_prev) / (1 - abar_t) * beta_t


@misconception("hw2", "ddpm_posterior", "abar_t used for abar_{t-1} in the mean",
               "The coefficients of mu_tilde_t need abar_{t-1} = prod_{s<=t-1} alpha_s: sqrt(abar_{t-1}) "
               "beta_t / (1 - abar_t) for x_0 and sqrt(alpha_t)(1 - abar_{t-1}) / (1 - abar_t) for x_t. "
               "Indexing the cumulative product at t - 1 (0-based) gives abar_t and shifts the time "
               "index by one for every t > 1.", P1)
def ddpm_posterior__abar_off_by_one_in_mean(x_t, x0, betas, t):  # noqa: D103
    beta_t, abar_t, abar_prev = _sched(betas, t)
    wrong_prev = abar_t if int(t) > 1 else abar_prev  # abar_0 = 1 special-cased, then abar[t-1] indexed
    mean = (wrong_prev.sqrt() * beta_t * x0 + (1 - beta_t).sqrt() * (1 - wrong_prev) * x_t) / (1 - abar_t)
    return mean, (1 - abar_prev) / (1 - abar_t) * beta_t


@misconception("hw2", "ddpm_posterior", "Coefficients of x_0 and x_t swapped",
               "In mu_tilde_t the factor sqrt(abar_{t-1}) beta_t / (1 - abar_t) multiplies x_0 and "
               "sqrt(alpha_t)(1 - abar_{t-1}) / (1 - abar_t) multiplies x_t.", P1)
def ddpm_posterior__coefficients_swapped(x_t, x0, betas, t):  # noqa: D103
    mean, var = ddpm.ddpm_posterior(x0, x_t, betas, t)
    return mean, var


@misconception("hw2", "ddpm_posterior", "Square root missing on abar_{t-1} and alpha_t",
               "The means of the forward process scale x by square roots: sqrt(abar_{t-1}) and "
               "sqrt(alpha_t) appear in mu_tilde_t, not abar_{t-1} and alpha_t.", P1)
def ddpm_posterior__missing_sqrt(x_t, x0, betas, t):  # noqa: D103
    beta_t, abar_t, abar_prev = _sched(betas, t)
    mean = (abar_prev * beta_t * x0 + (1 - beta_t) * (1 - abar_prev) * x_t) / (1 - abar_t)
    return mean, (1 - abar_prev) / (1 - abar_t) * beta_t


@misconception("hw2", "ddpm_posterior", "Square root missing on abar_{t-1} in the x_0 coefficient",
               "The x_0 coefficient of mu_tilde_t is sqrt(abar_{t-1}) beta_t / (1 - abar_t): the forward "
               "mean scales x_0 by the square root of abar_{t-1}.", P1)
def ddpm_posterior__abar_prev_no_sqrt(x_t, x0, betas, t):  # noqa: D103
    beta_t, abar_t, abar_prev = _sched(betas, t)
    mean = (abar_prev * beta_t * x0 + (1 - beta_t).sqrt() * (1 - abar_prev) * x_t) / (1 - abar_t)
    return mean, (1 - abar_prev) / (1 - abar_t) * beta_t


@misconception("hw2", "ddpm_posterior", "Variance ratio inverted: (1 - abar_t)/(1 - abar_{t-1}) beta_t",
               "beta_tilde_t = (1 - abar_{t-1}) / (1 - abar_t) beta_t is smaller than beta_t: the posterior "
               "knows x_0, so it is narrower than the forward step (and 0 at t = 1).", P1)
def ddpm_posterior__var_ratio_inverted(x_t, x0, betas, t):  # noqa: D103
    mean, _ = ddpm.ddpm_posterior(x_t, x0, betas, t)
    beta_t, abar_t, abar_prev = _sched(betas, t)
    return mean, (1 - abar_t) / (1 - abar_prev) * beta_t


@misconception("hw2", "ddpm_posterior", "Standard deviation sqrt(beta_tilde_t) returned as the variance",
               "The second output is the variance beta_tilde_t = (1 - abar_{t-1}) / (1 - abar_t) beta_t "
               "of q(x_{t-1} | x_t, x_0), not its square root.", P1)
def ddpm_posterior__std_not_var(x_t, x0, betas, t):  # noqa: D103
    mean, var = ddpm.ddpm_posterior(x_t, x0, betas, t)
    return mean, torch.sqrt(var)


@misconception("hw2", "ddpm_posterior", "Factor beta_t missing from the variance",
               "beta_tilde_t = (1 - abar_{t-1}) / (1 - abar_t) * beta_t: the ratio alone is close to 1 "
               "and is not a variance of one step.", P1)
def ddpm_posterior__var_no_beta(x_t, x0, betas, t):  # noqa: D103
    mean, _ = ddpm.ddpm_posterior(x_t, x0, betas, t)
    _, abar_t, abar_prev = _sched(betas, t)
    return mean, (1 - abar_prev) / (1 - abar_t)


@misconception("hw2", "ddpm_posterior", "Time indexed from 0: betas[t] taken as beta_t",
               "Time is 1-indexed: beta_t = betas[t-1] and abar_t is the cumulative product up to "
               "betas[t-1]. Indexing with t takes beta_{t+1}, abar_{t+1} and abar_t (and fails at t = T).",
               P1)
def ddpm_posterior__zero_indexed(x_t, x0, betas, t):  # noqa: D103
    abar = alphas_cumprod(betas)
    beta_t, abar_t, abar_prev = betas[t], abar[t], abar[t - 1]  # IndexError at t = T
    mean = (abar_prev.sqrt() * beta_t * x0 + (1 - beta_t).sqrt() * (1 - abar_prev) * x_t) / (1 - abar_t)
    return mean, (1 - abar_prev) / (1 - abar_t) * beta_t


@misconception("hw2", "ddpm_posterior", "sqrt(abar_t) instead of sqrt(alpha_t) on x_t",
               "The x_t coefficient sqrt(alpha_t)(1 - abar_{t-1}) / (1 - abar_t) undoes one forward step, "
               "alpha_t = 1 - beta_t; the cumulative abar_t (called alpha_t in some texts) belongs to "
               "q(x_t | x_0).", P1)
def ddpm_posterior__abar_for_alpha(x_t, x0, betas, t):  # noqa: D103
    beta_t, abar_t, abar_prev = _sched(betas, t)
    mean = (abar_prev.sqrt() * beta_t * x0 + abar_t.sqrt() * (1 - abar_prev) * x_t) / (1 - abar_t)
    return mean, (1 - abar_prev) / (1 - abar_t) * beta_t


@misconception("hw2", "ddpm_posterior", "Square root missing on alpha_t only",
               "The x_t coefficient of mu_tilde_t is sqrt(alpha_t)(1 - abar_{t-1}) / (1 - abar_t), with "
               "the square root of alpha_t = 1 - beta_t.", P1)
def ddpm_posterior__alpha_no_sqrt(x_t, x0, betas, t):  # noqa: D103
    beta_t, abar_t, abar_prev = _sched(betas, t)
    mean = (abar_prev.sqrt() * beta_t * x0 + (1 - beta_t) * (1 - abar_prev) * x_t) / (1 - abar_t)
    return mean, (1 - abar_prev) / (1 - abar_t) * beta_t


# -- ddpm_posterior_mean_from_score -----------------------------------------------------------
@misconception("hw2", "ddpm_posterior_mean_from_score", "Sign of the score term flipped",
               "The posterior mean moves x_t along the score: (x_t + beta_t score) / sqrt(1 - beta_t), "
               "since the score of p_{t|0} points back towards sqrt(abar_t) x_0.", P1)
def ddpm_posterior_mean_from_score__sign(x_t, score, betas, t):  # noqa: D103
    beta_t = extract(betas, t, 0)
    return (x_t - beta_t * score) / (1 - beta_t).sqrt()


@misconception("hw2", "ddpm_posterior_mean_from_score", "Divided by sqrt(abar_t) instead of sqrt(alpha_t)",
               "One reverse step undoes one forward step: divide by sqrt(1 - beta_t) = sqrt(alpha_t), "
               "not by the cumulative sqrt(abar_t).", P1)
def ddpm_posterior_mean_from_score__abar(x_t, score, betas, t):  # noqa: D103
    beta_t, abar_t, _ = _sched(betas, t)
    return (x_t + beta_t * score) / abar_t.sqrt()


@misconception("hw2", "ddpm_posterior_mean_from_score", "Cumulative 1 - abar_t and abar_t for beta_t and alpha_t",
               "The posterior mean undoes one forward step: (x_t + beta_t score) / sqrt(1 - beta_t) with the "
               "one-step beta_t, not the variance 1 - abar_t and mean factor sqrt(abar_t) of q(x_t | x_0).", P1)
def ddpm_posterior_mean_from_score__cumulative(x_t, score, betas, t):  # noqa: D103
    _, abar_t, _ = _sched(betas, t)
    return (x_t + (1 - abar_t) * score) / abar_t.sqrt()


@misconception("hw2", "ddpm_posterior_mean_from_score", "beta_tilde_t used in place of beta_t",
               "The formula of problem 1 multiplies the score by the forward variance beta_t.", P1)
def ddpm_posterior_mean_from_score__beta_tilde(x_t, score, betas, t):  # noqa: D103
    beta_t, abar_t, abar_prev = _sched(betas, t)
    beta_tilde = (1 - abar_prev) / (1 - abar_t) * beta_t
    return (x_t + beta_tilde * score) / (1 - beta_t).sqrt()


@misconception("hw2", "ddpm_posterior_mean_from_score", "Divided by 1 - beta_t instead of sqrt(1 - beta_t)",
               "The forward step scales x_{t-1} by sqrt(1 - beta_t), so the mean divides by "
               "sqrt(1 - beta_t): (x_t + beta_t score) / sqrt(1 - beta_t).", P1)
def ddpm_posterior_mean_from_score__no_sqrt(x_t, score, betas, t):  # noqa: D103
    beta_t = extract(betas, t, 0)
    return (x_t + beta_t * score) / (1 - beta_t)


@misconception("hw2", "ddpm_posterior_mean_from_score", "Multiplied by sqrt(1 - beta_t) instead of divided",
               "Going back one step undoes the forward scaling sqrt(1 - beta_t): "
               "mean = (x_t + beta_t score) / sqrt(1 - beta_t).", P1)
def ddpm_posterior_mean_from_score__times_sqrt(x_t, score, betas, t):  # noqa: D103
    beta_t = extract(betas, t, 0)
    return (x_t + beta_t * score) * (1 - beta_t).sqrt()


@misconception("hw2", "ddpm_posterior_mean_from_score", "Only x_t divided by sqrt(1 - beta_t)",
               "The whole sum is divided: (x_t + beta_t score) / sqrt(1 - beta_t), not "
               "x_t / sqrt(1 - beta_t) + beta_t score.", P1)
def ddpm_posterior_mean_from_score__parenthesis(x_t, score, betas, t):  # noqa: D103
    beta_t = extract(betas, t, 0)
    return x_t / (1 - beta_t).sqrt() + beta_t * score


@misconception("hw2", "ddpm_posterior_mean_from_score", "Factor beta_t on the score left out",
               "The score is multiplied by the forward variance: (x_t + beta_t score) / sqrt(1 - beta_t).",
               P1)
def ddpm_posterior_mean_from_score__no_beta(x_t, score, betas, t):  # noqa: D103
    beta_t = extract(betas, t, 0)
    return (x_t + score) / (1 - beta_t).sqrt()


@misconception("hw2", "ddpm_posterior_mean_from_score", "sqrt(beta_t) on the score instead of beta_t",
               "Tweedie's correction multiplies the score by a variance: beta_t, not the standard "
               "deviation sqrt(beta_t).", P1)
def ddpm_posterior_mean_from_score__sqrt_beta(x_t, score, betas, t):  # noqa: D103
    beta_t = extract(betas, t, 0)
    return (x_t + beta_t.sqrt() * score) / (1 - beta_t).sqrt()


@misconception("hw2", "ddpm_posterior_mean_from_score", "Time indexed from 0: betas[t] taken as beta_t",
               "Time is 1-indexed: beta_t = betas[t-1]; betas[t] is beta_{t+1} (and fails at t = T).", P1)
def ddpm_posterior_mean_from_score__zero_indexed(x_t, score, betas, t):  # noqa: D103
    beta_t = betas[t]  # IndexError at t = T
    return (x_t + beta_t * score) / (1 - beta_t).sqrt()


# -- ddim_step ---------------------------------------------------------------------------------
@misconception("hw2", "ddim_step", "sigma_{t+1}^2 forgotten under the square root",
               "The direction term is sqrt(1 - alpha_t - sigma_{t+1}^2) / sqrt(1 - alpha_{t+1}): the "
               "variance sigma_{t+1}^2 added by the noise is taken out of the direction, otherwise the "
               "marginal variance exceeds 1 - alpha_t.", P2)
def ddim_step__sigma_forgotten(x_next, x0, alpha_t, alpha_next, sigma_next, noise):  # noqa: D103
    return (math.sqrt(alpha_t) * x0 + math.sqrt(1 - alpha_t) / math.sqrt(1 - alpha_next)
            * (x_next - math.sqrt(alpha_next) * x0) + sigma_next * noise)


@misconception("hw2", "ddim_step", "sigma_{t+1} instead of sigma_{t+1}^2 under the square root",
               "The direction coefficient is sqrt(1 - alpha_t - sigma_{t+1}^2) / sqrt(1 - alpha_{t+1}): "
               "the variance sigma_{t+1}^2 is removed from 1 - alpha_t, not the standard deviation.", P2)
def ddim_step__sigma_not_squared(x_next, x0, alpha_t, alpha_next, sigma_next, noise):  # noqa: D103
    coef = math.sqrt(max(1 - alpha_t - sigma_next, 0.0)) / math.sqrt(1 - alpha_next)
    return math.sqrt(alpha_t) * x0 + coef * (x_next - math.sqrt(alpha_next) * x0) + sigma_next * noise


@misconception("hw2", "ddim_step", "Noise term sigma_{t+1} eps left out",
               "q(X_t | X_{t+1}, X_0) has variance sigma_{t+1}^2: the step adds sigma_next * noise.", P2)
def ddim_step__no_noise(x_next, x0, alpha_t, alpha_next, sigma_next, noise):  # noqa: D103
    return ddim.ddim_step(x_next, x0, alpha_t, alpha_next, 0.0 * sigma_next, noise)


@misconception("hw2", "ddim_step", "sqrt(alpha_{t+1}) missing in the predicted noise",
               "The noise direction is x_{t+1} - sqrt(alpha_{t+1}) x_0, rescaled by sqrt(1 - alpha_{t+1}).",
               P2)
def ddim_step__no_sqrt_alpha_next(x_next, x0, alpha_t, alpha_next, sigma_next, noise):  # noqa: D103
    coef = math.sqrt(max(1 - alpha_t - sigma_next**2, 0.0)) / math.sqrt(1 - alpha_next)
    return math.sqrt(alpha_t) * x0 + coef * (x_next - alpha_next * x0) + sigma_next * noise


@misconception("hw2", "ddim_step", "alpha_t and alpha_{t+1} swapped",
               "X_t = sqrt(alpha_t) x_0 + sqrt(1 - alpha_t - sigma_{t+1}^2) / sqrt(1 - alpha_{t+1}) "
               "(x_{t+1} - sqrt(alpha_{t+1}) x_0) + sigma_{t+1} noise: the target level alpha_t scales x_0, "
               "the source level alpha_{t+1} removes x_0 from x_{t+1}.", P2)
def ddim_step__alphas_swapped(x_next, x0, alpha_t, alpha_next, sigma_next, noise):  # noqa: D103
    coef = math.sqrt(max(1 - alpha_next - sigma_next**2, 0.0)) / math.sqrt(1 - alpha_t)
    return math.sqrt(alpha_next) * x0 + coef * (x_next - math.sqrt(alpha_t) * x0) + sigma_next * noise


@misconception("hw2", "ddim_step", "sqrt(alpha_t) missing on x_0",
               "The mean of X_t | X_0 is sqrt(alpha_t) x_0 (alphas are cumulative): the first term is "
               "sqrt(alpha_t) x_0, not alpha_t x_0.", P2)
def ddim_step__no_sqrt_alpha_t(x_next, x0, alpha_t, alpha_next, sigma_next, noise):  # noqa: D103
    coef = math.sqrt(max(1 - alpha_t - sigma_next**2, 0.0)) / math.sqrt(1 - alpha_next)
    return alpha_t * x0 + coef * (x_next - math.sqrt(alpha_next) * x0) + sigma_next * noise


@misconception("hw2", "ddim_step", "Noise scaled by sigma_{t+1}^2 instead of sigma_{t+1}",
               "q(X_t | X_{t+1}, X_0) has variance sigma_{t+1}^2, so the noise is multiplied by the "
               "standard deviation sigma_{t+1}.", P2)
def ddim_step__noise_variance(x_next, x0, alpha_t, alpha_next, sigma_next, noise):  # noqa: D103
    coef = math.sqrt(max(1 - alpha_t - sigma_next**2, 0.0)) / math.sqrt(1 - alpha_next)
    return math.sqrt(alpha_t) * x0 + coef * (x_next - math.sqrt(alpha_next) * x0) + sigma_next**2 * noise


@misconception("hw2", "ddim_step", "Direction coefficient without the square roots",
               "The coefficient of x_{t+1} - sqrt(alpha_{t+1}) x_0 is a ratio of standard deviations, "
               "sqrt(1 - alpha_t - sigma_{t+1}^2) / sqrt(1 - alpha_{t+1}), not of variances.", P2)
def ddim_step__ratio_no_sqrt(x_next, x0, alpha_t, alpha_next, sigma_next, noise):  # noqa: D103
    coef = (1 - alpha_t - sigma_next**2) / (1 - alpha_next)
    return math.sqrt(alpha_t) * x0 + coef * (x_next - math.sqrt(alpha_next) * x0) + sigma_next * noise


@misconception("hw2", "ddim_step", "Direction divided by sqrt(1 - alpha_t) instead of sqrt(1 - alpha_{t+1})",
               "(x_{t+1} - sqrt(alpha_{t+1}) x_0) / sqrt(1 - alpha_{t+1}) is the standardised noise of "
               "x_{t+1}: it is divided by the noise level of x_{t+1}, not of x_t.", P2)
def ddim_step__denominator_alpha_t(x_next, x0, alpha_t, alpha_next, sigma_next, noise):  # noqa: D103
    coef = math.sqrt(max(1 - alpha_t - sigma_next**2, 0.0)) / math.sqrt(1 - alpha_t)
    return math.sqrt(alpha_t) * x0 + coef * (x_next - math.sqrt(alpha_next) * x0) + sigma_next * noise


# -- ddim_forward_process ----------------------------------------------------------------------
def _forward(x0, alphas, sigmas, noise, step, sigma_index_shift=0, noise_shift=0, start_power=0.5):
    T = alphas.shape[0]
    x = alphas[T - 1].sqrt() * x0 + (1 - alphas[T - 1]) ** start_power * noise[T - 1]
    out = [x]
    for t in range(T - 1, 0, -1):
        x = step(x, x0, float(alphas[t - 1]), float(alphas[t]),
                 float(sigmas[t - sigma_index_shift]), noise[t - 1 + noise_shift])
        out.append(x)
    return torch.stack(out[::-1])


@misconception("hw2", "ddim_forward_process", "sigma_{t+1}^2 forgotten under the square root",
               "Each step must use sqrt(1 - alpha_t - sigma_{t+1}^2); without the sigma term the "
               "marginals X_t | X_0 are wider than N(sqrt(alpha_t) X_0, (1 - alpha_t) I).", P2)
def ddim_forward_process__sigma_forgotten(x0, alphas, sigmas, noise):  # noqa: D103
    return _forward(x0, alphas, sigmas, noise, ddim_step__sigma_forgotten)


@misconception("hw2", "ddim_forward_process", "sigma_t used in the step to X_t instead of sigma_{t+1}",
               "The step from X_{t+1} to X_t uses sigma_{t+1} = sigmas[t] (0-indexed), not sigmas[t-1].", P2)
def ddim_forward_process__sigma_index(x0, alphas, sigmas, noise):  # noqa: D103
    return _forward(x0, alphas, sigmas, noise, ddim.ddim_step, sigma_index_shift=1)


@misconception("hw2", "ddim_forward_process", "Output in reverse time order",
               "out[t-1] must be X_t, so out[0] is X_1 and out[T-1] is X_T; the process is generated "
               "from T down to 1 and must be stored in increasing t.", P2)
def ddim_forward_process__reversed(x0, alphas, sigmas, noise):  # noqa: D103
    return ddim.ddim_forward_process(x0, alphas, sigmas, noise).flip(0)


@misconception("hw2", "ddim_forward_process", "X_T started with the variance 1 - alpha_T as noise scale",
               "X_T = sqrt(alpha_T) x_0 + sqrt(1 - alpha_T) noise[T-1]: the noise is scaled by the "
               "standard deviation.", P2)
def ddim_forward_process__x_T_variance(x0, alphas, sigmas, noise):  # noqa: D103
    return _forward(x0, alphas, sigmas, noise, ddim.ddim_step, start_power=1.0)


@misconception("hw2", "ddim_forward_process", "Noise consumed in loop order (noise[0] for X_T)",
               "The contract ties noise[t-1] to X_t: X_T uses noise[T-1] and the step to X_t uses "
               "noise[t-1]. Taking noise[0], noise[1], ... in the order of the loop gives the right law "
               "but not the specified path.", P2)
def ddim_forward_process__noise_loop_order(x0, alphas, sigmas, noise):  # noqa: D103
    return ddim.ddim_forward_process(x0, alphas, sigmas, noise.flip(0))


@misconception("hw2", "ddim_forward_process", "noise[t] used in the step to X_t instead of noise[t-1]",
               "The contract ties noise[t-1] to X_t (0-indexed rows); indexing with t reuses X_{t+1}'s "
               "noise in the step to X_t and never uses noise[0].", P2)
def ddim_forward_process__noise_index(x0, alphas, sigmas, noise):  # noqa: D103
    return _forward(x0, alphas, sigmas, noise, ddim.ddim_step, noise_shift=1)


@misconception("hw2", "ddim_forward_process", "Noise term sigma_{t+1} eps left out of the steps",
               "Each step X_{t+1} -> X_t adds sigma_{t+1} noise[t-1]; without it the process is "
               "deterministic given X_T and the marginals are too narrow.", P2)
def ddim_forward_process__no_noise(x0, alphas, sigmas, noise):  # noqa: D103
    return _forward(x0, alphas, sigmas, noise, ddim_step__no_noise)


@misconception("hw2", "ddim_forward_process", "Each X_t drawn from its marginal instead of the chain",
               "X_t = sqrt(alpha_t) x_0 + sqrt(1 - alpha_t) noise[t-1] has the right marginals but "
               "ignores X_{t+1}: the process is defined by the steps q(X_t | X_{t+1}, X_0), which "
               "correlate consecutive X_t.", P2)
def ddim_forward_process__independent_marginals(x0, alphas, sigmas, noise):  # noqa: D103
    shape = (-1,) + (1,) * (noise.ndim - 1)
    return alphas.sqrt().reshape(shape) * x0 + (1 - alphas).sqrt().reshape(shape) * noise


@misconception("hw2", "ddim_forward_process", "alpha_t and alpha_{t+1} swapped in the step",
               "The step to X_t scales x_0 by sqrt(alpha_t) and removes sqrt(alpha_{t+1}) x_0 from "
               "X_{t+1}; swapping them breaks the marginals.", P2)
def ddim_forward_process__alphas_swapped(x0, alphas, sigmas, noise):  # noqa: D103
    return _forward(x0, alphas, sigmas, noise, ddim_step__alphas_swapped)


# -- ddim_sample -------------------------------------------------------------------------------
def _sample(eps_model, x_T, alphas, sigmas, noise, *, drop_sigma=False, return_x=False, noise_shift=0,
            x0_denominator="sqrt", eps_sign=-1.0, noise_power=1, sigma_shift=0):
    T = alphas.shape[0]

    def predict_x0(x, t):
        a = alphas[t - 1]
        e = eps_model(x, t)
        denominator = a.sqrt() if x0_denominator == "sqrt" else a
        return (x + eps_sign * (1 - a).sqrt() * e) / denominator, e

    x = x_T
    for t in range(T, 1, -1):
        a_prev, s = alphas[t - 2], sigmas[t - 1 - sigma_shift]
        x0_hat, e = predict_x0(x, t)
        s2 = 0.0 if drop_sigma else s**2
        noise_term = 0.0 if noise_power == 0 else s**noise_power * noise[t - 1 - noise_shift]
        x = a_prev.sqrt() * x0_hat + (1 - a_prev - s2).clamp_min(0).sqrt() * e + noise_term
    if return_x:
        return x
    return predict_x0(x, 1)[0]


@misconception("hw2", "ddim_sample", "sigma_t^2 forgotten under the square root",
               "X_{t-1} = sqrt(alpha_{t-1}) x0_hat + sqrt(1 - alpha_{t-1} - sigma_t^2) eps + sigma_t noise: "
               "with sigma_t > 0 the direction term must shrink to keep the right variance.", P2)
def ddim_sample__sigma_forgotten(eps_model, x_T, alphas, sigmas, noise):  # noqa: D103
    return _sample(eps_model, x_T, alphas, sigmas, noise, drop_sigma=True)


@misconception("hw2", "ddim_sample", "Returns X_1 instead of x0_hat at t = 1",
               "The sampler ends with the prediction x0_hat = (X_1 - sqrt(1 - alpha_1) eps) / sqrt(alpha_1), "
               "one more call of eps_model at t = 1.", P2)
def ddim_sample__returns_x1(eps_model, x_T, alphas, sigmas, noise):  # noqa: D103
    return _sample(eps_model, x_T, alphas, sigmas, noise, return_x=True)


@misconception("hw2", "ddim_sample", "noise[t-2] used in the step from t instead of noise[t-1]",
               "The noise added in the step t -> t-1 is noise[t-1]; noise[0] is unused.", P2)
def ddim_sample__noise_index(eps_model, x_T, alphas, sigmas, noise):  # noqa: D103
    return _sample(eps_model, x_T, alphas, sigmas, noise, noise_shift=1)


@misconception("hw2", "ddim_sample", "eps_model called with the 0-indexed step t - 1",
               "Time is 1-indexed: at X_t the model is asked for eps(X_t, t) with t = T, ..., 1; a 0-indexed "
               "loop passes t - 1 and the predicted noise belongs to the wrong noise level.", P2)
def ddim_sample__model_time_shift(eps_model, x_T, alphas, sigmas, noise):  # noqa: D103
    return _sample(lambda x, t: eps_model(x, max(t - 1, 1)), x_T, alphas, sigmas, noise)


@misconception("hw2", "ddim_sample", "x0_hat divided by alpha_t instead of sqrt(alpha_t)",
               "X_t = sqrt(alpha_t) x_0 + sqrt(1 - alpha_t) eps, so x0_hat = (X_t - sqrt(1 - alpha_t) e) "
               "/ sqrt(alpha_t).", P2)
def ddim_sample__x0_hat_no_sqrt(eps_model, x_T, alphas, sigmas, noise):  # noqa: D103
    return _sample(eps_model, x_T, alphas, sigmas, noise, x0_denominator="alpha")


@misconception("hw2", "ddim_sample", "x0_hat adds the predicted noise instead of removing it",
               "x0_hat = (X_t - sqrt(1 - alpha_t) e) / sqrt(alpha_t): the predicted noise is subtracted.",
               P2)
def ddim_sample__x0_hat_sign(eps_model, x_T, alphas, sigmas, noise):  # noqa: D103
    return _sample(eps_model, x_T, alphas, sigmas, noise, eps_sign=1.0)


@misconception("hw2", "ddim_sample", "Noise scaled by sigma_t^2 instead of sigma_t",
               "The step X_t -> X_{t-1} adds sigma_t noise[t-1] (standard deviation sigma_t).", P2)
def ddim_sample__noise_variance(eps_model, x_T, alphas, sigmas, noise):  # noqa: D103
    return _sample(eps_model, x_T, alphas, sigmas, noise, noise_power=2)


@misconception("hw2", "ddim_sample", "Noise term sigma_t noise[t-1] left out",
               "With sigma_t > 0 the sampler is stochastic: X_{t-1} = sqrt(alpha_{t-1}) x0_hat + "
               "sqrt(1 - alpha_{t-1} - sigma_t^2) e + sigma_t noise[t-1].", P2)
def ddim_sample__no_noise(eps_model, x_T, alphas, sigmas, noise):  # noqa: D103
    return _sample(eps_model, x_T, alphas, sigmas, noise, noise_power=0)


@misconception("hw2", "ddim_sample", "sigma_{t-1} used in the step from t instead of sigma_t",
               "The step X_t -> X_{t-1} uses sigma_t = sigmas[t-1] (sigmas[0] is unused).", P2)
def ddim_sample__sigma_index(eps_model, x_T, alphas, sigmas, noise):  # noqa: D103
    return _sample(eps_model, x_T, alphas, sigmas, noise, sigma_shift=1)


@misconception("hw2", "ddim_sample", "Cumulative alphas multiplied up again (torch.cumprod(alphas))",
               "In DDIM's notation alphas[t-1] is already the cumulative alpha_t (abar_t of DDPM); taking "
               "their cumulative product again treats them as one-step factors.", P2)
def ddim_sample__alphas_cumprod_again(eps_model, x_T, alphas, sigmas, noise):  # noqa: D103
    return _sample(eps_model, x_T, torch.cumprod(alphas, 0), sigmas, noise)


# -- ou_coefficients ---------------------------------------------------------------------------
@misconception("hw2", "ou_coefficients", "gamma_t = exp(-t) instead of exp(-t/2)",
               "For dX = -X/2 dt + dW the mean decays as exp(-t/2); exp(-t) is the decay of the variance "
               "term, sigma_t^2 = 1 - exp(-t).", P3)
def ou_coefficients__gamma_exp_t(t):  # noqa: D103
    return torch.exp(-t), torch.sqrt(1 - torch.exp(-t))


@misconception("hw2", "ou_coefficients", "sigma_t returned as the variance 1 - exp(-t)",
               "sigma_t is the standard deviation sqrt(1 - exp(-t)); 1 - exp(-t) is sigma_t^2.", P3)
def ou_coefficients__variance_not_std(t):  # noqa: D103
    return torch.exp(-t / 2), 1 - torch.exp(-t)


@misconception("hw2", "ou_coefficients", "sigma_t = sqrt(1 - exp(-t/2))",
               "Var(X_t | X_0) = 1 - gamma_t^2 = 1 - exp(-t), not 1 - gamma_t.", P3)
def ou_coefficients__sigma_from_gamma(t):  # noqa: D103
    return torch.exp(-t / 2), torch.sqrt(1 - torch.exp(-t / 2))


@misconception("hw2", "ou_coefficients", "Sign of the exponent flipped: gamma_t = exp(t/2)",
               "The OU drift -X/2 pulls the mean towards 0: E[X_t | X_0] = exp(-t/2) X_0, decaying in t.",
               P3)
def ou_coefficients__gamma_sign(t):  # noqa: D103
    return torch.exp(t / 2), torch.sqrt(1 - torch.exp(-t))


@misconception("hw2", "ou_coefficients", "Coefficients of dX = -X dt + sqrt(2) dW (exp(-t), 1 - exp(-2t))",
               "hw2's process is dX = -X/2 dt + dW: gamma_t = exp(-t/2) and sigma_t^2 = 1 - gamma_t^2 = "
               "1 - exp(-t). exp(-t) and sqrt(1 - exp(-2t)) belong to the twice faster OU process.", P3)
def ou_coefficients__fast_ou(t):  # noqa: D103
    return torch.exp(-t), torch.sqrt(1 - torch.exp(-2 * t))


@misconception("hw2", "ou_coefficients", "sigma_t = sqrt(t), the Brownian motion's spread",
               "The drift also shrinks the noise added earlier: Var(X_t | X_0) = int_0^t exp(-(t-s)) ds "
               "= 1 - exp(-t), not t.", P3)
def ou_coefficients__sigma_brownian(t):  # noqa: D103
    return torch.exp(-t / 2), torch.sqrt(t)


# -- dsm_loss -----------------------------------------------------------------------------------
@misconception("hw2", "dsm_loss", "gamma_t = exp(-t) in the noisy sample",
               "X_t = gamma_t X_0 + sigma_t eps with gamma_t = exp(-t/2).", P3)
def dsm_loss__gamma_exp_t(eps_model, x0, t, eps, lam):  # noqa: D103
    gamma, sigma = torch.exp(-t), torch.sqrt(1 - torch.exp(-t))
    return (lam / sigma**2 * (eps_model(gamma * x0 + sigma * eps, t) - eps) ** 2).mean()


@misconception("hw2", "dsm_loss", "Weight lam / sigma_t instead of lam / sigma_t^2",
               "(s - grad log p_{t|0})^2 = (eps_model - eps)^2 / sigma_t^2: the factor is squared.", P3)
def dsm_loss__sigma_not_squared(eps_model, x0, t, eps, lam):  # noqa: D103
    gamma, sigma = ou_coefficients(t)
    return (lam / sigma * (eps_model(gamma * x0 + sigma * eps, t) - eps) ** 2).mean()


@misconception("hw2", "dsm_loss", "Weight lambda(t) left out",
               "The loss is weighted by lam = lambda(t) / sigma_t^2 per sample; without lam the choice "
               "lambda = sigma_t^2 of part (c) has no effect.", P3)
def dsm_loss__no_lambda(eps_model, x0, t, eps, lam):  # noqa: D103
    gamma, sigma = ou_coefficients(t)
    return ((eps_model(gamma * x0 + sigma * eps, t) - eps) ** 2 / sigma**2).mean()


@misconception("hw2", "dsm_loss", "eps_model evaluated at the clean x_0",
               "The model predicts the noise from the noisy sample: eps_model(gamma_t x_0 + sigma_t eps, t).",
               P3)
def dsm_loss__clean_input(eps_model, x0, t, eps, lam):  # noqa: D103
    _, sigma = ou_coefficients(t)
    return (lam / sigma**2 * (eps_model(x0, t) - eps) ** 2).mean()


@misconception("hw2", "dsm_loss", "Summed over the batch instead of averaged",
               "The loss is the sample mean over n of lam/sigma_t^2 (eps_model - eps)^2, an estimate of "
               "the expectation over t, X_0 and eps.", P3)
def dsm_loss__sum(eps_model, x0, t, eps, lam):  # noqa: D103
    gamma, sigma = ou_coefficients(t)
    return (lam / sigma**2 * (eps_model(gamma * x0 + sigma * eps, t) - eps) ** 2).sum()


@misconception("hw2", "dsm_loss", "Residual eps_model + eps (sign of the target)",
               "With eps_model = -sigma_t s the residual s - grad log p_{t|0} becomes "
               "-(eps_model - eps)/sigma_t: the loss is lam/sigma_t^2 (eps_model - eps)^2.", P3)
def dsm_loss__target_sign(eps_model, x0, t, eps, lam):  # noqa: D103
    gamma, sigma = ou_coefficients(t)
    return (lam / sigma**2 * (eps_model(gamma * x0 + sigma * eps, t) + eps) ** 2).mean()


@misconception("hw2", "dsm_loss", "1/sigma_t^2 left out (lam (eps_model - eps)^2)",
               "Rewriting the score loss in terms of eps brings the factor 1/sigma_t^2: "
               "lam/sigma_t^2 (eps_model - eps)^2. It is what makes lam = 1 blow up at t = 0.", P3)
def dsm_loss__no_sigma_weight(eps_model, x0, t, eps, lam):  # noqa: D103
    gamma, sigma = ou_coefficients(t)
    return (lam * (eps_model(gamma * x0 + sigma * eps, t) - eps) ** 2).mean()


@misconception("hw2", "dsm_loss", "Noisy sample scaled by the variance sigma_t^2",
               "X_t = gamma_t X_0 + sigma_t eps with the standard deviation sigma_t = sqrt(1 - exp(-t)).",
               P3)
def dsm_loss__noise_variance(eps_model, x0, t, eps, lam):  # noqa: D103
    gamma, sigma = ou_coefficients(t)
    return (lam / sigma**2 * (eps_model(gamma * x0 + sigma**2 * eps, t) - eps) ** 2).mean()


@misconception("hw2", "dsm_loss", "eps_model conditioned on sigma_t instead of t",
               "The noise predictor is eps_theta(X_t, t), a function of the time t (NCSN-style models "
               "take the noise level sigma instead; here the contract passes t).", P3)
def dsm_loss__sigma_as_time(eps_model, x0, t, eps, lam):  # noqa: D103
    gamma, sigma = ou_coefficients(t)
    return (lam / sigma**2 * (eps_model(gamma * x0 + sigma * eps, sigma) - eps) ** 2).mean()


# -- reverse_ode_drift --------------------------------------------------------------------------
@misconception("hw2", "reverse_ode_drift", "Score term without the factor 1/2",
               "The probability-flow ODE has drift f - g^2/2 score = -x/2 - score/2 for g = 1.",
               "hw2 problem 3(e): probability-flow ODE")
def reverse_ode_drift__full_score(x, t, score):  # noqa: D103
    return -x / 2 - score


@misconception("hw2", "reverse_ode_drift", "Sign of the score term flipped",
               "F = f - g^2/2 score: the score enters with a minus sign.",
               "hw2 problem 3(e): probability-flow ODE")
def reverse_ode_drift__sign(x, t, score):  # noqa: D103
    return -x / 2 + score / 2


@misconception("hw2", "reverse_ode_drift", "Forward drift with the wrong sign",
               "The OU forward drift is f(x) = -x/2; the probability-flow drift keeps it: F = -x/2 - score/2.",
               "hw2 problem 3(e): probability-flow ODE")
def reverse_ode_drift__forward_sign(x, t, score):  # noqa: D103
    return x / 2 - score / 2


@misconception("hw2", "reverse_ode_drift", "Forward drift f = -x/2 left out",
               "The probability-flow drift is f - g^2/2 score; for the OU process f(x) = -x/2, so "
               "F = -x/2 - score/2.", "hw2 problem 3(e): probability-flow ODE")
def reverse_ode_drift__no_forward_drift(x, t, score):  # noqa: D103
    return -score / 2


@misconception("hw2", "reverse_ode_drift", "Score term left out (only the forward drift)",
               "The probability-flow ODE has the same marginals as the SDE because of the correction "
               "-g^2/2 score: F = -x/2 - score/2.", "hw2 problem 3(e): probability-flow ODE")
def reverse_ode_drift__no_score(x, t, score):  # noqa: D103
    return -x / 2


@misconception("hw2", "reverse_ode_drift", "Drift of the time-reversed variable returned (negated)",
               "F is the drift in forward time t, dX_t = F dt integrated from T down to 0: "
               "F = -x/2 - score/2. Its negative x/2 + score/2 is the drift in s = T - t.",
               "hw2 problem 3(e): probability-flow ODE")
def reverse_ode_drift__negated(x, t, score):  # noqa: D103
    return x / 2 + score / 2


@misconception("hw2", "reverse_ode_drift", "Forward drift -x instead of -x/2",
               "hw2's OU process is dX = -X/2 dt + dW, so f(x) = -x/2 and F = -x/2 - score/2.",
               "hw2 problem 3(e): probability-flow ODE")
def reverse_ode_drift__drift_x(x, t, score):  # noqa: D103
    return -x - score / 2


# -- attention ------------------------------------------------------------------------------------
def _heads(Q, K, V, W_Q, W_K, W_V, softmax_dim=-1, scale=None, after_softmax=False, swap_qk=False):
    d_attn = W_Q.shape[2]
    scale = math.sqrt(d_attn) if scale is None else scale
    out = []
    for h in range(W_Q.shape[0]):
        q, k = Q @ W_Q[h], K @ W_K[h]
        scores = k @ q.T if swap_qk else q @ k.T
        if after_softmax:
            out.append(torch.softmax(scores, dim=softmax_dim) @ (V @ W_V[h]) / scale)
        else:
            out.append(torch.softmax(scores / scale, dim=softmax_dim) @ (V @ W_V[h]))
    return out


@misconception("hw2", "mha1", "Softmax over the queries (dim 0) instead of the keys",
               "Each query's attention weights are a distribution over the keys: normalise each row "
               "of Q K^T, i.e. softmax over the last dimension.", P4)
def mha1__softmax_dim0(Q, K, V, params):  # noqa: D103
    return torch.cat(_heads(Q, K, V, params["W_Q"], params["W_K"], params["W_V"], 0), 1) @ params["W_O"]


@misconception("hw2", "mha1", "Scaled by sqrt(d_head) instead of sqrt(d_attn)",
               "The logits are divided by the square root of the query/key dimension d_attn.", P4)
def mha1__scale_d_head(Q, K, V, params):  # noqa: D103
    heads = _heads(Q, K, V, params["W_Q"], params["W_K"], params["W_V"],
                   scale=math.sqrt(params["W_V"].shape[2]))
    return torch.cat(heads, 1) @ params["W_O"]


@misconception("hw2", "mha1", "Heads summed instead of concatenated before W_O",
               "MHA1 concatenates the H heads into an L x (H d_head) matrix and then applies W_O.", P4)
def mha1__sum_heads(Q, K, V, params):  # noqa: D103
    heads = _heads(Q, K, V, params["W_Q"], params["W_K"], params["W_V"])
    d_head = params["W_V"].shape[2]
    return sum(heads) @ params["W_O"][:d_head]


def _mha1(Q, K, V, params, **kw):
    return torch.cat(_heads(Q, K, V, params["W_Q"], params["W_K"], params["W_V"], **kw), 1) @ params["W_O"]


@misconception("hw2", "mha1", "Logits divided by d_attn instead of sqrt(d_attn)",
               "Attention(Q~, K~, V~) = softmax(Q~ K~^T / sqrt(d_attn)) V~: the square root keeps the "
               "logits' variance near 1 for unit-variance entries.", P4)
def mha1__scale_d_attn(Q, K, V, params):  # noqa: D103
    return _mha1(Q, K, V, params, scale=params["W_Q"].shape[2])


@misconception("hw2", "mha1", "Scaling 1/sqrt(d_attn) left out",
               "The logits are Q~ K~^T / sqrt(d_attn), not Q~ K~^T.", P4)
def mha1__no_scale(Q, K, V, params):  # noqa: D103
    return _mha1(Q, K, V, params, scale=1.0)


@misconception("hw2", "mha1", "Output projection W_O forgotten",
               "MHA1's output is concat_h(head_h) W_O, an L x d_out matrix; the concatenation alone is "
               "L x (H d_head).", P4)
def mha1__no_w_o(Q, K, V, params):  # noqa: D103
    return torch.cat(_heads(Q, K, V, params["W_Q"], params["W_K"], params["W_V"]), 1)


@misconception("hw2", "mha1", "1/sqrt(d_attn) applied after the softmax",
               "The scaling divides the logits inside the softmax, softmax(Q~ K~^T / sqrt(d_attn)) V~; "
               "dividing the output instead only rescales it.", P4)
def mha1__scale_after_softmax(Q, K, V, params):  # noqa: D103
    return _mha1(Q, K, V, params, after_softmax=True)


@misconception("hw2", "mha1", "Keys and queries swapped: softmax(K~ Q~^T)",
               "Row i of softmax(Q~ K~^T / sqrt(d_attn)) holds query i's weights over the keys; "
               "K~ Q~^T transposes the logits, so each row then mixes the queries.", P4)
def mha1__qk_swapped(Q, K, V, params):  # noqa: D103
    return _mha1(Q, K, V, params, swap_qk=True)


@misconception("hw2", "mha2", "Softmax over the queries (dim 0) instead of the keys",
               "Each query's attention weights are a distribution over the keys: normalise each row "
               "of Q K^T, i.e. softmax over the last dimension.", P4)
def mha2__softmax_dim0(Q, K, V, params):  # noqa: D103
    return sum(_heads(Q, K, V, params["W_Q"], params["W_K"], params["W_V"], 0))


@misconception("hw2", "mha2", "Heads averaged instead of summed",
               "MHA2's output is head_1 + ... + head_H, with no 1/H factor.", P4)
def mha2__mean_heads(Q, K, V, params):  # noqa: D103
    return sum(_heads(Q, K, V, params["W_Q"], params["W_K"], params["W_V"])) / params["W_Q"].shape[0]


@misconception("hw2", "mha2", "Scaled by sqrt(d_out) instead of sqrt(d_attn)",
               "The logits are divided by the square root of the query/key dimension d_attn.", P4)
def mha2__scale_d_out(Q, K, V, params):  # noqa: D103
    return sum(_heads(Q, K, V, params["W_Q"], params["W_K"], params["W_V"],
                      scale=math.sqrt(params["W_V"].shape[2])))


@misconception("hw2", "mha2", "Logits divided by d_attn instead of sqrt(d_attn)",
               "Attention uses softmax(Q~ K~^T / sqrt(d_attn)) V~.", P4)
def mha2__scale_d_attn(Q, K, V, params):  # noqa: D103
    return sum(_heads(Q, K, V, params["W_Q"], params["W_K"], params["W_V"], scale=params["W_Q"].shape[2]))


@misconception("hw2", "mha2", "Scaling 1/sqrt(d_attn) left out",
               "The logits are Q~ K~^T / sqrt(d_attn), not Q~ K~^T.", P4)
def mha2__no_scale(Q, K, V, params):  # noqa: D103
    return sum(_heads(Q, K, V, params["W_Q"], params["W_K"], params["W_V"], scale=1.0))


@misconception("hw2", "mha2", "1/sqrt(d_attn) applied after the softmax",
               "The scaling divides the logits inside the softmax, softmax(Q~ K~^T / sqrt(d_attn)) V~.", P4)
def mha2__scale_after_softmax(Q, K, V, params):  # noqa: D103
    return sum(_heads(Q, K, V, params["W_Q"], params["W_K"], params["W_V"], after_softmax=True))


@misconception("hw2", "mha2", "Heads concatenated (as in MHA1) instead of summed",
               "MHA2 has no output projection: its output is head_1 + ... + head_H, each already "
               "L x d_out.", P4)
def mha2__concat_heads(Q, K, V, params):  # noqa: D103
    return torch.cat(_heads(Q, K, V, params["W_Q"], params["W_K"], params["W_V"]), 1)


@misconception("hw2", "mha2", "Keys and queries swapped: softmax(K~ Q~^T)",
               "Row i of softmax(Q~ K~^T / sqrt(d_attn)) holds query i's weights over the keys; "
               "K~ Q~^T transposes the logits.", P4)
def mha2__qk_swapped(Q, K, V, params):  # noqa: D103
    return sum(_heads(Q, K, V, params["W_Q"], params["W_K"], params["W_V"], swap_qk=True))


def _with_wv(params, blocks):
    out = {k: v.clone() for k, v in params.items() if k != "W_O"}
    out["W_V"] = torch.stack(blocks)
    return out


@misconception("hw2", "mha1_to_mha2", "W_O not folded into W_V",
               "MHA2 has no output projection: the map W_O must be absorbed into each head's value "
               "projection, W_V[h] <- W_V[h] W_O[h d_head:(h+1) d_head].", P4)
def mha1_to_mha2__not_folded(params):  # noqa: D103
    return {k: v.clone() for k, v in params.items()}


@misconception("hw2", "mha1_to_mha2", "The first block of W_O used for every head",
               "Each head h gets its own block W_O[h d_head:(h+1) d_head].", P4)
def mha1_to_mha2__same_block(params):  # noqa: D103
    W_V, W_O = params["W_V"], params["W_O"]
    d_head = W_V.shape[2]
    return _with_wv(params, [W_V[h] @ W_O[:d_head] for h in range(W_V.shape[0])])


@misconception("hw2", "mha1_to_mha2", "Rows of W_O taken interleaved across heads",
               "concat_h(head_h) puts head h in columns h d_head ... (h+1) d_head - 1, so head h meets "
               "the contiguous rows W_O[h d_head:(h+1) d_head], not every H-th row.", P4)
def mha1_to_mha2__interleaved(params):  # noqa: D103
    W_V, W_O = params["W_V"], params["W_O"]
    H, _, d_head = W_V.shape
    blocks = W_O.reshape(d_head, H, -1).permute(1, 0, 2)
    return _with_wv(params, [W_V[h] @ blocks[h] for h in range(H)])


@misconception("hw2", "mha_param_counts", "W_O left out of the MHA1 count",
               "MHA1 also trains the output projection W_O with H d_head d_out parameters.", P4)
def mha_param_counts__no_w_o(d_Q, d_K, d_V, d_attn, d_head, d_out, H):  # noqa: D103
    return H * (d_Q * d_attn + d_K * d_attn + d_V * d_head), H * (d_Q * d_attn + d_K * d_attn + d_V * d_out)


@misconception("hw2", "mha_param_counts", "W_O counted once per head as d_head x d_out ... without H",
               "W_O is (H d_head) x d_out: it has H d_head d_out entries.", P4)
def mha_param_counts__w_o_without_h(d_Q, d_K, d_V, d_attn, d_head, d_out, H):  # noqa: D103
    return (H * (d_Q * d_attn + d_K * d_attn + d_V * d_head) + d_head * d_out,
            H * (d_Q * d_attn + d_K * d_attn + d_V * d_out))


@misconception("hw2", "mha_param_counts", "Query/key projections counted once, not per head",
               "Each of the H heads has its own W_Q^h and W_K^h.", P4)
def mha_param_counts__qk_shared(d_Q, d_K, d_V, d_attn, d_head, d_out, H):  # noqa: D103
    return (d_Q * d_attn + d_K * d_attn + H * d_V * d_head + H * d_head * d_out,
            d_Q * d_attn + d_K * d_attn + H * d_V * d_out)


@misconception("hw2", "mha_param_counts", "Per-head projections W_Q, W_K, W_V counted once, not H times",
               "Each of the H heads has its own W_Q^h, W_K^h and W_V^h, so each count is H times the "
               "per-head size (W_O is counted once, with H d_head d_out entries).", P4)
def mha_param_counts__no_head_factor(d_Q, d_K, d_V, d_attn, d_head, d_out, H):  # noqa: D103
    return (d_Q * d_attn + d_K * d_attn + d_V * d_head + H * d_head * d_out,
            d_Q * d_attn + d_K * d_attn + d_V * d_out)


@misconception("hw2", "mha_param_counts", "Biases counted",
               "The layers of problem 4 are bias-free matrix products: MHA1 has H (d_Q d_attn + d_K d_attn + "
               "d_V d_head) + H d_head d_out parameters and MHA2 H (d_Q d_attn + d_K d_attn + d_V d_out).", P4)
def mha_param_counts__biases(d_Q, d_K, d_V, d_attn, d_head, d_out, H):  # noqa: D103
    return (H * (d_Q * d_attn + d_K * d_attn + d_V * d_head + 2 * d_attn + d_head) + H * d_head * d_out + d_out,
            H * (d_Q * d_attn + d_K * d_attn + d_V * d_out + 2 * d_attn + d_out))


@misconception("hw2", "mha_param_counts", "W_O also counted in MHA2",
               "Folding W_O into the value projections removes it: MHA2 has only W_Q^h, W_K^h and "
               "W_V^h in R^{d_V x d_out}.", P4)
def mha_param_counts__w_o_in_mha2(d_Q, d_K, d_V, d_attn, d_head, d_out, H):  # noqa: D103
    return (H * (d_Q * d_attn + d_K * d_attn + d_V * d_head) + H * d_head * d_out,
            H * (d_Q * d_attn + d_K * d_attn + d_V * d_out) + H * d_head * d_out)


@misconception("hw2", "mha_param_counts", "MHA2's value projections counted as d_V x d_head",
               "In MHA2 each head maps straight to the output: W_V^h in R^{d_V x d_out}.", P4)
def mha_param_counts__mha2_v_d_head(d_Q, d_K, d_V, d_attn, d_head, d_out, H):  # noqa: D103
    return (H * (d_Q * d_attn + d_K * d_attn + d_V * d_head) + H * d_head * d_out,
            H * (d_Q * d_attn + d_K * d_attn + d_V * d_head))


@misconception("hw2", "mha_param_counts", "Query/key projections counted with d_head instead of d_attn",
               "W_Q^h and W_K^h map to the attention dimension: d_Q x d_attn and d_K x d_attn (d_attn "
               "need not equal d_head).", P4)
def mha_param_counts__d_head_for_d_attn(d_Q, d_K, d_V, d_attn, d_head, d_out, H):  # noqa: D103
    return (H * (d_Q * d_head + d_K * d_head + d_V * d_head) + H * d_head * d_out,
            H * (d_Q * d_head + d_K * d_head + d_V * d_out))
