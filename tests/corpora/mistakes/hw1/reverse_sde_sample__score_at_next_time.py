"""Evaluates the score at the end time ts[k+1] of the step instead of at ts[k].

mistake: reverse_sde_sample: score_at_next_time
source: 001_d4f722768cb25930.txt, problem 7
"""
import torch


def reverse_sde_sample(x_T, ts, score, lam, noise):
    x = x_T.clone()
    c = 1.0 - lam / 2.0
    for k in range(len(ts) - 1):
        t_now, t_next = float(ts[k]), float(ts[k + 1])
        h = t_now - t_next
        x = x - h * (-x / 2 - c * score(x, t_next)) + ((1.0 - lam) * h) ** 0.5 * noise[k]
    return x
