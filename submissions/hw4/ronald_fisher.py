# Ronald Fisher, HW 4
# I did the DPO part in numpy because I find it easier to check by hand.
import numpy as np
import torch


def toy_marginal_var(sigma2, t):
    return sigma2 + t


def toy_reverse_conditional(x_t, t, dt, sigma2):
    mean = x_t * (sigma2 + t - dt) / (sigma2 + t)
    var = (sigma2 + t - dt) * dt / (sigma2 + t)
    return mean, var


def toy_ddpm_sample(x1, sigma2, n_steps, noise=None):
    dt = 1.0 / n_steps
    x = x1
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        mean, var = toy_reverse_conditional(x, t, dt, sigma2)
        x = mean if noise is None else mean + var ** 0.5 * noise[k]
    return x


def toy_ddim_sample(x1, sigma2, n_steps):
    dt = 1.0 / n_steps
    x = x1
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        eta = np.sqrt(t) / (np.sqrt(t - dt) + np.sqrt(t))
        x = x - eta * dt / (sigma2 + t) * x
    return x


def toy_denoiser_target(x_t, t, sigma2):
    return sigma2 / (sigma2 + t) * x_t


def optimal_policy(ref_probs, rewards, beta):
    p = ref_probs.numpy()
    r = rewards.numpy() / beta
    w = p * np.exp(r - r.max(axis=-1, keepdims=True))
    return w / w.sum(axis=-1, keepdims=True)


def _np(a):
    return a.detach().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)


def _log_sigmoid(u):
    # log sigma(u) = -log(1 + e^{-u}), written stably
    return -np.logaddexp(0.0, -u)


def dpo_loss(policy_chosen_logps, policy_rejected_logps,
             reference_chosen_logps, reference_rejected_logps, beta):
    chosen_rewards = beta * (_np(policy_chosen_logps) - _np(reference_chosen_logps))
    rejected_rewards = beta * (_np(policy_rejected_logps) - _np(reference_rejected_logps))
    losses = -_log_sigmoid(chosen_rewards - rejected_rewards)
    return torch.from_numpy(losses), torch.from_numpy(chosen_rewards), torch.from_numpy(rejected_rewards)


def dpo_grad_weight(policy_chosen_logps, policy_rejected_logps,
                    reference_chosen_logps, reference_rejected_logps, beta):
    chosen_rewards = beta * (_np(policy_chosen_logps) - _np(reference_chosen_logps))
    rejected_rewards = beta * (_np(policy_rejected_logps) - _np(reference_rejected_logps))
    return 1.0 / (1.0 + np.exp(chosen_rewards - rejected_rewards))


def bradley_terry_prob(reward_chosen, reward_rejected):
    return 1.0 / (1.0 + np.exp(-(_np(reward_chosen) - _np(reward_rejected))))


def plackett_luce_logprob(policy_logps, reference_logps, beta):
    r = beta * (_np(policy_logps) - _np(reference_logps))
    # reversed running log-sum-exp: tail[:, k] = log sum_{j>=k} exp r_j
    tail = np.logaddexp.accumulate(r[:, ::-1], axis=1)[:, ::-1]
    return (r - tail).sum(axis=1)
