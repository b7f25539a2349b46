"""Uses sqrt(dt) instead of sqrt(2 dt) for the noise, forgetting that delta ~ N(0, 2I).

mistake: ou_euler_step: noise_missing_factor_2
source: 004_45e6374c80f3c10e.txt, problem 1
"""
import math


def ou_euler_step(w, dt, noise):
    return w - w * dt + math.sqrt(dt) * noise
