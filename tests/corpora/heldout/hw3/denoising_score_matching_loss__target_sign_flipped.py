"""Uses s(x + sigma noise) - noise/sigma, forgetting that the target score -noise/sigma carries a minus sign.

mistake: denoising_score_matching_loss: target_sign_flipped
source: 002_6fbc3b61ee2b9e4d.txt, problem 4
"""
import torch


def denoising_score_matching_loss(score_model, x, sigma, noise):
    x_tilde = x + sigma * noise
    s = score_model(x_tilde)
    resid = s - noise / sigma
    return 0.5 * (resid ** 2).sum(dim=-1).mean()
