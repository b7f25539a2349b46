"""Homework 4 -- Karl Pearson."""
import math

import torch
from torch.nn.functional import logsigmoid


def toy_marginal_var(sigma2, t):
    return sigma2 + t


def toy_reverse_conditional(x_t, t, dt, sigma2):
    shrink = 1.0 - dt / (sigma2 + t)          # = (sigma2 + t - dt)/(sigma2 + t)
    return shrink * x_t, shrink * dt


def toy_ddpm_sample(x1, sigma2, n_steps, noise=None):
    dt = 1.0 / n_steps
    x = x1
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        mean, var = toy_reverse_conditional(x, t, dt, sigma2)
        x = mean + (0.0 if noise is None else math.sqrt(var) * noise[k])
    return x


def toy_ddim_sample(x1, sigma2, n_steps):
    dt = 1.0 / n_steps
    x = x1
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        eta = math.sqrt(t) / (math.sqrt(t - dt) + math.sqrt(t))
        x = x * (1.0 - eta * dt / (sigma2 + t))
    return x


def toy_denoiser_target(x_t, t, sigma2):
    return sigma2 / (sigma2 + t) * x_t


def optimal_policy(ref_probs, rewards, beta):
    return torch.softmax(torch.log(ref_probs) + rewards / beta, dim=-1)


def dpo_loss(policy_chosen_logps, policy_rejected_logps,
             reference_chosen_logps, reference_rejected_logps, beta):
    pi_logratios = policy_chosen_logps - policy_rejected_logps
    ref_logratios = reference_chosen_logps - reference_rejected_logps
    losses = -logsigmoid(beta * (pi_logratios - ref_logratios))
    chosen_rewards = beta * (policy_chosen_logps - reference_chosen_logps).detach()
    rejected_rewards = beta * (policy_rejected_logps - reference_rejected_logps).detach()
    return losses, chosen_rewards, rejected_rewards


def dpo_grad_weight(policy_chosen_logps, policy_rejected_logps,
                    reference_chosen_logps, reference_rejected_logps, beta):
    # weight of the gradient = how much the implicit reward model prefers y_w
    chosen_rewards = beta * (policy_chosen_logps - reference_chosen_logps)
    rejected_rewards = beta * (policy_rejected_logps - reference_rejected_logps)
    return torch.sigmoid(chosen_rewards - rejected_rewards)


def bradley_terry_prob(reward_chosen, reward_rejected):
    return torch.sigmoid(reward_chosen - reward_rejected)


def plackett_luce_logprob(policy_logps, reference_logps, beta):
    r = beta * (policy_logps - reference_logps)
    logp = torch.zeros(r.shape[0], dtype=r.dtype)
    for k in range(r.shape[1]):
        logp += torch.log_softmax(r[:, k:], dim=1)[:, 0]
    return logp
