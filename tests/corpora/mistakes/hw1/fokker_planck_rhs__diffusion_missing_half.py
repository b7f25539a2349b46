"""Uses rho^2 d^2p/dx^2 for the diffusion term, forgetting the factor 1/2.

mistake: fokker_planck_rhs: diffusion_missing_half
source: 001_d4f722768cb25930.txt, problem 5
"""
import torch


def fokker_planck_rhs(p, x, f, rho):
    h = x[1] - x[0]
    fp = f * p
    out = torch.zeros(len(p) - 2, dtype=p.dtype)
    for i in range(1, len(p) - 1):
        adv = (fp[i + 1] - fp[i - 1]) / (2 * h)
        diff = (p[i + 1] - 2 * p[i] + p[i - 1]) / (h * h)
        out[i - 1] = -adv + rho ** 2 * diff
    return out
