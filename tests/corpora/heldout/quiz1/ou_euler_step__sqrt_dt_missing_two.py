"""Scales the noise by sqrt(dt) instead of sqrt(2 dt).

mistake: ou_euler_step: sqrt_dt_missing_two
source: 004_45e6374c80f3c10e.txt, problem 1
"""
import math


def ou_euler_step(w, dt, noise):
    return w - w * dt + math.sqrt(dt) * noise
