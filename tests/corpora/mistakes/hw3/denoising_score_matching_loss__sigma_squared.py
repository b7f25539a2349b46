"""Divides the noise by sigma^2 instead of sigma in the target (confusing (x~ - x)/sigma^2 with noise/sigma^2).

mistake: denoising_score_matching_loss: sigma_squared
source: 002_6fbc3b61ee2b9e4d.txt, problem 4
"""
import torch


def denoising_score_matching_loss(score_model, x, sigma, noise):
    s = score_model(x + sigma * noise)
    target = -noise / sigma ** 2
    return ((s - target) ** 2).sum(-1).mean() / 2
