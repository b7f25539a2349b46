"""Uses sqrt(1 - exp(-t)) as the noise scale instead of sqrt(1 - exp(-2t)).

mistake: ou_sample: variance_exponent_missing_2
source: 004_45e6374c80f3c10e.txt, problem 1
"""
import math


def ou_sample(w0, t, noise):
    return math.exp(-t) * w0 + math.sqrt(1 - math.exp(-t)) * noise
