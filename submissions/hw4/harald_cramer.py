# Harald Cramér -- homework 4
import math

import torch
import torch.nn.functional as F


def toy_marginal_var(sigma2, t):
    # X_t = X_0 + sqrt(t) Z
    return sigma2 + t


def toy_reverse_conditional(x_t, t, dt, sigma2):
    v_t = sigma2 + t
    v_prev = sigma2 + t - dt
    mean = v_prev / v_t * x_t
    var = v_prev * dt / v_t
    return mean, var


def toy_ddpm_sample(x1, sigma2, n_steps, noise=None):
    dt = 1 / n_steps
    x = x1.clone()
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        mean, var = toy_reverse_conditional(x, t, dt, sigma2)
        x = mean
        if noise is not None:
            x = x + math.sqrt(var) * noise[k]
    return x


def toy_ddim_sample(x1, sigma2, n_steps):
    dt = 1 / n_steps
    x = x1.clone()
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        eta = math.sqrt(t) / (math.sqrt(t - dt) + math.sqrt(t))
        x = (1 - eta * dt / (sigma2 + t)) * x
    return x


def toy_denoiser_target(x_t, t, sigma2):
    return sigma2 * x_t / (sigma2 + t)


def optimal_policy(ref_probs, rewards, beta):
    w = torch.log(ref_probs) + rewards / beta
    return torch.exp(w - torch.logsumexp(w, dim=-1, keepdim=True))


def dpo_loss(policy_chosen_logps, policy_rejected_logps,
             reference_chosen_logps, reference_rejected_logps, beta):
    chosen_rewards = beta * (policy_chosen_logps - reference_chosen_logps)
    rejected_rewards = beta * (policy_rejected_logps - reference_rejected_logps)
    logits = chosen_rewards - rejected_rewards
    losses = -F.logsigmoid(logits)
    return losses, chosen_rewards, rejected_rewards


def dpo_grad_weight(policy_chosen_logps, policy_rejected_logps,
                    reference_chosen_logps, reference_rejected_logps, beta):
    chosen_rewards = beta * (policy_chosen_logps - reference_chosen_logps)
    rejected_rewards = beta * (policy_rejected_logps - reference_rejected_logps)
    return torch.sigmoid(-(chosen_rewards - rejected_rewards))


def bradley_terry_prob(reward_chosen, reward_rejected):
    return torch.sigmoid(reward_chosen - reward_rejected)


def plackett_luce_logprob(policy_logps, reference_logps, beta):
    # log p(tau) = sum_k [ r_k - log sum_j exp(r_j) ]
    r = beta * (policy_logps - reference_logps)
    log_z = torch.logsumexp(r, dim=-1, keepdim=True)
    return (r - log_z).sum(dim=-1)
