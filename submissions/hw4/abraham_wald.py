"""HW4: toy diffusion and direct preference optimisation.
Abraham Wald
"""
import torch
import torch.nn.functional as F


def toy_marginal_var(sigma2, t):
    return sigma2 + t


def toy_reverse_conditional(x_t, t, dt, sigma2):
    """X_{t-dt} | X_t = x_t.

    mean = (sigma2 + t - dt)/(sigma2 + t) x_t.  For the variance I use part (c):
    (sigma2 + t - dt) dt/(sigma2 + t) ~ dt since sigma2 + t - dt ~ sigma2 + t.
    """
    mean = (sigma2 + t - dt) / (sigma2 + t) * x_t
    var = dt
    return mean, var


def toy_ddpm_sample(x1, sigma2, n_steps, noise=None):
    dt = 1.0 / n_steps
    x = x1
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        mean, var = toy_reverse_conditional(x, t, dt, sigma2)
        if noise is not None:
            x = mean + var ** 0.5 * noise[k]
        else:
            x = mean
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
    return F.softmax(ref_probs.log() + rewards / beta, dim=1)


def _implicit_rewards(pc, pr, rc, rr, beta):
    return beta * (pc - rc), beta * (pr - rr)


def dpo_loss(policy_chosen_logps, policy_rejected_logps,
             reference_chosen_logps, reference_rejected_logps, beta):
    cr, rr = _implicit_rewards(policy_chosen_logps, policy_rejected_logps,
                               reference_chosen_logps, reference_rejected_logps, beta)
    losses = -F.logsigmoid(cr - rr)
    return losses, cr.detach(), rr.detach()


def dpo_grad_weight(policy_chosen_logps, policy_rejected_logps,
                    reference_chosen_logps, reference_rejected_logps, beta):
    cr, rr = _implicit_rewards(policy_chosen_logps, policy_rejected_logps,
                               reference_chosen_logps, reference_rejected_logps, beta)
    return torch.sigmoid(rr - cr)


def bradley_terry_prob(reward_chosen, reward_rejected):
    return torch.sigmoid(reward_chosen - reward_rejected)


def plackett_luce_logprob(policy_logps, reference_logps, beta):
    r = beta * (policy_logps - reference_logps)
    K = r.shape[-1]
    denoms = torch.stack([torch.logsumexp(r[:, k:], dim=-1) for k in range(K)], dim=-1)
    return (r - denoms).sum(-1)
