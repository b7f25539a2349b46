"""Case generators of multi-head attention (``reference/attention.py``, hw2 problem 4).

Parameters follow the contract: MHA1 has ``W_Q [H, d_Q, d_attn]``,
``W_K [H, d_K, d_attn]``, ``W_V [H, d_V, d_head]`` and
``W_O [H * d_head, d_out]``; MHA2 has ``W_Q``, ``W_K`` and
``W_V [H, d_V, d_out]``. All float64, N(0, 1/fan_in) entries (scaled like
an initialisation). Every function takes a seeded ``torch.Generator``
``g`` first, the source of all its draws.
"""

from __future__ import annotations

from typing import Any

import torch

from grader.cases.draws import randn

__all__ = ["CASES", "mha_params"]


def mha_params(g: torch.Generator, H: int, d_Q: int, d_K: int, d_V: int, d_attn: int,
               d_head: int, d_out: int, form: int = 1) -> dict[str, torch.Tensor]:
    """Random MHA1 (``form=1``) or MHA2 (``form=2``) parameters.

    Parameters
    ----------
    H, d_Q, d_K, d_V, d_attn, d_head, d_out : int
        Number of heads and sizes (``d_head`` unused by MHA2).
    form : {1, 2}
        Which parametrisation.

    Returns
    -------
    dict of str to torch.Tensor
        ``W_Q``, ``W_K``, ``W_V`` (and ``W_O`` for MHA1), shapes as in the
        module docstring, drawn in that order.
    """
    params = {
        "W_Q": randn(g, H, d_Q, d_attn, scale=d_Q ** -0.5),
        "W_K": randn(g, H, d_K, d_attn, scale=d_K ** -0.5),
    }
    if form == 1:
        params["W_V"] = randn(g, H, d_V, d_head, scale=d_V ** -0.5)
        params["W_O"] = randn(g, H * d_head, d_out, scale=(H * d_head) ** -0.5)
    else:
        params["W_V"] = randn(g, H, d_V, d_out, scale=d_V ** -0.5)
    return params


def mha(g: torch.Generator, L: int, H: int, d_Q: int = 4, d_K: int = 5, d_V: int = 6,
        d_attn: int = 3, d_head: int = 2, d_out: int = 7, form: int = 1) -> dict[str, Any]:
    """Arguments (Q, K, V, params) of ``mha1`` (form 1) or ``mha2`` (form 2), hw2 problem 4.

    Returns
    -------
    dict
        ``Q``, ``K``, ``V``: ``[L, d_Q]``, ``[L, d_K]``, ``[L, d_V]`` float64
        N(0, 1) (L queries and L keys); ``params``: :func:`mha_params`.
    """
    return {"Q": randn(g, L, d_Q), "K": randn(g, L, d_K), "V": randn(g, L, d_V),
            "params": mha_params(g, H, d_Q, d_K, d_V, d_attn, d_head, d_out, form)}


def mha1_to_mha2(g: torch.Generator, H: int, d_Q: int = 4, d_K: int = 5, d_V: int = 6,
                 d_attn: int = 3, d_head: int = 2, d_out: int = 7) -> dict[str, Any]:
    """Argument (params,) of ``mha1_to_mha2`` (hw2 problem 4(a)): MHA1 :func:`mha_params`."""
    return {"params": mha_params(g, H, d_Q, d_K, d_V, d_attn, d_head, d_out, 1)}


def mha_param_counts(g: torch.Generator, random: bool = True, **dims: int) -> dict[str, Any]:
    """Arguments (d_Q, d_K, d_V, d_attn, d_head, d_out, H) of ``mha_param_counts`` (hw2 problem 4(b)).

    Parameters
    ----------
    random : bool
        Draw the sizes (uniform in 1..599, H in 1..16) or take them from ``dims``.
    **dims : int
        The seven sizes, used when ``random`` is false.

    Returns
    -------
    dict
        The seven sizes as Python ints, in contract order.
    """
    names = ("d_Q", "d_K", "d_V", "d_attn", "d_head", "d_out", "H")
    if not random:
        return {n: int(dims[n]) for n in names}
    values = torch.randint(1, 600, (len(names),), generator=g).tolist()
    values[-1] = int(torch.randint(1, 17, (1,), generator=g))
    return dict(zip(names, (int(v) for v in values)))


CASES = {
    "mha": mha,
    "mha1_to_mha2": mha1_to_mha2,
    "mha_param_counts": mha_param_counts,
}
