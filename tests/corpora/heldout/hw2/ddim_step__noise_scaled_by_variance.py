"""Scales the fresh noise by sigma_next^2 instead of sigma_next.

mistake: ddim_step: noise_scaled_by_variance
source: 000_ff2b2f8a8d165fc7.txt, problem 2
"""
import math


def ddim_step(x_next, x0, alpha_t, alpha_next, sigma_next, noise):
    a_t = float(alpha_t)
    a_n = float(alpha_next)
    s2 = float(sigma_next) ** 2
    mean = math.sqrt(a_t) * x0 + math.sqrt(1 - a_t - s2) / math.sqrt(1 - a_n) * (x_next - math.sqrt(a_n) * x0)
    return mean + s2 * noise
