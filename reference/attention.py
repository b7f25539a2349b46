"""Multi-head attention with and without an output projection (MHA1 / MHA2).

Vaswani et al., "Attention Is All You Need", 2017, arXiv:1706.03762,
section 3.2. Used by hw2 problem 4. No biases, no masks, no dropout.

Tensors are ``torch.float64``. Parameters are passed as a dict of tensors:

=========  =====================  =================  ===========================
key        shape                  symbol             role
=========  =====================  =================  ===========================
``W_Q``    (H, d_Q, d_attn)       W_h^Q              query projection of head h
``W_K``    (H, d_K, d_attn)       W_h^K              key projection of head h
``W_V``    (H, d_V, d_head)       W_h^V              value projection (MHA1)
``W_V``    (H, d_V, d_out)        W_h^V              value projection (MHA2)
``W_O``    (H d_head, d_out)      W^O                output projection (MHA1)
=========  =====================  =================  ===========================

Glossary: ``Q`` (L, d_Q), ``K`` (S, d_K), ``V`` (S, d_V) are the queries, keys
and values (hw2 problem 4 has S = L); ``H`` heads; ``head_h`` =
softmax(Q W_h^Q (K W_h^K)^T / sqrt(d_attn)) V W_h^V (Vaswani et al. eq. 1).
"""

from __future__ import annotations

import math
import operator

import torch

from ._validate import require_tensor

__all__ = ["mha1", "mha1_to_mha2", "mha2", "mha_param_counts"]


def _weights(params: dict[str, torch.Tensor], names: tuple[str, ...]) -> list[torch.Tensor]:
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict of tensors, got {type(params).__name__}")
    missing = [name for name in names if name not in params]
    if missing:
        raise ValueError(f"params is missing key(s) {missing}; it has {sorted(params)}")
    return [require_tensor(params[name], f"params[{name!r}]") for name in names]


def _attention_weights(
    Q: torch.Tensor, K: torch.Tensor, V: torch.Tensor, W_Q: torch.Tensor, W_K: torch.Tensor
) -> torch.Tensor:
    """Per-head attention matrices softmax(Q W_h^Q (K W_h^K)^T / sqrt(d_attn)), (H, L, S)."""
    require_tensor(Q, "Q", ndim=2)
    require_tensor(K, "K", ndim=2)
    require_tensor(V, "V", ndim=2)
    if W_Q.ndim != 3 or W_K.ndim != 3:
        raise ValueError(
            f"params['W_Q'] and params['W_K'] must be (H, d, d_attn), got "
            f"{tuple(W_Q.shape)} and {tuple(W_K.shape)}"
        )
    if W_Q.shape[0] != W_K.shape[0] or W_Q.shape[2] != W_K.shape[2]:
        raise ValueError(
            f"params['W_Q'] {tuple(W_Q.shape)} and params['W_K'] {tuple(W_K.shape)} must agree "
            f"in H and d_attn"
        )
    if Q.shape[1] != W_Q.shape[1]:
        raise ValueError(f"Q has d_Q={Q.shape[1]} but params['W_Q'] expects {W_Q.shape[1]}")
    if K.shape[1] != W_K.shape[1]:
        raise ValueError(f"K has d_K={K.shape[1]} but params['W_K'] expects {W_K.shape[1]}")
    if K.shape[0] != V.shape[0]:
        raise ValueError(
            f"K and V must have the same number of rows, got {K.shape[0]} and {V.shape[0]}"
        )
    d_attn = W_Q.shape[2]
    q = torch.einsum("lq,hqa->hla", Q, W_Q)
    k = torch.einsum("sk,hka->hsa", K, W_K)
    return torch.softmax(q @ k.transpose(1, 2) / math.sqrt(d_attn), dim=-1)


def _check_values(V: torch.Tensor, W_V: torch.Tensor, H: int) -> None:
    if W_V.ndim != 3 or W_V.shape[0] != H or W_V.shape[1] != V.shape[1]:
        raise ValueError(
            f"params['W_V'] must have shape (H={H}, d_V={V.shape[1]}, ·), got {tuple(W_V.shape)}"
        )


def mha1(
    Q: torch.Tensor, K: torch.Tensor, V: torch.Tensor, params: dict[str, torch.Tensor]
) -> torch.Tensor:
    r"""Standard multi-head attention with an output projection (MHA1).

    Parameters
    ----------
    Q : (L, d_Q) torch.Tensor
        Queries.
    K : (L, d_K) torch.Tensor
        Keys.
    V : (L, d_V) torch.Tensor
        Values.
    params : dict of torch.Tensor
        ``W_Q`` (H, d_Q, d_attn), ``W_K`` (H, d_K, d_attn),
        ``W_V`` (H, d_V, d_head), ``W_O`` (H d_head, d_out).

    Returns
    -------
    (L, d_out) torch.Tensor
        concat(head_1, ..., head_H) W_O.

    Raises
    ------
    TypeError
        If ``params`` is not a dict or an entry is not a floating tensor.
    ValueError
        If a key is missing or shapes are inconsistent.

    Notes
    -----
    hw2 problem 4; Vaswani et al. 2017 (arXiv:1706.03762), eqs. 1 and
    section 3.2.2, without biases or mask:

    .. math::

        \mathrm{head}_h = \operatorname{softmax}\!\left(
            \frac{Q W_h^Q (K W_h^K)^\top}{\sqrt{d_{attn}}}\right) V W_h^V,
        \qquad
        \mathrm{output} = [\mathrm{head}_1, \dots, \mathrm{head}_H]\, W^O.
    """
    W_Q, W_K, W_V, W_O = _weights(params, ("W_Q", "W_K", "W_V", "W_O"))
    attn = _attention_weights(Q, K, V, W_Q, W_K)
    H = W_Q.shape[0]
    _check_values(V, W_V, H)
    d_head = W_V.shape[2]
    if W_O.ndim != 2 or W_O.shape[0] != H * d_head:
        raise ValueError(
            f"params['W_O'] must have shape (H*d_head={H * d_head}, d_out), got {tuple(W_O.shape)}"
        )
    heads = attn @ torch.einsum("sv,hvk->hsk", V, W_V)  # (H, L, d_head)
    concat = heads.permute(1, 0, 2).reshape(Q.shape[0], H * d_head)  # head_1 first
    return concat @ W_O


def mha2(
    Q: torch.Tensor, K: torch.Tensor, V: torch.Tensor, params: dict[str, torch.Tensor]
) -> torch.Tensor:
    r"""Multi-head attention whose heads are summed, without output projection (MHA2).

    Parameters
    ----------
    Q : (L, d_Q) torch.Tensor
        Queries.
    K : (L, d_K) torch.Tensor
        Keys.
    V : (L, d_V) torch.Tensor
        Values.
    params : dict of torch.Tensor
        ``W_Q`` (H, d_Q, d_attn), ``W_K`` (H, d_K, d_attn),
        ``W_V`` (H, d_V, d_out). Any other key (e.g. ``W_O``) is ignored.

    Returns
    -------
    (L, d_out) torch.Tensor
        head_1 + ... + head_H.

    Raises
    ------
    TypeError
        If ``params`` is not a dict or an entry is not a floating tensor.
    ValueError
        If a key is missing or shapes are inconsistent.

    Notes
    -----
    hw2 problem 4:

    .. math::

        \mathrm{output} = \sum_{h=1}^H \operatorname{softmax}\!\left(
            \frac{Q W_h^Q (K W_h^K)^\top}{\sqrt{d_{attn}}}\right) V W_h^V.

    (Vaswani et al. 2017, arXiv:1706.03762, eq. 1 for the attention.)
    """
    W_Q, W_K, W_V = _weights(params, ("W_Q", "W_K", "W_V"))
    attn = _attention_weights(Q, K, V, W_Q, W_K)
    _check_values(V, W_V, W_Q.shape[0])
    heads = attn @ torch.einsum("sv,hvo->hso", V, W_V)  # (H, L, d_out)
    return heads.sum(dim=0)


def mha1_to_mha2(params: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    r"""MHA2 parameters that compute the same function as the MHA1 parameters given.

    Parameters
    ----------
    params : dict of torch.Tensor
        MHA1 parameters ``W_Q``, ``W_K``, ``W_V`` (H, d_V, d_head),
        ``W_O`` (H d_head, d_out). Not modified.

    Returns
    -------
    dict of torch.Tensor
        A new dict: ``W_V`` (H, d_V, d_out) with W_V[h] <- W_V[h] W_O[h];
        every other key except ``W_O`` copied unchanged (as clones).

    Raises
    ------
    TypeError
        If ``params`` is not a dict or an entry is not a floating tensor.
    ValueError
        If a key is missing or shapes are inconsistent.

    Notes
    -----
    hw2 problem 4(a): split :math:`W^O` into row blocks
    :math:`W^O_h \in \mathbb R^{d_{head}\times d_{out}}` (rows
    h d_head ... (h+1) d_head - 1). Since
    :math:`[\mathrm{head}_1,\dots,\mathrm{head}_H] W^O = \sum_h \mathrm{head}_h W^O_h`,
    setting :math:`W_h^V \leftarrow W_h^V W_h^O` makes :func:`mha2` equal
    :func:`mha1`.
    """
    W_V, W_O = _weights(params, ("W_V", "W_O"))
    if W_V.ndim != 3:
        raise ValueError(f"params['W_V'] must be (H, d_V, d_head), got {tuple(W_V.shape)}")
    H, _, d_head = W_V.shape
    if W_O.ndim != 2 or W_O.shape[0] != H * d_head:
        raise ValueError(
            f"params['W_O'] must have shape (H*d_head={H * d_head}, d_out), got {tuple(W_O.shape)}"
        )
    W_O_blocks = W_O.reshape(H, d_head, W_O.shape[1])  # block h = rows h*d_head:(h+1)*d_head
    out = {
        key: (value.clone() if isinstance(value, torch.Tensor) else value)
        for key, value in params.items()
        if key not in ("W_V", "W_O")
    }
    out["W_V"] = W_V @ W_O_blocks
    return out


def mha_param_counts(
    d_Q: int, d_K: int, d_V: int, d_attn: int, d_head: int, d_out: int, H: int
) -> tuple[int, int]:
    r"""Numbers of trainable parameters of MHA1 and MHA2 (no biases).

    Parameters
    ----------
    d_Q, d_K, d_V : int
        Query, key and value input dimensions.
    d_attn : int
        Query/key projection dimension per head.
    d_head : int
        Value dimension per head in MHA1.
    d_out : int
        Output dimension.
    H : int
        Number of heads.

    Returns
    -------
    (int, int)
        (parameters of MHA1, parameters of MHA2).

    Raises
    ------
    TypeError
        If an argument is not an int.
    ValueError
        If an argument is < 1.

    Notes
    -----
    hw2 problem 4(b):

    .. math::

        P_1 = H(d_Q d_{attn} + d_K d_{attn} + d_V d_{head}) + H d_{head} d_{out},
        \qquad
        P_2 = H(d_Q d_{attn} + d_K d_{attn} + d_V d_{out}).

    For 4(c), d_V = d_out = 512, d_head = 64:
    :math:`P_2 - P_1 = H(512^2 - 2\cdot 64\cdot 512) = 196608\,H`, i.e.
    1,572,864 with the customary H = d_out / d_head = 8 (the problem set
    does not state H).
    """
    given = {"d_Q": d_Q, "d_K": d_K, "d_V": d_V, "d_attn": d_attn, "d_head": d_head,
             "d_out": d_out, "H": H}
    dims: dict[str, int] = {}
    for name, value in given.items():
        try:
            if isinstance(value, bool):
                raise TypeError
            dims[name] = operator.index(value)
        except TypeError:
            raise TypeError(
                f"{name} must be an int, got {type(value).__name__} {value!r}"
            ) from None
        if dims[name] < 1:
            raise ValueError(f"{name} must be >= 1, got {dims[name]}")
    H = dims["H"]
    qk = H * (dims["d_Q"] + dims["d_K"]) * dims["d_attn"]
    mha1_count = qk + H * dims["d_V"] * dims["d_head"] + H * dims["d_head"] * dims["d_out"]
    mha2_count = qk + H * dims["d_V"] * dims["d_out"]
    return mha1_count, mha2_count
