"""Homework 4: Gaussian toy diffusion and direct preference optimisation

Implement every function below with exactly these names and parameters, then check your work with `grade check <this file> --assignment hw4`.
Functions and points: toy_marginal_var (4), toy_reverse_conditional (10), toy_ddpm_sample (14), toy_ddim_sample (12), toy_denoiser_target (6), optimal_policy (10), dpo_loss (14), dpo_grad_weight (10), bradley_terry_prob (6), plackett_luce_logprob (14).

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
- Problem 1 (a)-(c): marginals of X_1, X_t, X_{t-dt}; the reverse conditional and Var ~ dt (8 points)
- Problem 1 (d)-(e): output laws of the deterministic and stochastic DDPM samplers (10 points)
- Problem 1 (f): training a network for g(x_t, t) (inputs, batches, loss) (4 points)
- Problem 1 (g)-(h): the DDIM step and the law of its output (8 points)
- Problem 2 (a)-(d): KL minimiser, optimal policy, partition function, implicit reward (10 points)
- Problem 2 (e)-(g): Bradley-Terry with the implicit reward, the DPO gradient, Plackett-Luce (10 points)
- Problem 3: sources, collaborators, time spent (2 points)
- Problem 4 (a)-(b): q(x_t | x_0) in closed form and q(x_{t-1} | x_t, x_0) (8 points)"""

import math

import numpy as np
import torch


def toy_marginal_var(sigma2, t):
    r"""Variance of the marginal X_t = X_0 + N(0, t).

    [hw4, 4 points]

    Parameters
    ----------
    sigma2 : float or 0-dim torch.Tensor
        Data variance sigma^2 > 0.
    t : float or (N,) torch.Tensor
        Time(s) in [0, 1].

    Returns
    -------
    (N,) torch.Tensor
        sigma2 + t (0-dim for a number ``t``).

    Notes
    -----
    hw4 problem 1(b): X_0 and the added noise are independent, so
    Var X_t = sigma^2 + t.
    """
    raise NotImplementedError("toy_marginal_var: your code here")


def toy_reverse_conditional(x_t, t, dt, sigma2):
    r"""Law of X_{t-dt} given X_t = x_t.

    [hw4, 10 points]

    Parameters
    ----------
    x_t : (N,) torch.Tensor
        Values of X_t.
    t : float or 0-dim torch.Tensor
        Current time, 0 < dt <= t <= 1.
    dt : float or 0-dim torch.Tensor
        Step, > 0.
    sigma2 : float or 0-dim torch.Tensor
        Data variance sigma^2 > 0.

    Returns
    -------
    mean : (N,) torch.Tensor
        (sigma2 + t - dt)/(sigma2 + t) x_t.
    var : 0-dim torch.Tensor
        (sigma2 + t - dt) dt/(sigma2 + t).

    Notes
    -----
    hw4 problem 1(c). (X_{t-dt}, X_t) is jointly Gaussian with
    Var X_{t-dt} = Cov(X_{t-dt}, X_t) = sigma^2 + t - dt and
    Var X_t = sigma^2 + t, so by Gaussian conditioning

    .. math::

        X_{t-\Delta t} \mid X_t = x_t \sim \mathcal N\Bigl(
        \frac{\sigma^2 + t - \Delta t}{\sigma^2 + t} x_t,\;
        \frac{(\sigma^2 + t - \Delta t)\Delta t}{\sigma^2 + t}\Bigr).
    """
    raise NotImplementedError("toy_reverse_conditional: your code here")


def toy_ddpm_sample(x1, sigma2, n_steps, noise):
    r"""Ancestral (DDPM) sampler of the toy, stochastic or deterministic.

    [hw4, 14 points]

    Parameters
    ----------
    x1 : (N,) torch.Tensor
        Starting values at t = 1.
    sigma2 : float or 0-dim torch.Tensor
        Data variance sigma^2 > 0.
    n_steps : int
        Number of steps, dt = 1/n_steps.
    noise : (n_steps, N) torch.Tensor or None
        ``noise[k]`` is used at step k; ``None`` selects the deterministic
        variant (x <- mean).

    Returns
    -------
    (N,) torch.Tensor
        x at t = 0.

    Notes
    -----
    hw4 problem 1(d)-(e). For k = 0..n_steps-1, t = (n_steps - k)/n_steps:
    x <- mean(x, t) + sqrt(var(t)) noise[k], with (mean, var) from
    :func:`toy_reverse_conditional`. From X_1 ~ N(0, 1) the output variance
    is exactly

    .. math::

        \text{deterministic: } \Bigl(\frac{\sigma^2}{\sigma^2+1}\Bigr)^2, \qquad
        \text{stochastic: } \sigma^2 - \frac{\sigma^6}{(\sigma^2+1)^2},

    for every n_steps: the mean coefficients telescope to
    sigma^2/(sigma^2+1), and the noise added at time t contributes
    sigma^4 (1/(sigma^2+t-dt) - 1/(sigma^2+t)), which telescopes to
    sigma^2 - sigma^4/(sigma^2+1).
    """
    raise NotImplementedError("toy_ddpm_sample: your code here")


def toy_ddim_sample(x1, sigma2, n_steps):
    r"""Deterministic DDIM sampler of the toy.

    [hw4, 12 points]

    Parameters
    ----------
    x1 : (N,) torch.Tensor
        Starting values at t = 1.
    sigma2 : float or 0-dim torch.Tensor
        Data variance sigma^2 > 0.
    n_steps : int
        Number of steps, dt = 1/n_steps.

    Returns
    -------
    (N,) torch.Tensor
        x at t = 0.

    Notes
    -----
    hw4 problem 1(g)-(h). For k = 0..n_steps-1 with t = (n_steps - k)/n_steps
    (so the last step has t - dt = 0 exactly and eta = 1 there):

    .. math::

        x \leftarrow x - \eta(t, \Delta t)\,\frac{\Delta t}{\sigma^2 + t}\,x, \qquad
        \eta(t, \Delta t) = \frac{\sqrt t}{\sqrt{t - \Delta t} + \sqrt t}.

    From X_1 ~ N(0, 1) the output variance is
    prod_k (1 - eta_k dt/(sigma^2 + t_k))^2 exactly; sigma^2/(sigma^2+1) is
    only its dt -> 0 limit.
    """
    raise NotImplementedError("toy_ddim_sample: your code here")


def toy_denoiser_target(x_t, t, sigma2):
    r"""Optimal denoiser E[X_0 | X_t = x_t] of the toy, the regression target of (f).

    [hw4, 6 points]

    Parameters
    ----------
    x_t : (N,) torch.Tensor
        Noisy values X_t.
    t : float or (N,) torch.Tensor
        Time(s) in [0, 1] (one per row in a training batch).
    sigma2 : float or 0-dim torch.Tensor
        Data variance sigma^2 > 0.

    Returns
    -------
    (N,) torch.Tensor
        sigma2/(sigma2 + t) x_t.

    Notes
    -----
    hw4 problem 1(f): Cov(X_0, X_t) = sigma^2 and Var X_t = sigma^2 + t, so
    E[X_0 | X_t] = sigma^2/(sigma^2 + t) X_t; training with the mean
    squared error to this target learns g(x_t, t).
    """
    raise NotImplementedError("toy_denoiser_target: your code here")


def optimal_policy(ref_probs, rewards, beta):
    r"""Optimal policy of KL-regularised reward maximisation.

    [hw4, 10 points]

    Parameters
    ----------
    ref_probs : (N, V) torch.Tensor
        Reference distributions pi_ref(. | x_n), non-negative, each row
        with positive total mass.
    rewards : (N, V) torch.Tensor
        Rewards r(x_n, y).
    beta : float or 0-dim torch.Tensor
        KL weight, > 0.

    Returns
    -------
    (N, V) torch.Tensor
        pi*(y | x_n), each row summing to 1.

    Notes
    -----
    hw4 problem 2(b) (DPO, arXiv:2305.18290, eq. 4): the maximiser of
    E_pi[r] - beta KL(pi || pi_ref) is

    .. math::

        \pi^*(y \mid x) = \frac{\pi_{ref}(y \mid x)\exp(r(x, y)/\beta)}{Z(x)},

    computed as a softmax of log pi_ref + r/beta (stable for large r/beta;
    a zero reference probability stays zero). ``ref_probs`` need not be
    normalised: the normalisation over V absorbs its total.
    """
    raise NotImplementedError("optimal_policy: your code here")


def dpo_loss(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps, reference_rejected_logps, beta):
    r"""DPO loss per preference pair, with the implicit rewards.

    [hw4, 14 points]

    Parameters
    ----------
    policy_chosen_logps : (N,) torch.Tensor
        log pi_theta(y_w | x) of the preferred responses.
    policy_rejected_logps : (N,) torch.Tensor
        log pi_theta(y_l | x) of the dispreferred responses.
    reference_chosen_logps : (N,) torch.Tensor
        log pi_ref(y_w | x).
    reference_rejected_logps : (N,) torch.Tensor
        log pi_ref(y_l | x).
    beta : float or 0-dim torch.Tensor
        KL weight, > 0.

    Returns
    -------
    losses : (N,) torch.Tensor
        -log sigmoid(chosen_rewards - rejected_rewards), differentiable.
    chosen_rewards : (N,) torch.Tensor
        beta (policy_chosen_logps - reference_chosen_logps), detached.
    rejected_rewards : (N,) torch.Tensor
        beta (policy_rejected_logps - reference_rejected_logps), detached.

    Notes
    -----
    hw4 problem 2(e)-(f) (DPO, arXiv:2305.18290, eq. 7):

    .. math::

        \mathcal L_{DPO} = -\log\sigma\Bigl(
        \beta\log\frac{\pi_\theta(y_w|x)}{\pi_{ref}(y_w|x)}
        - \beta\log\frac{\pi_\theta(y_l|x)}{\pi_{ref}(y_l|x)}\Bigr),

    evaluated with ``logsigmoid`` (no overflow for large margins). The
    rewards are detached as in the authors' ``trainers.py``: they are for
    logging, and the gradient flows through ``losses`` only.
    """
    raise NotImplementedError("dpo_loss: your code here")


def dpo_grad_weight(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps, reference_rejected_logps, beta):
    r"""Per-pair weight of the DPO gradient.

    [hw4, 10 points]

    Parameters
    ----------
    policy_chosen_logps : (N,) torch.Tensor
        log pi_theta(y_w | x).
    policy_rejected_logps : (N,) torch.Tensor
        log pi_theta(y_l | x).
    reference_chosen_logps : (N,) torch.Tensor
        log pi_ref(y_w | x).
    reference_rejected_logps : (N,) torch.Tensor
        log pi_ref(y_l | x).
    beta : float or 0-dim torch.Tensor
        KL weight, > 0.

    Returns
    -------
    (N,) torch.Tensor
        sigmoid(rejected_rewards - chosen_rewards), in (0, 1).

    Notes
    -----
    hw4 problem 2(f) (DPO, arXiv:2305.18290, section 4):

    .. math::

        \nabla_\theta \mathcal L_{DPO} = -\beta\,\sigma(\hat r_l - \hat r_w)
        \bigl(\nabla_\theta\log\pi_\theta(y_w|x) - \nabla_\theta\log\pi_\theta(y_l|x)\bigr),

    so the weight sigma(r_hat_l - r_hat_w) is the probability the implicit
    reward model gives to the wrong order: pairs it gets wrong count more.
    """
    raise NotImplementedError("dpo_grad_weight: your code here")


def bradley_terry_prob(reward_chosen, reward_rejected):
    r"""Bradley-Terry probability that the chosen response is preferred.

    [hw4, 6 points]

    Parameters
    ----------
    reward_chosen : (N,) torch.Tensor
        r(x, y_w).
    reward_rejected : (N,) torch.Tensor
        r(x, y_l).

    Returns
    -------
    (N,) torch.Tensor
        sigmoid(reward_chosen - reward_rejected).

    Notes
    -----
    hw4 problem 2(e) (DPO, arXiv:2305.18290, eq. 1):

    .. math::

        p(y_w \succ y_l \mid x) = \frac{e^{r(x,y_w)}}{e^{r(x,y_w)} + e^{r(x,y_l)}}
        = \sigma\bigl(r(x,y_w) - r(x,y_l)\bigr).
    """
    raise NotImplementedError("bradley_terry_prob: your code here")


def plackett_luce_logprob(policy_logps, reference_logps, beta):
    r"""Plackett-Luce log-probability of a ranking under the implicit rewards.

    [hw4, 14 points]

    Parameters
    ----------
    policy_logps : (N, K) torch.Tensor
        log pi_theta of the K responses, in ranked order (best first).
    reference_logps : (N, K) torch.Tensor
        log pi_ref of the same responses, same order.
    beta : float or 0-dim torch.Tensor
        KL weight, > 0.

    Returns
    -------
    (N,) torch.Tensor
        log p(tau | y_1..y_K, x) = sum_k [r_k - logsumexp_{j >= k} r_j].

    Notes
    -----
    hw4 problem 2(g) (Plackett 1975, Luce 1959; DPO, arXiv:2305.18290,
    eq. 18 and appendix A.3): with r_k = beta log(pi_theta/pi_ref)(y_tau(k)),

    .. math::

        \log p(\tau) = \sum_{k=1}^{K}\Bigl(r_k - \log\sum_{j=k}^{K} e^{r_j}\Bigr);

    beta log Z(x) cancels from numerator and denominator. The tail sums are
    a reversed ``logcumsumexp``. For K = 2 this is log sigmoid(r_1 - r_2),
    the Bradley-Terry model.
    """
    raise NotImplementedError("plackett_luce_logprob: your code here")
