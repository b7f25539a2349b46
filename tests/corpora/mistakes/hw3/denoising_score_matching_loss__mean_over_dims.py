"""Averages the squared error over the d coordinates too, instead of summing over them.

mistake: denoising_score_matching_loss: mean_over_dims
source: 002_6fbc3b61ee2b9e4d.txt, problem 4
"""
import torch


def denoising_score_matching_loss(score_model, x, sigma, noise):
    s = score_model(x + sigma * noise)
    return 0.5 * torch.mean((s + noise / sigma) ** 2)
