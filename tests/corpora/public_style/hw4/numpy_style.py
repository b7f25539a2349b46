"""Correct hw4 in the style of numpy-only reference code.

Conventions used:
- numpy only (np.asarray inputs, numpy outputs) everywhere except dpo_loss, whose losses
  must stay differentiable in torch (computed with torch ops on the given tensors);
- logsumexp written by hand: log(sum(exp(r - max)) + 1e-10) + max (Plackett-Luce);
- softmax with max subtraction and a log(p + 1e-8) for the reference policy;
- sigmoid as 1 / (1 + exp(-x)) (inputs of moderate size) and log-sigmoid via np.logaddexp;
- toy samplers as numpy loops with t = (n_steps - k) / n_steps.
mistake: none
"""

import numpy as np
import torch
import torch.nn.functional as F


def _np(a):
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().numpy()
    return np.asarray(a, dtype=np.float64)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def toy_marginal_var(sigma2, t):
    return _np(sigma2) + _np(t)


def toy_reverse_conditional(x_t, t, dt, sigma2):
    x_t, t, sigma2 = _np(x_t), _np(t), _np(sigma2)
    ratio = (sigma2 + t - dt) / (sigma2 + t)
    return ratio * x_t, ratio * dt


def toy_ddpm_sample(x1, sigma2, n_steps, noise):
    x = _np(x1).copy()
    z = None if noise is None else _np(noise)
    dt = 1.0 / n_steps
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        mean, var = toy_reverse_conditional(x, t, dt, sigma2)
        x = mean if z is None else mean + np.sqrt(var) * z[k]
    return x


def toy_ddim_sample(x1, sigma2, n_steps):
    x = _np(x1).copy()
    s2 = _np(sigma2)
    dt = 1.0 / n_steps
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        eta = np.sqrt(t) / (np.sqrt(t - dt) + np.sqrt(t))
        x = x * (1.0 - eta * dt / (s2 + t))
    return x


def toy_denoiser_target(x_t, t, sigma2):
    s2 = _np(sigma2)
    return s2 / (s2 + _np(t)) * _np(x_t)


def optimal_policy(ref_probs, rewards, beta):
    logits = np.log(_np(ref_probs) + 1e-8) + _np(rewards) / beta
    logits = logits - logits.max(axis=-1, keepdims=True)
    w = np.exp(logits)
    return w / w.sum(axis=-1, keepdims=True)


def dpo_loss(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,
             reference_rejected_logps, beta):
    # torch here: the grader differentiates the losses
    chosen_rewards = beta * (policy_chosen_logps - reference_chosen_logps)
    rejected_rewards = beta * (policy_rejected_logps - reference_rejected_logps)
    losses = -F.logsigmoid(chosen_rewards - rejected_rewards)
    return losses, _np(chosen_rewards), _np(rejected_rewards)


def dpo_grad_weight(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,
                    reference_rejected_logps, beta):
    chosen = beta * (_np(policy_chosen_logps) - _np(reference_chosen_logps))
    rejected = beta * (_np(policy_rejected_logps) - _np(reference_rejected_logps))
    return _sigmoid(rejected - chosen)


def bradley_terry_prob(reward_chosen, reward_rejected):
    diff = _np(reward_chosen) - _np(reward_rejected)
    return np.exp(-np.logaddexp(0.0, -diff))


def _logsumexp(r, axis=-1):
    m = r.max(axis=axis, keepdims=True)
    return (np.log(np.sum(np.exp(r - m), axis=axis, keepdims=True) + 1e-10) + m).squeeze(axis)


def plackett_luce_logprob(policy_logps, reference_logps, beta):
    r = beta * (_np(policy_logps) - _np(reference_logps))
    K = r.shape[-1]
    total = np.zeros(r.shape[:-1])
    for k in range(K):
        total += r[..., k] - _logsumexp(r[..., k:])
    return total
