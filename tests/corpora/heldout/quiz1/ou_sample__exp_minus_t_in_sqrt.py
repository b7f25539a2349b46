"""Uses sqrt(1 - exp(-t)) for the noise scale instead of sqrt(1 - exp(-2t)).

mistake: ou_sample: exp_minus_t_in_sqrt
source: 004_45e6374c80f3c10e.txt, problem 1
"""
import torch


def ou_sample(w0, t, noise):
    t = torch.tensor(float(t), dtype=torch.float64)
    return torch.exp(-t) * w0 + torch.sqrt(1 - torch.exp(-t)) * noise
