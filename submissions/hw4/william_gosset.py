"""William Sealy Gosset -- HW4 (toy diffusion, DPO)."""
import math

import torch


def toy_marginal_var(sigma2, t):
    return torch.as_tensor(t, dtype=torch.float64) + sigma2


def toy_reverse_conditional(x_t, t, dt, sigma2):
    c = (sigma2 + t - dt) / (sigma2 + t)
    mean = c * x_t
    var = c * dt
    return mean, var


def toy_ddpm_sample(x1, sigma2, n_steps, noise=None):
    x = x1.clone()
    dt = 1.0 / n_steps
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        mean, var = toy_reverse_conditional(x, t, dt, sigma2)
        if noise is None:
            x = mean
        else:
            x = mean + math.sqrt(var) * noise[k]
    return x


def toy_ddim_sample(x1, sigma2, n_steps):
    x = x1.clone()
    dt = 1.0 / n_steps
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        eta = math.sqrt(t) / (math.sqrt(t - dt) + math.sqrt(t))
        x = x - eta * dt * x / (sigma2 + t)
    return x


def toy_denoiser_target(x_t, t, sigma2):
    return sigma2 / (sigma2 + t) * x_t


def optimal_policy(ref_probs, rewards, beta):
    # pi*(y|x) = pi_ref(y|x) exp(r/beta) / Z(x)
    unnormalised = ref_probs * torch.exp(rewards / beta)
    Z = unnormalised.sum(dim=0, keepdim=True)
    return unnormalised / Z


def dpo_loss(policy_chosen_logps, policy_rejected_logps,
             reference_chosen_logps, reference_rejected_logps, beta):
    chosen_rewards = beta * (policy_chosen_logps - reference_chosen_logps)
    rejected_rewards = beta * (policy_rejected_logps - reference_rejected_logps)
    losses = -torch.log(torch.sigmoid(chosen_rewards - rejected_rewards))
    return losses, chosen_rewards, rejected_rewards


def dpo_grad_weight(policy_chosen_logps, policy_rejected_logps,
                    reference_chosen_logps, reference_rejected_logps, beta):
    chosen_rewards = beta * (policy_chosen_logps - reference_chosen_logps)
    rejected_rewards = beta * (policy_rejected_logps - reference_rejected_logps)
    return torch.sigmoid(rejected_rewards - chosen_rewards)


def bradley_terry_prob(reward_chosen, reward_rejected):
    return torch.sigmoid(reward_chosen - reward_rejected)


def plackett_luce_logprob(policy_logps, reference_logps, beta):
    r = beta * (policy_logps - reference_logps)
    total = torch.zeros_like(r[:, 0])
    for k in range(r.shape[1]):
        total = total + (r[:, k] - torch.logsumexp(r[:, k:], dim=1))
    return total
