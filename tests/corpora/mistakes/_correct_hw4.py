"""Correct hw4 solutions, used as a control for the mistakes corpus.

mistake: none
source: 003_4ea08618c667dec6.txt, problems 1-2
"""
import torch
import torch.nn.functional as F


def toy_marginal_var(sigma2, t):
    return sigma2 + t


def toy_reverse_conditional(x_t, t, dt, sigma2):
    mean = (sigma2 + t - dt) / (sigma2 + t) * x_t
    var = (sigma2 + t - dt) * dt / (sigma2 + t)
    return mean, var


def toy_ddpm_sample(x1, sigma2, n_steps, noise):
    dt = 1.0 / n_steps
    x = x1
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        mean, var = toy_reverse_conditional(x, t, dt, sigma2)
        if noise is None:
            x = mean
        else:
            x = mean + var ** 0.5 * noise[k]
    return x


def toy_ddim_sample(x1, sigma2, n_steps):
    dt = 1.0 / n_steps
    x = x1
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        eta = t ** 0.5 / ((t - dt) ** 0.5 + t ** 0.5)
        x = x - eta * dt / (sigma2 + t) * x
    return x


def toy_denoiser_target(x_t, t, sigma2):
    return sigma2 / (sigma2 + t) * x_t


def optimal_policy(ref_probs, rewards, beta):
    logits = torch.log(ref_probs) + rewards / beta
    return torch.softmax(logits, dim=-1)


def dpo_loss(policy_chosen_logps, policy_rejected_logps,
             reference_chosen_logps, reference_rejected_logps, beta):
    chosen = beta * (policy_chosen_logps - reference_chosen_logps)
    rejected = beta * (policy_rejected_logps - reference_rejected_logps)
    losses = -F.logsigmoid(chosen - rejected)
    return losses, chosen.detach(), rejected.detach()


def dpo_grad_weight(policy_chosen_logps, policy_rejected_logps,
                    reference_chosen_logps, reference_rejected_logps, beta):
    chosen = beta * (policy_chosen_logps - reference_chosen_logps)
    rejected = beta * (policy_rejected_logps - reference_rejected_logps)
    return torch.sigmoid(rejected - chosen)


def bradley_terry_prob(reward_chosen, reward_rejected):
    return torch.sigmoid(reward_chosen - reward_rejected)


def plackett_luce_logprob(policy_logps, reference_logps, beta):
    r = beta * (policy_logps - reference_logps)
    # logsumexp over the suffix j >= k: reverse cumulative logsumexp
    suffix = torch.logcumsumexp(r.flip(-1), dim=-1).flip(-1)
    return (r - suffix).sum(-1)
