"""Homework 4 -- Gaussian toy diffusion and DPO.

David Blackwell

Toy model: X_0 ~ N(0, sigma2) and X_t = X_0 + N(0, t), t in [0, 1].
Everything is batched torch; nothing is modified in place.
"""
import math

import torch
import torch.nn.functional as F


# ---------------------------------------------------------------------------
# Problem 1: DDPM / DDIM on a one-dimensional Gaussian
# ---------------------------------------------------------------------------

def toy_marginal_var(sigma2, t):
    """Var X_t = sigma2 + t (X_0 and the added noise are independent)."""
    return sigma2 + torch.as_tensor(t, dtype=torch.float64)


def toy_reverse_conditional(x_t, t, dt, sigma2):
    """Law of X_{t-dt} given X_t = x_t (Gaussian conditioning).

    Cov(X_{t-dt}, X_t) = sigma2 + t - dt, so the regression coefficient is
    (sigma2 + t - dt)/(sigma2 + t) and the residual variance is
    (sigma2 + t - dt) - (sigma2 + t - dt)^2/(sigma2 + t) = (sigma2 + t - dt) dt/(sigma2 + t).
    """
    ratio = (sigma2 + t - dt) / (sigma2 + t)
    mean = ratio * x_t
    var = ratio * dt
    return mean, var


def toy_ddpm_sample(x1, sigma2, n_steps, noise=None):
    """Ancestral sampling from t = 1 down to t = 0 with n_steps steps.

    noise: [n_steps, N] standard normals, or None for the mean-only sampler.
    """
    n_steps = int(n_steps)
    dt = 1.0 / n_steps
    x = x1
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        mean, var = toy_reverse_conditional(x, t, dt, sigma2)
        if noise is None:
            x = mean
        else:
            x = mean + math.sqrt(var) * noise[k]
    return x


def toy_ddim_sample(x1, sigma2, n_steps):
    """Deterministic DDIM sampler of part (g), with the exact eta(t, dt)."""
    n_steps = int(n_steps)
    dt = 1.0 / n_steps
    x = x1
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        eta = math.sqrt(t) / (math.sqrt(t - dt) + math.sqrt(t))
        x = x - eta * dt / (sigma2 + t) * x
    return x


def toy_denoiser_target(x_t, t, sigma2):
    """E[X_0 | X_t = x_t] = sigma2/(sigma2 + t) x_t, the regression target of part (f)."""
    return sigma2 / (sigma2 + t) * x_t


# ---------------------------------------------------------------------------
# Problem 2: DPO
# ---------------------------------------------------------------------------

def optimal_policy(ref_probs, rewards, beta):
    """pi*(y|x) = pi_ref(y|x) exp(r(x,y)/beta) / Z(x), Z summed over the vocabulary."""
    logits = torch.log(ref_probs) + rewards / beta
    return torch.softmax(logits, dim=-1)


def dpo_loss(policy_chosen_logps, policy_rejected_logps,
             reference_chosen_logps, reference_rejected_logps, beta):
    chosen_rewards = beta * (policy_chosen_logps - reference_chosen_logps)
    rejected_rewards = beta * (policy_rejected_logps - reference_rejected_logps)
    losses = -F.logsigmoid(chosen_rewards - rejected_rewards)
    return losses, chosen_rewards.detach(), rejected_rewards.detach()


def dpo_grad_weight(policy_chosen_logps, policy_rejected_logps,
                    reference_chosen_logps, reference_rejected_logps, beta):
    """sigma(r_hat(y_l) - r_hat(y_w)): large when the implicit reward ranks the pair wrongly."""
    chosen = beta * (policy_chosen_logps - reference_chosen_logps)
    rejected = beta * (policy_rejected_logps - reference_rejected_logps)
    return torch.sigmoid(rejected - chosen)


def bradley_terry_prob(reward_chosen, reward_rejected):
    return torch.sigmoid(reward_chosen - reward_rejected)


def plackett_luce_logprob(policy_logps, reference_logps, beta):
    """log P(ranking) under Plackett-Luce with the implicit rewards; columns ranked best first."""
    r = beta * (policy_logps - reference_logps)
    # tail[k] = logsumexp_{j >= k} r_j : a reversed cumulative logsumexp
    tail = torch.logcumsumexp(r.flip(-1), dim=-1).flip(-1)
    return (r - tail).sum(dim=-1)
