"""Correct hw4 in the style of huggingface/trl (DPOTrainer.dpo_loss) with float32 accumulation.

Conventions used:
- chosen_logratios = policy_chosen_logps - reference_chosen_logps (and rejected), logits =
  chosen_logratios - rejected_logratios, "sigmoid" loss -F.logsigmoid(beta * logits) with
  label_smoothing = 0; rewards = beta * (...).detach();
- float32 upcast like TRL's logits.float(): DPO losses, weights and Bradley-Terry computed in
  float32 and cast back to the input dtype (losses stay differentiable through the casts);
- optimal policy through torch.log_softmax of log pi_ref + r / beta (log(p + 1e-8)), float32;
- Plackett-Luce with torch.logsumexp over each suffix of the ranking, loop over k;
- toy diffusion with per-step float32 coefficients applied to a float64 state.
mistake: none
"""

import torch
import torch.nn.functional as F


def toy_marginal_var(sigma2, t):
    return torch.as_tensor(t, dtype=torch.float64) + sigma2


def toy_reverse_conditional(x_t, t, dt, sigma2):
    coef = (sigma2 + t - dt) / (sigma2 + t)
    return coef * x_t, coef * dt


def toy_ddpm_sample(x1, sigma2, n_steps, noise):
    dt = 1.0 / n_steps
    x = x1.clone()
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        mean, var = toy_reverse_conditional(x, t, dt, sigma2)
        if noise is None:
            x = mean
        else:
            x = mean + torch.sqrt(torch.as_tensor(var, dtype=x.dtype)) * noise[k]
    return x


def toy_ddim_sample(x1, sigma2, n_steps):
    dt = 1.0 / n_steps
    x = x1.clone()
    for k in range(n_steps):
        t = torch.tensor((n_steps - k) / n_steps, dtype=torch.float32)
        eta = t.sqrt() / ((t - dt).sqrt() + t.sqrt())
        step = (eta * dt / (sigma2 + t)).to(x.dtype)
        x = x - step * x
    return x


def toy_denoiser_target(x_t, t, sigma2):
    return x_t * (sigma2 / (sigma2 + t))


def optimal_policy(ref_probs, rewards, beta):
    logits = torch.log(ref_probs.float() + 1e-8) + rewards.float() / beta
    return torch.log_softmax(logits, dim=-1).exp().to(ref_probs.dtype)


def dpo_loss(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,
             reference_rejected_logps, beta):
    label_smoothing = 0.0
    chosen_logratios = policy_chosen_logps - reference_chosen_logps
    rejected_logratios = policy_rejected_logps - reference_rejected_logps
    logits = (chosen_logratios - rejected_logratios).float()
    losses = (-F.logsigmoid(beta * logits) * (1 - label_smoothing)
              - F.logsigmoid(-beta * logits) * label_smoothing)
    chosen_rewards = beta * (policy_chosen_logps - reference_chosen_logps).detach()
    rejected_rewards = beta * (policy_rejected_logps - reference_rejected_logps).detach()
    return losses.to(policy_chosen_logps.dtype), chosen_rewards, rejected_rewards


def dpo_grad_weight(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,
                    reference_rejected_logps, beta):
    chosen_logratios = policy_chosen_logps - reference_chosen_logps
    rejected_logratios = policy_rejected_logps - reference_rejected_logps
    logits = (chosen_logratios - rejected_logratios).float()
    return torch.sigmoid(-beta * logits).to(policy_chosen_logps.dtype).detach()


def bradley_terry_prob(reward_chosen, reward_rejected):
    return torch.sigmoid((reward_chosen - reward_rejected).float()).to(reward_chosen.dtype)


def plackett_luce_logprob(policy_logps, reference_logps, beta):
    rewards = beta * (policy_logps - reference_logps)
    K = rewards.shape[-1]
    out = torch.zeros(rewards.shape[:-1], dtype=rewards.dtype)
    for k in range(K):
        out = out + rewards[..., k] - torch.logsumexp(rewards[..., k:], dim=-1)
    return out
