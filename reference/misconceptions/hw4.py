"""Misconceptions of hw4 (Gaussian toy diffusion, DPO and preference models).

Each function below has the contract's signature and reproduces one mistake;
the decorator records its title, a short explanation and the equation it
gets wrong. Conventions as in :mod:`reference.toy` and
:mod:`reference.preference` (float64; the toy's time grid is
t = (n_steps - k)/n_steps, dt = 1/n_steps). Within a function the variants
are listed most specific first: the judge names the first one that
reproduces every output of a student.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from reference import preference, toy
from reference.misconceptions import misconception

P1C = ("hw4 problem 1(c): X_{t-dt} | X_t ~ "
       "N((sigma2+t-dt)/(sigma2+t) x_t, (sigma2+t-dt) dt/(sigma2+t))")
P1D = "hw4 problem 1(d)-(e): ancestral sampling from t = 1 to t = 0"
P1G = "hw4 problem 1(g)-(h): the DDIM step with eta(t, dt) = sqrt(t)/(sqrt(t-dt) + sqrt(t))"
P1F = "hw4 problem 1(f): the regression target E[X_0 | X_t] = sigma2/(sigma2+t) x_t"
P2B = "hw4 problem 2(b): pi* = pi_ref exp(r/beta) / Z(x)"
P2E = "hw4 problem 2(e)-(f): L_DPO = -log sigmoid(beta log-ratio_w - beta log-ratio_l)"
P2F = "hw4 problem 2(f): the gradient weight sigmoid(r_hat_l - r_hat_w)"
P2G = "hw4 problem 2(g): Plackett-Luce, sum_k [r_k - logsumexp_{j >= k} r_j]"


def _times(n_steps: int) -> list[tuple[float, float]]:
    return [((n_steps - k) / n_steps, 1 / n_steps) for k in range(n_steps)]


def _rewards(pc, pr, rc, rr, beta):
    return beta * (pc - rc), beta * (pr - rr)


# -- toy_marginal_var --------------------------------------------------------------------------
@misconception(
    "hw4", "toy_marginal_var",
    "Standard deviation returned instead of the variance",
    "X_t = X_0 + N(0, t) has variance sigma2 + t (variances of independent terms add); its "
    "square root is the standard deviation.",
    "hw4 problem 1(b)")
def toy_marginal_var__std(sigma2, t):  # noqa: D103
    return torch.sqrt(toy.toy_marginal_var(sigma2, t))


@misconception(
    "hw4", "toy_marginal_var",
    "Noise variance t^2 instead of t",
    "N(0, t) has variance t (standard deviation sqrt(t)), so Var X_t = sigma2 + t, not sigma2"
    " + t^2.",
    "hw4 problem 1(b)")
def toy_marginal_var__t_squared(sigma2, t):  # noqa: D103
    return sigma2 + torch.as_tensor(t, dtype=torch.float64) ** 2


@misconception(
    "hw4", "toy_marginal_var",
    "Data variance left out",
    "X_t = X_0 + N(0, t) keeps the data's own variance: Var X_t = sigma2 + t, not t.",
    "hw4 problem 1(b)")
def toy_marginal_var__no_sigma2(sigma2, t):  # noqa: D103
    return torch.as_tensor(t, dtype=torch.float64).clone()


@misconception(
    "hw4", "toy_marginal_var",
    "sigma2 treated as a standard deviation (squared)",
    "sigma2 is already the data variance: X_0 ~ N(0, sigma2), so Var X_t = sigma2 + t.",
    "hw4 problem 1(b)")
def toy_marginal_var__sigma2_squared(sigma2, t):  # noqa: D103
    return sigma2**2 + torch.as_tensor(t, dtype=torch.float64)


@misconception(
    "hw4", "toy_marginal_var",
    "Noise standard deviation sqrt(t) added as a variance",
    "The noise N(0, t) contributes its variance t (not its standard deviation sqrt(t)): "
    "Var X_t = sigma2 + t.",
    "hw4 problem 1(b)")
def toy_marginal_var__sqrt_t(sigma2, t):  # noqa: D103
    return sigma2 + torch.sqrt(torch.as_tensor(t, dtype=torch.float64))


@misconception(
    "hw4", "toy_marginal_var",
    "Variance of X_1 for every t: sigma2 + 1",
    "By time t the process has accumulated noise of variance t, not the full unit variance of "
    "t = 1: Var X_t = sigma2 + t.",
    "hw4 problem 1(b)")
def toy_marginal_var__t_ignored(sigma2, t):  # noqa: D103
    return sigma2 + torch.ones_like(torch.as_tensor(t, dtype=torch.float64))


# -- toy_reverse_conditional ------------------------------------------------------------------
@misconception(
    "hw4", "toy_reverse_conditional",
    "Variance dt (the part (c) approximation)",
    "Var(X_{t-dt} | X_t) = (sigma2 + t - dt) dt/(sigma2 + t) exactly; dt is only its "
    "approximation for dt << sigma2 + t, and it is far off at the last step t = dt.",
    P1C)
def toy_reverse_conditional__var_dt(x_t, t, dt, sigma2):  # noqa: D103
    mean, _ = toy.toy_reverse_conditional(x_t, t, dt, sigma2)
    return mean, dt


@misconception(
    "hw4", "toy_reverse_conditional",
    "Ratio (sigma2+t)/(sigma2+t-dt) inverted",
    "Gaussian conditioning gives the regression coefficient Cov/Var X_t = (sigma2 + t - "
    "dt)/(sigma2 + t) < 1: the reverse step shrinks x_t.",
    P1C)
def toy_reverse_conditional__ratio_inverted(x_t, t, dt, sigma2):  # noqa: D103
    ratio = (sigma2 + t) / (sigma2 + t - dt)
    return ratio * x_t, ratio * dt


@misconception(
    "hw4", "toy_reverse_conditional",
    "Mean not shrunk: mean = x_t",
    "X_{t-dt} has less noise than X_t, so its conditional mean shrinks x_t by (sigma2 + t - "
    "dt)/(sigma2 + t).",
    P1C)
def toy_reverse_conditional__mean_unshrunk(x_t, t, dt, sigma2):  # noqa: D103
    _, var = toy.toy_reverse_conditional(x_t, t, dt, sigma2)
    return x_t.clone(), var


@misconception(
    "hw4", "toy_reverse_conditional",
    "Standard deviation returned as var",
    "The second output is the variance (sigma2 + t - dt) dt/(sigma2 + t), not its square "
    "root.",
    P1C)
def toy_reverse_conditional__std(x_t, t, dt, sigma2):  # noqa: D103
    mean, var = toy.toy_reverse_conditional(x_t, t, dt, sigma2)
    return mean, torch.sqrt(var)


@misconception(
    "hw4", "toy_reverse_conditional",
    "Factor dt missing from the variance",
    "Var(X_{t-dt} | X_t) = (sigma2 + t - dt) dt/(sigma2 + t): the ratio alone is close to 1, "
    "the dt makes it the variance of one small step.",
    P1C)
def toy_reverse_conditional__var_no_dt(x_t, t, dt, sigma2):  # noqa: D103
    mean, _ = toy.toy_reverse_conditional(x_t, t, dt, sigma2)
    return mean, torch.as_tensor((sigma2 + t - dt) / (sigma2 + t), dtype=torch.float64)


@misconception(
    "hw4", "toy_reverse_conditional",
    "Law of X_t | X_{t+dt} (time shifted by one step)",
    "The step goes from t to t - dt: mean (sigma2 + t - dt)/(sigma2 + t) x_t and variance "
    "(sigma2 + t - dt) dt/(sigma2 + t), with Var X_{t-dt} = sigma2 + t - dt in the numerators.",
    P1C)
def toy_reverse_conditional__time_shift(x_t, t, dt, sigma2):  # noqa: D103
    ratio = (sigma2 + t) / (sigma2 + t + dt)
    return ratio * x_t, torch.as_tensor(ratio * dt, dtype=torch.float64)


@misconception(
    "hw4", "toy_reverse_conditional",
    "Conditioned on X_0 = 0 too (the Brownian bridge (t - dt)/t)",
    "X_0 is random with variance sigma2: Var X_{t-dt} = Cov(X_{t-dt}, X_t) = sigma2 + t - dt and "
    "Var X_t = sigma2 + t, so the ratio is (sigma2 + t - dt)/(sigma2 + t), not (t - dt)/t.",
    P1C)
def toy_reverse_conditional__bridge(x_t, t, dt, sigma2):  # noqa: D103
    ratio = (t - dt) / t
    return ratio * x_t, torch.as_tensor(ratio * dt, dtype=torch.float64)


@misconception(
    "hw4", "toy_reverse_conditional",
    "Mean shrunk by the ratio of standard deviations",
    "The regression coefficient is Cov(X_{t-dt}, X_t)/Var X_t = (sigma2 + t - dt)/(sigma2 + t), "
    "a ratio of variances, not sqrt((sigma2 + t - dt)/(sigma2 + t)).",
    P1C)
def toy_reverse_conditional__mean_sqrt_ratio(x_t, t, dt, sigma2):  # noqa: D103
    _, var = toy.toy_reverse_conditional(x_t, t, dt, sigma2)
    return math.sqrt((sigma2 + t - dt) / (sigma2 + t)) * x_t, var


# -- toy_ddpm_sample ---------------------------------------------------------------------------
def _ddpm(x1, sigma2, n_steps, noise, var_fn=None, scale_fn=math.sqrt, steps=None):
    x = x1.clone()
    for k, (t, dt) in enumerate(_times(n_steps) if steps is None else steps):
        mean, var = toy.toy_reverse_conditional(x, t, dt, sigma2)
        if var_fn is not None:
            var = var_fn(sigma2, t, dt)
        x = mean if noise is None else mean + scale_fn(float(var)) * noise[k]
    return x


@misconception(
    "hw4", "toy_ddpm_sample",
    "Step variance dt instead of (sigma2+t-dt) dt/(sigma2+t)",
    "Each step adds the exact conditional variance; with dt the sampler adds too much noise "
    "(most at the last steps) and the output variance exceeds sigma2 - sigma2^3/(sigma2+1)^2."
    " The deterministic variant is unaffected.",
    P1D)
def toy_ddpm_sample__var_dt(x1, sigma2, n_steps, noise):  # noqa: D103
    return _ddpm(x1, sigma2, n_steps, noise, var_fn=lambda s, t, dt: dt)


@misconception(
    "hw4", "toy_ddpm_sample",
    "Noise scaled by the variance instead of its square root",
    "x <- mean + sqrt(var) z: a N(0, var) draw is sqrt(var) times a standard normal.",
    P1D)
def toy_ddpm_sample__no_sqrt(x1, sigma2, n_steps, noise):  # noqa: D103
    return _ddpm(x1, sigma2, n_steps, noise, scale_fn=lambda v: v)


@misconception(
    "hw4", "toy_ddpm_sample",
    "Last step skipped (stops at t = dt)",
    "The loop runs n_steps times, from t = 1 down to the step that ends at t - dt = 0; "
    "stopping one step early returns a sample of X_dt, not X_0.",
    P1D)
def toy_ddpm_sample__stops_early(x1, sigma2, n_steps, noise):  # noqa: D103
    return _ddpm(x1, sigma2, n_steps, noise, steps=_times(n_steps)[:-1])


@misconception(
    "hw4", "toy_ddpm_sample",
    "noise[k] used in reverse order",
    "The contract uses noise[k] at step k, the k-th step from t = 1; indexing it by the time "
    "(noise[n_steps - 1 - k]) gives the right law but not the specified sample.",
    P1D)
def toy_ddpm_sample__noise_reversed(x1, sigma2, n_steps, noise):  # noqa: D103
    return _ddpm(x1, sigma2, n_steps, None if noise is None else noise.flip(0))


@misconception(
    "hw4", "toy_ddpm_sample",
    "Noise never added (always the deterministic sampler)",
    "With a noise tensor the sampler is stochastic: x <- mean + sqrt(var) noise[k]. Only "
    "noise=None selects the deterministic variant x <- mean.",
    P1D)
def toy_ddpm_sample__never_noise(x1, sigma2, n_steps, noise):  # noqa: D103
    return _ddpm(x1, sigma2, n_steps, None)


@misconception(
    "hw4", "toy_ddpm_sample",
    "First step skipped (starts at t = 1 - dt)",
    "The loop runs n_steps times starting at t = 1 (k = 0); starting the loop at k = 1 leaves "
    "x at t = dt in the end.",
    P1D)
def toy_ddpm_sample__skips_first(x1, sigma2, n_steps, noise):  # noqa: D103
    x = x1.clone()
    for k, (t, dt) in enumerate(_times(n_steps)):
        if k == 0:
            continue
        mean, var = toy.toy_reverse_conditional(x, t, dt, sigma2)
        x = mean if noise is None else mean + math.sqrt(float(var)) * noise[k]
    return x


# -- toy_ddim_sample ---------------------------------------------------------------------------
def _ddim(x1, sigma2, n_steps, eta_fn, steps=None):
    x = x1.clone()
    for t, dt in _times(n_steps) if steps is None else steps:
        x = x - eta_fn(t, dt) * dt / (sigma2 + t) * x
    return x


def _eta(t, dt):
    return math.sqrt(t) / (math.sqrt(t - dt) + math.sqrt(t))


@misconception(
    "hw4", "toy_ddim_sample",
    "eta = 1/2 shortcut of part (g)",
    "eta(t, dt) = sqrt(t)/(sqrt(t - dt) + sqrt(t)) is close to 1/2 only for dt << t; at the "
    "last step (t = dt) it is 1. The contract's sampler uses the exact eta, whose output "
    "variance is prod_k (1 - eta_k dt/(sigma2 + t_k))^2.",
    P1G)
def toy_ddim_sample__eta_half(x1, sigma2, n_steps):  # noqa: D103
    return _ddim(x1, sigma2, n_steps, lambda t, dt: 0.5)


@misconception(
    "hw4", "toy_ddim_sample",
    "eta left out (the deterministic DDPM step)",
    "DDIM takes a fraction eta(t, dt) of the deterministic DDPM step -dt/(sigma2 + t) x; "
    "without eta it is the DDPM mean update.",
    P1G)
def toy_ddim_sample__no_eta(x1, sigma2, n_steps):  # noqa: D103
    return _ddim(x1, sigma2, n_steps, lambda t, dt: 1.0)


@misconception(
    "hw4", "toy_ddim_sample",
    "sqrt(t - dt) in the numerator of eta",
    "eta(t, dt) = sqrt(t)/(sqrt(t - dt) + sqrt(t)): the numerator is sqrt(t).",
    P1G)
def toy_ddim_sample__eta_swapped(x1, sigma2, n_steps):  # noqa: D103
    def eta(t, dt):
        return math.sqrt(t - dt) / (math.sqrt(t - dt) + math.sqrt(t))

    return _ddim(x1, sigma2, n_steps, eta)


@misconception(
    "hw4", "toy_ddim_sample",
    "Last step skipped (stops at t = dt)",
    "The loop runs n_steps times; the last step goes from t = dt to 0 (where eta = 1).",
    P1G)
def toy_ddim_sample__stops_early(x1, sigma2, n_steps):  # noqa: D103
    return _ddim(x1, sigma2, n_steps, _eta, steps=_times(n_steps)[:-1])


@misconception(
    "hw4", "toy_ddim_sample",
    "Step taken with the wrong sign: x + eta dt/(sigma2 + t) x",
    "The DDIM step shrinks x towards 0, a fraction eta of the DDPM mean step "
    "-dt/(sigma2 + t) x: x <- x - eta(t, dt) dt/(sigma2 + t) x.",
    P1G)
def toy_ddim_sample__step_sign(x1, sigma2, n_steps):  # noqa: D103
    return _ddim(x1, sigma2, n_steps, lambda t, dt: -_eta(t, dt))


@misconception(
    "hw4", "toy_ddim_sample",
    "Denominator sigma2 + t - dt instead of sigma2 + t",
    "The step is evaluated at the current time t: x <- x - eta(t, dt) dt/(sigma2 + t) x.",
    P1G)
def toy_ddim_sample__denominator_shift(x1, sigma2, n_steps):  # noqa: D103
    x = x1.clone()
    for t, dt in _times(n_steps):
        x = x - _eta(t, dt) * dt / (sigma2 + t - dt) * x
    return x


@misconception(
    "hw4", "toy_ddim_sample",
    "eta inverted: (sqrt(t - dt) + sqrt(t))/sqrt(t)",
    "eta(t, dt) = sqrt(t)/(sqrt(t - dt) + sqrt(t)) lies between 1/2 and 1.",
    P1G)
def toy_ddim_sample__eta_inverted(x1, sigma2, n_steps):  # noqa: D103
    return _ddim(x1, sigma2, n_steps, lambda t, dt: 1 / _eta(t, dt))


# -- toy_denoiser_target -----------------------------------------------------------------------
@misconception(
    "hw4", "toy_denoiser_target",
    "Noise fraction t/(sigma2+t) instead of sigma2/(sigma2+t)",
    "E[X_0 | X_t] = Cov(X_0, X_t)/Var(X_t) x_t = sigma2/(sigma2+t) x_t; t/(sigma2+t) x_t is "
    "the expected noise E[X_t - X_0 | X_t].",
    P1F)
def toy_denoiser_target__noise_fraction(x_t, t, sigma2):  # noqa: D103
    return t / (sigma2 + t) * x_t


@misconception(
    "hw4", "toy_denoiser_target",
    "Ratio inverted: (sigma2+t)/sigma2",
    "Denoising shrinks x_t towards 0: the factor sigma2/(sigma2+t) is at most 1.",
    P1F)
def toy_denoiser_target__inverted(x_t, t, sigma2):  # noqa: D103
    return (sigma2 + t) / sigma2 * x_t


@misconception(
    "hw4", "toy_denoiser_target",
    "Square root of the shrinkage factor",
    "The factor is Cov(X_0, X_t)/Var X_t = sigma2/(sigma2+t), a ratio of variances, not of "
    "standard deviations.",
    P1F)
def toy_denoiser_target__sqrt(x_t, t, sigma2):  # noqa: D103
    return torch.sqrt(torch.as_tensor(sigma2 / (sigma2 + t), dtype=torch.float64)) * x_t


@misconception(
    "hw4", "toy_denoiser_target",
    "Score -x_t/(sigma2 + t) instead of the denoiser",
    "The target of problem 1(f) is E[X_0 | X_t] = sigma2/(sigma2 + t) x_t; -x_t/(sigma2 + t) is "
    "the score grad log p_t(x_t). Tweedie links them: E[X_0 | X_t] = x_t + t score.",
    P1F)
def toy_denoiser_target__score(x_t, t, sigma2):  # noqa: D103
    return -x_t / (sigma2 + torch.as_tensor(t, dtype=torch.float64))


@misconception(
    "hw4", "toy_denoiser_target",
    "Noise variance t^2 instead of t",
    "X_t = X_0 + sqrt(t) z has noise variance t: E[X_0 | X_t] = sigma2/(sigma2 + t) x_t.",
    P1F)
def toy_denoiser_target__t_squared(x_t, t, sigma2):  # noqa: D103
    return sigma2 / (sigma2 + torch.as_tensor(t, dtype=torch.float64) ** 2) * x_t


@misconception(
    "hw4", "toy_denoiser_target",
    "sigma2 treated as a standard deviation (squared)",
    "sigma2 is the data variance already: the factor is sigma2/(sigma2 + t).",
    P1F)
def toy_denoiser_target__sigma2_squared(x_t, t, sigma2):  # noqa: D103
    return sigma2**2 / (sigma2**2 + torch.as_tensor(t, dtype=torch.float64)) * x_t


# -- optimal_policy ----------------------------------------------------------------------------
@misconception(
    "hw4", "optimal_policy",
    "Normalised over the batch (dim 0) instead of the vocabulary",
    "Z(x) = sum_y pi_ref(y|x) exp(r(x,y)/beta) sums over the responses y of one prompt: each "
    "row of pi* sums to 1.",
    P2B)
def optimal_policy__dim0(ref_probs, rewards, beta):  # noqa: D103
    return torch.softmax(torch.log(ref_probs) + rewards / beta, dim=0)


@misconception(
    "hw4", "optimal_policy",
    "Reference policy left out: softmax(r/beta)",
    "The KL penalty keeps pi* close to pi_ref: pi* is proportional to pi_ref exp(r/beta), not"
    " exp(r/beta).",
    P2B)
def optimal_policy__no_reference(ref_probs, rewards, beta):  # noqa: D103
    return torch.softmax(rewards / beta, dim=-1)


@misconception(
    "hw4", "optimal_policy",
    "exp(beta r) instead of exp(r/beta)",
    "beta weighs the KL term, so the reward enters as r/beta: a larger beta keeps pi* closer "
    "to pi_ref.",
    P2B)
def optimal_policy__beta_times(ref_probs, rewards, beta):  # noqa: D103
    return torch.softmax(torch.log(ref_probs) + rewards * beta, dim=-1)


@misconception(
    "hw4", "optimal_policy",
    "Not normalised (Z(x) left out)",
    "pi_ref exp(r/beta) must be divided by Z(x) = sum_y pi_ref(y|x) exp(r(x,y)/beta) to be a "
    "distribution.",
    P2B)
def optimal_policy__unnormalised(ref_probs, rewards, beta):  # noqa: D103
    return ref_probs * torch.exp(rewards / beta)


@misconception(
    "hw4", "optimal_policy",
    "Log-probabilities returned",
    "pi* is a distribution over the vocabulary: pi_ref exp(r/beta)/Z(x), whose rows sum to 1; "
    "log_softmax gives its logarithm.",
    P2B)
def optimal_policy__log_probs(ref_probs, rewards, beta):  # noqa: D103
    return torch.log_softmax(torch.log(ref_probs) + rewards / beta, dim=-1)


@misconception(
    "hw4", "optimal_policy",
    "exp(-r/beta): reward with the wrong sign",
    "Maximising E[r] - beta KL tilts pi_ref towards high rewards: pi* is proportional to "
    "pi_ref exp(+r/beta).",
    P2B)
def optimal_policy__reward_sign(ref_probs, rewards, beta):  # noqa: D103
    return torch.softmax(torch.log(ref_probs) - rewards / beta, dim=-1)


@misconception(
    "hw4", "optimal_policy",
    "Probabilities used as logits: softmax(pi_ref + r/beta)",
    "pi_ref multiplies exp(r/beta), so in a softmax it enters as log pi_ref: "
    "softmax(log pi_ref + r/beta).",
    P2B)
def optimal_policy__probs_as_logits(ref_probs, rewards, beta):  # noqa: D103
    return torch.softmax(ref_probs + rewards / beta, dim=-1)


@misconception(
    "hw4", "optimal_policy",
    "Z(x) without pi_ref: divided by sum_y exp(r/beta)",
    "The partition function normalises pi_ref exp(r/beta): Z(x) = sum_y pi_ref(y|x) "
    "exp(r(x,y)/beta).",
    P2B)
def optimal_policy__z_without_reference(ref_probs, rewards, beta):  # noqa: D103
    w = torch.exp(rewards / beta)
    return ref_probs * w / w.sum(dim=-1, keepdim=True)


@misconception(
    "hw4", "optimal_policy",
    "beta left out: pi_ref exp(r)",
    "The KL weight beta sets the temperature: pi* is proportional to pi_ref exp(r/beta).",
    P2B)
def optimal_policy__no_beta(ref_probs, rewards, beta):  # noqa: D103
    return torch.softmax(torch.log(ref_probs) + rewards, dim=-1)


@misconception(
    "hw4", "optimal_policy",
    "Normalised over the whole batch at once",
    "Each prompt x has its own Z(x): normalise every row (sum over dim -1 with keepdim), not "
    "the sum of all entries.",
    P2B)
def optimal_policy__normalised_globally(ref_probs, rewards, beta):  # noqa: D103
    w = ref_probs * torch.exp(rewards / beta)
    return w / w.sum()


# -- dpo_loss ----------------------------------------------------------------------------------
@misconception(
    "hw4", "dpo_loss",
    "Sign flipped inside the sigmoid",
    "The loss is the negative log-likelihood that the chosen response wins: -log "
    "sigmoid(chosen_rewards - rejected_rewards), not of rejected - chosen.",
    P2E)
def dpo_loss__sign_flipped(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,  # noqa: D103
                           reference_rejected_logps, beta):
    cr, rr = _rewards(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,
                      reference_rejected_logps, beta)
    return -F.logsigmoid(rr - cr), cr.detach(), rr.detach()


@misconception(
    "hw4", "dpo_loss",
    "beta left out of the rewards",
    "The implicit reward is beta log(pi_theta/pi_ref); without beta both the rewards and the "
    "margin inside the sigmoid are off by the factor beta.",
    P2E)
def dpo_loss__no_beta(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,  # noqa: D103
                      reference_rejected_logps, beta):
    cr, rr = _rewards(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,
                      reference_rejected_logps, 1.0)
    return -F.logsigmoid(cr - rr), cr.detach(), rr.detach()


@misconception(
    "hw4", "dpo_loss",
    "Log-likelihood instead of its negative",
    "A loss is minimised: L_DPO = -log sigmoid(delta) >= 0.",
    P2E)
def dpo_loss__no_minus(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,  # noqa: D103
                       reference_rejected_logps, beta):
    cr, rr = _rewards(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,
                      reference_rejected_logps, beta)
    return F.logsigmoid(cr - rr), cr.detach(), rr.detach()


@misconception(
    "hw4", "dpo_loss",
    "beta applied twice inside the sigmoid",
    "chosen_rewards and rejected_rewards already carry beta: the loss is "
    "-log sigmoid(chosen_rewards - rejected_rewards), without another factor beta.",
    P2E)
def dpo_loss__beta_twice(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,  # noqa: D103
                         reference_rejected_logps, beta):
    cr, rr = _rewards(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,
                      reference_rejected_logps, beta)
    return -F.logsigmoid(beta * (cr - rr)), cr.detach(), rr.detach()


@misconception(
    "hw4", "dpo_loss",
    "beta missing inside the sigmoid (rewards right)",
    "The margin inside the sigmoid is the difference of the implicit rewards, "
    "beta log-ratio_w - beta log-ratio_l; the log-ratios alone drop beta.",
    P2E)
def dpo_loss__beta_missing_in_sigmoid(policy_chosen_logps, policy_rejected_logps,  # noqa: D103
                                      reference_chosen_logps, reference_rejected_logps, beta):
    cr, rr = _rewards(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,
                      reference_rejected_logps, beta)
    return -F.logsigmoid((cr - rr) / beta), cr.detach(), rr.detach()


@misconception(
    "hw4", "dpo_loss",
    "log left out: -sigmoid(delta)",
    "The loss is the negative log-likelihood of the preference, -log sigmoid(delta).",
    P2E)
def dpo_loss__no_log(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,  # noqa: D103
                     reference_rejected_logps, beta):
    cr, rr = _rewards(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,
                      reference_rejected_logps, beta)
    return -torch.sigmoid(cr - rr), cr.detach(), rr.detach()


@misconception(
    "hw4", "dpo_loss",
    "Log-ratio inverted: beta (log pi_ref - log pi_theta)",
    "The implicit reward is r_hat = beta log(pi_theta/pi_ref): the policy's log-probability comes "
    "first.",
    P2E)
def dpo_loss__ratio_inverted(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,  # noqa: D103
                             reference_rejected_logps, beta):
    cr, rr = _rewards(reference_chosen_logps, reference_rejected_logps, policy_chosen_logps,
                      policy_rejected_logps, beta)
    return -F.logsigmoid(cr - rr), cr.detach(), rr.detach()


@misconception(
    "hw4", "dpo_loss",
    "Reference log-probabilities left out",
    "The rewards are beta log(pi_theta/pi_ref); only beta log Z(x) cancels between the two "
    "responses, not the reference terms.",
    P2E)
def dpo_loss__no_reference(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,  # noqa: D103
                           reference_rejected_logps, beta):
    cr, rr = beta * policy_chosen_logps, beta * policy_rejected_logps
    return -F.logsigmoid(cr - rr), cr.detach(), rr.detach()


@misconception(
    "hw4", "dpo_loss",
    "Reference log-probabilities of the two responses swapped",
    "Each response is compared with its own reference probability: chosen_rewards = beta "
    "(policy_chosen - reference_chosen), rejected_rewards = beta (policy_rejected - "
    "reference_rejected).",
    P2E)
def dpo_loss__references_swapped(policy_chosen_logps, policy_rejected_logps,  # noqa: D103
                                 reference_chosen_logps, reference_rejected_logps, beta):
    cr, rr = _rewards(policy_chosen_logps, policy_rejected_logps, reference_rejected_logps,
                      reference_chosen_logps, beta)
    return -F.logsigmoid(cr - rr), cr.detach(), rr.detach()


# -- dpo_grad_weight ---------------------------------------------------------------------------
@misconception(
    "hw4", "dpo_grad_weight",
    "sigmoid(chosen - rejected) instead of sigmoid(rejected - chosen)",
    "The gradient of -log sigmoid(delta) is -sigmoid(-delta) d delta: pairs the implicit "
    "reward model already ranks correctly get a small weight, wrongly ranked pairs a large "
    "one.",
    P2F)
def dpo_grad_weight__sign(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,  # noqa: D103
                          reference_rejected_logps, beta):
    cr, rr = _rewards(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,
                      reference_rejected_logps, beta)
    return torch.sigmoid(cr - rr)


@misconception(
    "hw4", "dpo_grad_weight",
    "beta left out of the rewards",
    "The weight is sigmoid(r_hat_l - r_hat_w) with r_hat = beta log(pi_theta/pi_ref).",
    P2F)
def dpo_grad_weight__no_beta(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,  # noqa: D103
                             reference_rejected_logps, beta):
    cr, rr = _rewards(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,
                      reference_rejected_logps, 1.0)
    return torch.sigmoid(rr - cr)


@misconception(
    "hw4", "dpo_grad_weight",
    "Reference log-probabilities left out",
    "The implicit reward is beta log(pi_theta/pi_ref): the reference terms do not cancel "
    "between the chosen and the rejected response.",
    P2F)
def dpo_grad_weight__no_reference(  # noqa: D103
        policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,
        reference_rejected_logps, beta):
    return torch.sigmoid(beta * (policy_rejected_logps - policy_chosen_logps))


@misconception(
    "hw4", "dpo_grad_weight",
    "beta folded into the weight",
    "The full gradient is -beta sigmoid(r_hat_l - r_hat_w)(...); the weight asked for is "
    "sigmoid(r_hat_l - r_hat_w) alone.",
    P2F)
def dpo_grad_weight__times_beta(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,  # noqa: D103
                                reference_rejected_logps, beta):
    return beta * preference.dpo_grad_weight(policy_chosen_logps, policy_rejected_logps,
                                             reference_chosen_logps, reference_rejected_logps, beta)


@misconception(
    "hw4", "dpo_grad_weight",
    "beta applied twice inside the sigmoid",
    "The rewards r_hat = beta log(pi_theta/pi_ref) already carry beta: the weight is "
    "sigmoid(r_hat_l - r_hat_w).",
    P2F)
def dpo_grad_weight__beta_twice(policy_chosen_logps, policy_rejected_logps,  # noqa: D103
                                reference_chosen_logps, reference_rejected_logps, beta):
    cr, rr = _rewards(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,
                      reference_rejected_logps, beta)
    return torch.sigmoid(beta * (rr - cr))


@misconception(
    "hw4", "dpo_grad_weight",
    "log sigmoid instead of sigmoid",
    "d/d delta [-log sigmoid(delta)] = -sigmoid(-delta): the weight is the sigmoid itself, a "
    "number in (0, 1).",
    P2F)
def dpo_grad_weight__log(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,  # noqa: D103
                         reference_rejected_logps, beta):
    cr, rr = _rewards(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,
                      reference_rejected_logps, beta)
    return F.logsigmoid(rr - cr)


@misconception(
    "hw4", "dpo_grad_weight",
    "Derivative of sigmoid instead of log sigmoid: sigmoid(delta) sigmoid(-delta)",
    "The loss is -log sigmoid(delta), whose derivative is -sigmoid(-delta); sigmoid(delta)(1 - "
    "sigmoid(delta)) is the derivative of sigmoid(delta) without the log.",
    P2F)
def dpo_grad_weight__sigmoid_derivative(policy_chosen_logps, policy_rejected_logps,  # noqa: D103
                                        reference_chosen_logps, reference_rejected_logps, beta):
    cr, rr = _rewards(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,
                      reference_rejected_logps, beta)
    return torch.sigmoid(cr - rr) * torch.sigmoid(rr - cr)


@misconception(
    "hw4", "dpo_grad_weight",
    "Reference log-probabilities of the two responses swapped",
    "r_hat_w = beta (policy_chosen - reference_chosen) and r_hat_l = beta (policy_rejected - "
    "reference_rejected): each response with its own reference.",
    P2F)
def dpo_grad_weight__references_swapped(policy_chosen_logps, policy_rejected_logps,  # noqa: D103
                                        reference_chosen_logps, reference_rejected_logps, beta):
    cr, rr = _rewards(policy_chosen_logps, policy_rejected_logps, reference_rejected_logps,
                      reference_chosen_logps, beta)
    return torch.sigmoid(rr - cr)


# -- bradley_terry_prob ------------------------------------------------------------------------
@misconception(
    "hw4", "bradley_terry_prob",
    "Sign flipped: sigmoid(r_l - r_w)",
    "p(y_w > y_l) = exp(r_w)/(exp(r_w) + exp(r_l)) = sigmoid(r_w - r_l): a larger reward for "
    "the chosen response makes the preference more likely.",
    "hw4 problem 2(e)")
def bradley_terry_prob__sign(reward_chosen, reward_rejected):  # noqa: D103
    return torch.sigmoid(reward_rejected - reward_chosen)


@misconception(
    "hw4", "bradley_terry_prob",
    "Rewards used as unnormalised probabilities: r_w/(r_w + r_l)",
    "Bradley-Terry exponentiates the rewards: exp(r_w)/(exp(r_w) + exp(r_l)).",
    "hw4 problem 2(e)")
def bradley_terry_prob__ratio(reward_chosen, reward_rejected):  # noqa: D103
    return reward_chosen / (reward_chosen + reward_rejected)


@misconception(
    "hw4", "bradley_terry_prob",
    "Log-probability returned",
    "The function returns the probability sigmoid(r_w - r_l), not its logarithm.",
    "hw4 problem 2(e)")
def bradley_terry_prob__log(reward_chosen, reward_rejected):  # noqa: D103
    return F.logsigmoid(reward_chosen - reward_rejected)


@misconception(
    "hw4", "bradley_terry_prob",
    "Odds exp(r_w - r_l) instead of the probability",
    "p(y_w > y_l) = exp(r_w)/(exp(r_w) + exp(r_l)): the denominator sums both, giving "
    "sigmoid(r_w - r_l) in (0, 1).",
    "hw4 problem 2(e)")
def bradley_terry_prob__odds(reward_chosen, reward_rejected):  # noqa: D103
    return torch.exp(reward_chosen - reward_rejected)


@misconception(
    "hw4", "bradley_terry_prob",
    "Softmax over the batch instead of over the pair",
    "The softmax normalises over the two responses of one pair, exp(r_w)/(exp(r_w) + exp(r_l)); "
    "a softmax along the batch dimension mixes different pairs.",
    "hw4 problem 2(e)")
def bradley_terry_prob__softmax_over_batch(reward_chosen, reward_rejected):  # noqa: D103
    return torch.softmax(torch.stack([reward_chosen, reward_rejected]), dim=-1)[0]


@misconception(
    "hw4", "bradley_terry_prob",
    "Logit r_w - r_l returned (sigmoid left out)",
    "The probability is sigmoid(r_w - r_l); the reward difference is its log-odds.",
    "hw4 problem 2(e)")
def bradley_terry_prob__logit(reward_chosen, reward_rejected):  # noqa: D103
    return reward_chosen - reward_rejected


# -- plackett_luce_logprob ---------------------------------------------------------------------
@misconception(
    "hw4", "plackett_luce_logprob",
    "logsumexp over all j instead of j >= k",
    "At rank k the choice is among the responses not yet ranked, y_k..y_K: the denominator is"
    " sum_{j >= k} exp(r_j). Summing over all j treats every rank as a choice among all K "
    "responses.",
    P2G)
def plackett_luce_logprob__all_j(policy_logps, reference_logps, beta):  # noqa: D103
    r = beta * (policy_logps - reference_logps)
    return (r - torch.logsumexp(r, dim=-1, keepdim=True)).sum(-1)


@misconception(
    "hw4", "plackett_luce_logprob",
    "Tail taken the wrong way: j <= k",
    "The responses are ranked best first, so at rank k the remaining ones are j >= k; a "
    "forward logcumsumexp sums over j <= k.",
    P2G)
def plackett_luce_logprob__head(policy_logps, reference_logps, beta):  # noqa: D103
    r = beta * (policy_logps - reference_logps)
    return (r - torch.logcumsumexp(r, dim=-1)).sum(-1)


@misconception(
    "hw4", "plackett_luce_logprob",
    "beta left out of the rewards",
    "The implicit rewards are r_k = beta log(pi_theta/pi_ref)(y_k).",
    P2G)
def plackett_luce_logprob__no_beta(policy_logps, reference_logps, beta):  # noqa: D103
    return preference.plackett_luce_logprob(policy_logps, reference_logps, 1.0)


@misconception(
    "hw4", "plackett_luce_logprob",
    "Reference log-probabilities left out",
    "r_k = beta (log pi_theta - log pi_ref): only beta log Z(x) cancels, not log pi_ref.",
    P2G)
def plackett_luce_logprob__no_reference(policy_logps, reference_logps, beta):  # noqa: D103
    return preference.plackett_luce_logprob(policy_logps, torch.zeros_like(reference_logps), beta)


@misconception(
    "hw4", "plackett_luce_logprob",
    "logsumexp over j > k instead of j >= k",
    "At rank k the chosen response y_k is itself among the candidates: the denominator is "
    "sum_{j >= k} exp(r_j). With j > k the last rank has no candidates left.",
    P2G)
def plackett_luce_logprob__strict_tail(policy_logps, reference_logps, beta):  # noqa: D103
    r = beta * (policy_logps - reference_logps)
    tail = torch.logcumsumexp(r.flip(-1), dim=-1).flip(-1)  # logsumexp_{j >= k}
    return (r[..., :-1] - tail[..., 1:]).sum(-1)


@misconception(
    "hw4", "plackett_luce_logprob",
    "Probability returned instead of its logarithm",
    "The function returns log p(tau) = sum_k [r_k - logsumexp_{j >= k} r_j], not the product "
    "of the probabilities.",
    P2G)
def plackett_luce_logprob__probability(policy_logps, reference_logps, beta):  # noqa: D103
    return torch.exp(preference.plackett_luce_logprob(policy_logps, reference_logps, beta))


@misconception(
    "hw4", "plackett_luce_logprob",
    "Averaged over the ranks instead of summed",
    "The log-probability of a ranking is the sum over k of the log-probabilities of each "
    "choice (a product of K factors).",
    P2G)
def plackett_luce_logprob__mean_over_k(policy_logps, reference_logps, beta):  # noqa: D103
    K = policy_logps.shape[-1]
    return preference.plackett_luce_logprob(policy_logps, reference_logps, beta) / K


@misconception(
    "hw4", "plackett_luce_logprob",
    "Rewards divided by beta instead of multiplied",
    "The implicit reward is r = beta log(pi_theta/pi_ref); 1/beta appears in pi* = pi_ref "
    "exp(r/beta), the other way round.",
    P2G)
def plackett_luce_logprob__divided_by_beta(policy_logps, reference_logps, beta):  # noqa: D103
    return preference.plackett_luce_logprob(policy_logps / beta**2, reference_logps / beta**2, beta)


@misconception(
    "hw4", "plackett_luce_logprob",
    "Tail logsumexp taken over the batch (dim 0) instead of the ranks",
    "The candidates at rank k are the responses y_k..y_K of the same prompt: the cumulative "
    "logsumexp runs along the last dimension K.",
    P2G)
def plackett_luce_logprob__wrong_axis(policy_logps, reference_logps, beta):  # noqa: D103
    r = beta * (policy_logps - reference_logps)
    return (r - torch.logcumsumexp(r.flip(0), dim=0).flip(0)).sum(-1)
