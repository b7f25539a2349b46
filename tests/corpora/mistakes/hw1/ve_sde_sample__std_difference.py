"""Uses the difference of standard deviations sigma_{k+1} - sigma_k as the step's std instead of sqrt(sigma2[k+1] - sigma2[k]).

mistake: ve_sde_sample: std_difference
source: 001_d4f722768cb25930.txt, problem 6
"""
import torch


def ve_sde_sample(x0, sigma2, noise):
    sig = torch.sqrt(sigma2)
    steps = (sig[1:] - sig[:-1])[:, None] * noise
    return x0 + steps.sum(dim=0)
