"""Case generators for multi-head attention (hw2 problem 4)."""

from __future__ import annotations

from typing import Any

import torch

from grader.cases._random import randn

__all__ = ["CASES"]


def mha_params(g: torch.Generator, H: int, d_Q: int, d_K: int, d_V: int, d_attn: int,
               d_head: int, d_out: int, form: int = 1) -> dict[str, torch.Tensor]:
    """Random MHA1 (``form=1``) or MHA2 (``form=2``) parameters, scaled like an initialisation."""
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
    """Arguments (Q, K, V, params) of ``mha1`` (form 1) or ``mha2`` (form 2)."""
    return {"Q": randn(g, L, d_Q), "K": randn(g, L, d_K), "V": randn(g, L, d_V),
            "params": mha_params(g, H, d_Q, d_K, d_V, d_attn, d_head, d_out, form)}


def mha1_to_mha2(g: torch.Generator, H: int, d_Q: int = 4, d_K: int = 5, d_V: int = 6,
                 d_attn: int = 3, d_head: int = 2, d_out: int = 7) -> dict[str, Any]:
    """Argument (params,) of ``mha1_to_mha2``."""
    return {"params": mha_params(g, H, d_Q, d_K, d_V, d_attn, d_head, d_out, 1)}


def mha_param_counts(g: torch.Generator, random: bool = True, **dims: int) -> dict[str, Any]:
    """Arguments (d_Q, d_K, d_V, d_attn, d_head, d_out, H): given ``dims`` or random sizes."""
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
