"""Subtracts sigma_{t+1} instead of sigma_{t+1}^2 under the square root of the direction coefficient.

mistake: ddim_step: sigma_not_squared
source: 000_ff2b2f8a8d165fc7.txt, problem 2
"""
import math


def ddim_step(x_next, x0, alpha_t, alpha_next, sigma_next, noise):
    a_t, a_n, s = float(alpha_t), float(alpha_next), float(sigma_next)
    coef = math.sqrt(max(1 - a_t - s, 0.0)) / math.sqrt(1 - a_n)
    return math.sqrt(a_t) * x0 + coef * (x_next - math.sqrt(a_n) * x0) + s * noise
