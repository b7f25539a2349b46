"""Uses the factor t/(sigma2 + t) instead of sigma2/(sigma2 + t).

mistake: toy_denoiser_target: noise_fraction
source: 003_4ea08618c667dec6.txt, problem 1
"""


def toy_denoiser_target(x_t, t, sigma2):
    return t / (sigma2 + t) * x_t
