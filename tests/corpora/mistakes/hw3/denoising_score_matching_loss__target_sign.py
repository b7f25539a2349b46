"""Uses s - noise/sigma instead of s + noise/sigma (the score of q_sigma(x~ | x) is -noise/sigma).

mistake: denoising_score_matching_loss: target_sign
source: 002_6fbc3b61ee2b9e4d.txt, problem 4
"""
import torch


def denoising_score_matching_loss(score_model, x, sigma, noise):
    x_tilde = x + sigma * noise
    resid = score_model(x_tilde) - noise / sigma
    return 0.5 * torch.mean(torch.sum(resid ** 2, dim=-1))
