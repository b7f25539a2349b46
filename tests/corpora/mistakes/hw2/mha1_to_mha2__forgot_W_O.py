"""Forgets to fold W_O into W_V: returns the MHA1 parameters unchanged.

mistake: mha1_to_mha2: forgot_W_O
source: 000_ff2b2f8a8d165fc7.txt, problem 4
"""


def mha1_to_mha2(params):
    return {"W_Q": params["W_Q"], "W_K": params["W_K"], "W_V": params["W_V"]}
