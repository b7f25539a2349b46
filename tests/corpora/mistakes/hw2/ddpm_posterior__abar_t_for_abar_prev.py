"""Uses abar_t (the product up to t) wherever abar_{t-1} is needed, an off-by-one in the cumulative product.

mistake: ddpm_posterior: abar_t_for_abar_prev
source: 000_ff2b2f8a8d165fc7.txt, problem 1
"""
import math


def ddpm_posterior(x_t, x0, betas, t):
    b = [float(v) for v in betas]
    abar_t = 1.0
    for s in range(t):
        abar_t *= 1.0 - b[s]
    # abar_{t-1}: product of (1 - beta_s) for s = 1..t-1 (but range(t) runs over s = 1..t)
    abar_prev = 1.0
    for s in range(t):
        abar_prev *= 1.0 - b[s]
    beta_t = b[t - 1]
    c0 = math.sqrt(abar_prev) * beta_t / (1.0 - abar_t)
    ct = math.sqrt(1.0 - beta_t) * (1.0 - abar_prev) / (1.0 - abar_t)
    var = (1.0 - abar_prev) / (1.0 - abar_t) * beta_t
    return c0 * x0 + ct * x_t, var
