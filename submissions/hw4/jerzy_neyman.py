# HW4 - Jerzy Neyman
# Gaussian toy diffusion + DPO

import math
import torch


def toy_marginal_var(sigma2, t):
    return t + sigma2


def toy_reverse_conditional(x_t, t, dt, sigma2):
    # joint Gaussian (X_{t-dt}, X_t): cov = sigma2 + t - dt, var X_t = sigma2 + t
    a = (sigma2 + t - dt) / (sigma2 + t)
    return a * x_t, a * dt


def toy_ddpm_sample(x1, sigma2, n_steps, noise=None):
    dt = 1.0 / n_steps
    x = x1.clone()
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        m, v = toy_reverse_conditional(x, t, dt, sigma2)
        x = m if noise is None else m + math.sqrt(v) * noise[k]
    return x


def toy_ddim_sample(x1, sigma2, n_steps):
    # part (g): for dt << t, eta(t, dt) = sqrt(t)/(sqrt(t-dt)+sqrt(t)) ~ 1/2,
    # so DDIM takes half of the deterministic DDPM step
    dt = 1.0 / n_steps
    x = x1.clone()
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        x = x - 0.5 * dt / (sigma2 + t) * x
    return x


def toy_denoiser_target(x_t, t, sigma2):
    return x_t * sigma2 / (sigma2 + t)


def optimal_policy(ref_probs, rewards, beta):
    unnorm = ref_probs * torch.exp((rewards - rewards.max(dim=1, keepdim=True).values) / beta)
    return unnorm / unnorm.sum(dim=1, keepdim=True)


def dpo_loss(policy_chosen_logps, policy_rejected_logps,
             reference_chosen_logps, reference_rejected_logps, beta):
    chosen_rewards = beta * (policy_chosen_logps - reference_chosen_logps)
    rejected_rewards = beta * (policy_rejected_logps - reference_rejected_logps)
    losses = -torch.nn.functional.logsigmoid(chosen_rewards - rejected_rewards)
    return losses, chosen_rewards, rejected_rewards


def dpo_grad_weight(policy_chosen_logps, policy_rejected_logps,
                    reference_chosen_logps, reference_rejected_logps, beta):
    _, rw, rl = dpo_loss(policy_chosen_logps, policy_rejected_logps,
                         reference_chosen_logps, reference_rejected_logps, beta)
    return torch.sigmoid(rl - rw)


def bradley_terry_prob(reward_chosen, reward_rejected):
    return 1.0 / (1.0 + torch.exp(reward_rejected - reward_chosen))


def plackett_luce_logprob(policy_logps, reference_logps, beta):
    r = beta * (policy_logps - reference_logps)
    K = r.shape[1]
    out = torch.zeros(r.shape[0], dtype=r.dtype)
    for k in range(K):
        out = out + r[:, k] - torch.logsumexp(r[:, k:], dim=1)
    return out
