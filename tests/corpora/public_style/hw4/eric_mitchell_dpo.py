"""Correct hw4 in the style of eric-mitchell/direct-preference-optimization (trainers.py).

Conventions used:
- preference_loss as in trainers.py: pi_logratios - ref_logratios, losses = -F.logsigmoid(beta * logits),
  chosen/rejected rewards = beta * (policy - reference).detach();
- the DPO gradient weight from the same logits, torch.sigmoid(-beta * logits);
- Plackett-Luce with torch.logcumsumexp over the reversed ranking (suffix logsumexp);
- optimal policy as a softmax of log pi_ref + r / beta, with eps 1e-8 in the log (torch.log(x + 1e-8));
- toy Gaussian diffusion in plain torch float64.
mistake: none
"""

import math

import torch
import torch.nn.functional as F


# -- problem 1: the Gaussian toy ---------------------------------------------------------------------
def toy_marginal_var(sigma2, t):
    return sigma2 + torch.as_tensor(t, dtype=torch.float64)


def toy_reverse_conditional(x_t, t, dt, sigma2):
    v_t = sigma2 + t
    v_prev = sigma2 + t - dt
    return v_prev / v_t * x_t, v_prev * dt / v_t


def toy_ddpm_sample(x1, sigma2, n_steps, noise):
    x = x1
    dt = 1.0 / n_steps
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        mean, var = toy_reverse_conditional(x, t, dt, sigma2)
        x = mean if noise is None else mean + math.sqrt(var) * noise[k]
    return x


def toy_ddim_sample(x1, sigma2, n_steps):
    x = x1
    dt = 1.0 / n_steps
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        eta = math.sqrt(t) / (math.sqrt(t - dt) + math.sqrt(t))
        x = x - eta * dt / (sigma2 + t) * x
    return x


def toy_denoiser_target(x_t, t, sigma2):
    return sigma2 / (sigma2 + t) * x_t


# -- problem 2: DPO --------------------------------------------------------------------------------
def optimal_policy(ref_probs, rewards, beta):
    logits = torch.log(ref_probs + 1e-8) + rewards / beta
    return torch.softmax(logits, dim=-1)


def preference_loss(policy_chosen_logps, policy_rejected_logps,
                    reference_chosen_logps, reference_rejected_logps, beta):
    pi_logratios = policy_chosen_logps - policy_rejected_logps
    ref_logratios = reference_chosen_logps - reference_rejected_logps
    logits = pi_logratios - ref_logratios
    losses = -F.logsigmoid(beta * logits)
    chosen_rewards = beta * (policy_chosen_logps - reference_chosen_logps).detach()
    rejected_rewards = beta * (policy_rejected_logps - reference_rejected_logps).detach()
    return losses, chosen_rewards, rejected_rewards


def dpo_loss(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,
             reference_rejected_logps, beta):
    return preference_loss(policy_chosen_logps, policy_rejected_logps,
                           reference_chosen_logps, reference_rejected_logps, beta)


def dpo_grad_weight(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,
                    reference_rejected_logps, beta):
    pi_logratios = policy_chosen_logps - policy_rejected_logps
    ref_logratios = reference_chosen_logps - reference_rejected_logps
    logits = pi_logratios - ref_logratios
    return torch.sigmoid(-beta * logits).detach()


def bradley_terry_prob(reward_chosen, reward_rejected):
    return torch.sigmoid(reward_chosen - reward_rejected)


def plackett_luce_logprob(policy_logps, reference_logps, beta):
    rewards = beta * (policy_logps - reference_logps)            # [N, K], best first
    suffix_lse = torch.logcumsumexp(rewards.flip(-1), dim=-1).flip(-1)
    return (rewards - suffix_lse).sum(dim=-1)
