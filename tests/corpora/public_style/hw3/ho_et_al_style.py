"""Correct hw3 in the style of Ho et al.'s diffusion code (diffusion_tf/diffusion_utils_2.py).

Conventions used:
- schedule computed once in float64 numpy (betas.astype(np.float64), np.cumprod,
  alphas_cumprod_prev = np.append(1., alphas_cumprod[:-1]), sqrt_recip_alphas_cumprod,
  sqrt_recipm1_alphas_cumprod, posterior_mean_coef1/2);
- _extract(a, t, x_shape) gathers from the array converted to float32 (as Ho's
  tf.convert_to_tensor(a, dtype=tf.float32)), reshaped [bs, 1, ...]; t - 1 for the
  contract's 1-indexed times; results cast back to the input dtype;
- the mean from eps computed the way p_mean_variance does: _predict_xstart_from_eps, then
  q_posterior_mean_variance;
- normal_kl(mean1, logvar1, mean2, logvar2) for the prior term, summed over dimensions in
  nats (no / log 2), evaluated on the float64 arrays;
- implicit score matching with torch.func (vmap(jacrev)) for the exact Jacobian trace.
mistake: none
"""

import numpy as np
import torch


class GaussianDiffusion2:
    def __init__(self, betas):
        self.betas = betas = np.asarray(betas, dtype=np.float64)
        self.num_timesteps = int(betas.shape[0])
        alphas = 1. - betas
        self.alphas = alphas
        self.alphas_cumprod = np.cumprod(alphas, axis=0)
        self.alphas_cumprod_prev = np.append(1., self.alphas_cumprod[:-1])
        self.sqrt_alphas_cumprod = np.sqrt(self.alphas_cumprod)
        self.sqrt_one_minus_alphas_cumprod = np.sqrt(1. - self.alphas_cumprod)
        self.log_one_minus_alphas_cumprod = np.log(1. - self.alphas_cumprod)
        self.sqrt_recip_alphas_cumprod = np.sqrt(1. / self.alphas_cumprod)
        self.sqrt_recipm1_alphas_cumprod = np.sqrt(1. / self.alphas_cumprod - 1)
        self.posterior_mean_coef1 = betas * np.sqrt(self.alphas_cumprod_prev) / (1. - self.alphas_cumprod)
        self.posterior_mean_coef2 = (1. - self.alphas_cumprod_prev) * np.sqrt(alphas) / (1. - self.alphas_cumprod)

    @staticmethod
    def _extract(a, t, x_shape):
        bs = t.shape[0]
        out = torch.as_tensor(a, dtype=torch.float32)[t]
        return out.reshape([bs] + (len(x_shape) - 1) * [1])

    def q_sample(self, x_start, t, noise):
        return (self._extract(self.sqrt_alphas_cumprod, t, x_start.shape) * x_start
                + self._extract(self.sqrt_one_minus_alphas_cumprod, t, x_start.shape) * noise)

    def _predict_xstart_from_eps(self, x_t, t, eps):
        return (self._extract(self.sqrt_recip_alphas_cumprod, t, x_t.shape) * x_t
                - self._extract(self.sqrt_recipm1_alphas_cumprod, t, x_t.shape) * eps)

    def q_posterior_mean(self, x_start, x_t, t):
        return (self._extract(self.posterior_mean_coef1, t, x_t.shape) * x_start
                + self._extract(self.posterior_mean_coef2, t, x_t.shape) * x_t)


def _t0(t):
    return torch.as_tensor(t, dtype=torch.long).reshape(-1) - 1


def ddpm_q_sample(x0, t, betas, noise):
    diffusion = GaussianDiffusion2(betas.numpy())
    return diffusion.q_sample(x0, _t0(t), noise).to(x0.dtype)


def posterior_mean_from_eps(x_t, eps, t, betas):
    diffusion = GaussianDiffusion2(betas.numpy())
    tt = _t0(t)
    x_recon = diffusion._predict_xstart_from_eps(x_t, tt, eps)
    return diffusion.q_posterior_mean(x_recon, x_t, tt).to(x_t.dtype)


def ddpm_eps_loss_weight(t, betas, sigma2):
    diffusion = GaussianDiffusion2(betas.numpy())
    weight = diffusion.betas ** 2 / (2 * np.asarray(sigma2, dtype=np.float64) * diffusion.alphas
                                     * (1. - diffusion.alphas_cumprod))
    tt = _t0(t)
    return GaussianDiffusion2._extract(weight, tt, (tt.shape[0],)).to(betas.dtype)


def normal_kl(mean1, logvar1, mean2, logvar2):
    return 0.5 * (-1.0 + logvar2 - logvar1 + np.exp(logvar1 - logvar2)
                  + (mean1 - mean2) ** 2 * np.exp(-logvar2))


def ddpm_prior_kl(x0, betas):
    diffusion = GaussianDiffusion2(betas.numpy())
    x_start = x0.numpy()
    T = diffusion.num_timesteps - 1
    qt_mean = diffusion.sqrt_alphas_cumprod[T] * x_start
    qt_log_variance = np.full_like(x_start, np.log1p(-diffusion.alphas_cumprod[T]))
    kl_prior = normal_kl(qt_mean, qt_log_variance, 0., 0.)
    return torch.from_numpy(kl_prior.sum(axis=tuple(range(1, kl_prior.ndim))))


def implicit_score_matching_loss(score_model, x):
    def single(xi):
        return score_model(xi.unsqueeze(0)).squeeze(0)

    jac = torch.func.vmap(torch.func.jacrev(single))(x)   # [N, d, d]
    trace = torch.diagonal(jac, dim1=-2, dim2=-1).sum(-1)
    s = score_model(x)
    return torch.mean(trace + 0.5 * torch.sum(s * s, dim=-1))


def denoising_score_matching_loss(score_model, x, sigma, noise):
    perturbed = x + sigma * noise
    scores = score_model(perturbed)
    losses = 0.5 * torch.sum((scores + noise / sigma) ** 2, dim=-1)
    return losses.mean()
