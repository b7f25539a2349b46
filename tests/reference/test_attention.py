"""reference.attention against torch.nn.MultiheadAttention and parameter counts."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from reference.attention import mha1, mha1_to_mha2, mha2, mha_param_counts

F64 = torch.float64


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _torch_mha(E: int, H: int, kdim: int, vdim: int, seed: int) -> nn.MultiheadAttention:
    torch.manual_seed(seed)  # parameter init only
    return nn.MultiheadAttention(E, H, bias=False, kdim=kdim, vdim=vdim, dtype=F64).eval()


def _params_from_torch(mha: nn.MultiheadAttention) -> dict[str, torch.Tensor]:
    """Map nn.MultiheadAttention's weights onto the contract's per-head layout.

    torch computes q = Q W_q^T with W_q (E, d_Q) and gives head h the output
    columns h*hd:(h+1)*hd, i.e. rows of W_q; so W_Q[h] = W_q[h*hd:(h+1)*hd].T.
    The output is concat(heads) @ out_proj.weight.T, so W_O = out_proj.weight.T.
    """
    E, H = mha.embed_dim, mha.num_heads
    hd = E // H
    if mha.in_proj_weight is not None:  # kdim == vdim == E: packed weights
        w_q, w_k, w_v = mha.in_proj_weight.detach().chunk(3, dim=0)
    else:
        separate = (mha.q_proj_weight, mha.k_proj_weight, mha.v_proj_weight)
        w_q, w_k, w_v = (w.detach() for w in separate)

    def per_head(w: torch.Tensor) -> torch.Tensor:  # (E, d_in) -> (H, d_in, hd)
        return w.reshape(H, hd, w.shape[1]).transpose(1, 2).clone()

    return {
        "W_Q": per_head(w_q),
        "W_K": per_head(w_k),
        "W_V": per_head(w_v),
        "W_O": mha.out_proj.weight.detach().T.clone(),
    }


@pytest.mark.parametrize(
    ("E", "H", "kdim", "vdim", "L", "S"),
    [(8, 2, 8, 8, 6, 6), (8, 1, 8, 8, 1, 1), (12, 3, 5, 7, 6, 6), (12, 4, 5, 7, 3, 9)],
)
def test_mha1_matches_torch_multihead_attention(
    E: int, H: int, kdim: int, vdim: int, L: int, S: int
) -> None:
    mha = _torch_mha(E, H, kdim, vdim, seed=E + H + kdim)
    g = _gen(L + S)
    Q = torch.randn(L, E, generator=g, dtype=F64)
    K = torch.randn(S, kdim, generator=g, dtype=F64)
    V = torch.randn(S, vdim, generator=g, dtype=F64)
    with torch.no_grad():
        want, _ = mha(Q, K, V, need_weights=False)
    params = _params_from_torch(mha)
    got = mha1(Q, K, V, params)
    assert got.shape == (L, E)
    torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)
    # Parameter counts: torch's module, our tensors and the closed form agree.
    n_torch = sum(p.numel() for p in mha.parameters())
    n_ours = sum(p.numel() for p in params.values())
    assert mha_param_counts(E, kdim, vdim, E // H, E // H, E, H)[0] == n_torch == n_ours


def test_mha1_self_attention_same_input() -> None:
    mha = _torch_mha(8, 2, 8, 8, seed=3)
    X = torch.randn(5, 8, generator=_gen(3), dtype=F64)
    with torch.no_grad():
        want, _ = mha(X, X, X, need_weights=False)
    torch.testing.assert_close(mha1(X, X, X, _params_from_torch(mha)), want, rtol=1e-12, atol=1e-12)


def _random_params(d_Q: int, d_K: int, d_V: int, d_attn: int, d_head: int, d_out: int, H: int,
                   seed: int) -> dict[str, torch.Tensor]:
    g = _gen(seed)
    return {
        "W_Q": torch.randn(H, d_Q, d_attn, generator=g, dtype=F64),
        "W_K": torch.randn(H, d_K, d_attn, generator=g, dtype=F64),
        "W_V": torch.randn(H, d_V, d_head, generator=g, dtype=F64),
        "W_O": torch.randn(H * d_head, d_out, generator=g, dtype=F64),
    }


DIMS = [(4, 3, 5, 2, 3, 6, 2), (1, 1, 1, 1, 1, 1, 1), (6, 6, 6, 4, 2, 3, 3), (5, 2, 3, 7, 4, 2, 4)]


@pytest.mark.parametrize("dims", DIMS)
def test_mha2_of_converted_params_equals_mha1(dims: tuple[int, ...]) -> None:
    d_Q, d_K, d_V, d_attn, d_head, d_out, H = dims
    params = _random_params(*dims, seed=sum(dims))
    snapshot = {k: v.clone() for k, v in params.items()}
    g = _gen(1)
    L = 5
    Q, K, V = (torch.randn(L, d, generator=g, dtype=F64) for d in (d_Q, d_K, d_V))
    converted = mha1_to_mha2(params)
    assert converted is not params
    assert converted["W_V"].shape == (H, d_V, d_out)
    for key, value in snapshot.items():  # the input is untouched
        assert torch.equal(params[key], value)
    want = mha1(Q, K, V, params)
    torch.testing.assert_close(mha2(Q, K, V, converted), want, rtol=1e-10, atol=1e-10)
    # W_h^V <- W_h^V W_h^O with W_h^O the h-th block of d_head rows, by an explicit loop.
    for h in range(H):
        block = params["W_O"][h * d_head : (h + 1) * d_head]
        torch.testing.assert_close(converted["W_V"][h], params["W_V"][h] @ block)
    # An extra W_O key is ignored by mha2.
    with_extra = dict(converted, W_O=torch.zeros(1, dtype=F64))
    torch.testing.assert_close(mha2(Q, K, V, with_extra), mha2(Q, K, V, converted))


@pytest.mark.parametrize("dims", DIMS)
def test_param_counts_match_concrete_tensors(dims: tuple[int, ...]) -> None:
    d_Q, d_K, d_V, d_attn, d_head, d_out, H = dims
    p1 = _random_params(*dims, seed=0)
    p2 = mha1_to_mha2(p1)
    n1, n2 = mha_param_counts(*dims)
    assert (n1, n2) == (sum(p.numel() for p in p1.values()), sum(p.numel() for p in p2.values()))
    assert isinstance(n1, int) and isinstance(n2, int)


def test_param_counts_for_the_problem_set_numbers() -> None:
    """hw2 problem 4(c): d_V = d_out = 512, d_head = 64. The difference does not depend on
    d_Q, d_K, d_attn and equals H (d_V d_out - d_head (d_V + d_out)) = 196608 H."""
    for H in (1, 8, 16):
        for d_qk, d_attn in ((512, 64), (256, 32)):
            n1, n2 = mha_param_counts(d_qk, d_qk, 512, d_attn, 64, 512, H)
            assert n2 - n1 == 196608 * H
    n1, n2 = mha_param_counts(512, 512, 512, 64, 64, 512, 8)  # the customary H = 512 / 64
    n_torch = sum(p.numel() for p in _torch_mha(512, 8, 512, 512, 0).parameters())
    assert n1 == 4 * 512 * 512 == n_torch
    assert n2 == 2_621_440 and n2 - n1 == 1_572_864


def test_errors_name_the_problem() -> None:
    params = _random_params(4, 4, 4, 2, 2, 3, 2, seed=0)
    X = torch.zeros(3, 4, dtype=F64)
    with pytest.raises(ValueError, match="missing key"):
        mha1(X, X, X, {k: v for k, v in params.items() if k != "W_O"})
    with pytest.raises(ValueError, match="d_Q=5"):
        mha1(torch.zeros(3, 5, dtype=F64), X, X, params)
    with pytest.raises(ValueError, match="W_O"):
        mha1(X, X, X, dict(params, W_O=torch.zeros(3, 3, dtype=F64)))
    with pytest.raises(TypeError, match="params must be a dict"):
        mha2(X, X, X, [1, 2])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="H must be an int"):
        mha_param_counts(1, 1, 1, 1, 1, 1, 2.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="d_head must be >= 1"):
        mha_param_counts(1, 1, 1, 1, 0, 1, 1)
