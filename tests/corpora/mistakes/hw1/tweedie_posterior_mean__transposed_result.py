"""Works with column vectors ([d, N]) and forgets to transpose the result back to [N, d].

mistake: tweedie_posterior_mean: transposed_result
source: 001_d4f722768cb25930.txt, problem 1
"""
import torch


def tweedie_posterior_mean(y, score, Sigma):
    Y = y.T                      # columns are samples
    G = score(y).T
    return Y + Sigma @ G
