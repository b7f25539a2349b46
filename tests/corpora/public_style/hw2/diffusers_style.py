"""Correct hw2 in the style of huggingface/diffusers (DDPMScheduler / DDIMScheduler / AttnProcessor2_0).

Conventions used:
- scheduler objects holding float32 `betas`, `alphas`, `alphas_cumprod` tensors
  (torch.tensor(..., dtype=torch.float32)), with 0-indexed timesteps: the contract's
  1-indexed t becomes `timestep = t - 1`, `prev_timestep = timestep - 1`, and
  `alpha_prod_t_prev = self.one` (final_alpha_cumprod = 1.0) before the first step;
- DDPM posterior coefficients named pred_original_sample_coeff / current_sample_coeff
  (current_beta_t taken from the stored float32 betas), variance as in _get_variance;
- DDIM step as DDIMScheduler.step: pred_original_sample, pred_sample_direction,
  std_dev_t * variance_noise; the DDIM alphas_cumprod buffer kept in float32;
- training loss as in diffusers train scripts: F.mse_loss(pred.float(), target.float(),
  reduction="none") times the weighting, mean in float32, cast back;
- attention with F.scaled_dot_product_attention on [batch, heads, L, head_dim] layouts
  (head_to_batch_dim-style view/transpose of a stacked projection), default scale.
mistake: none
"""

import torch
import torch.nn.functional as F


class DDPMSchedulerLite:
    def __init__(self, betas):
        self.betas = torch.tensor(betas.tolist(), dtype=torch.float32)
        self.alphas = 1.0 - self.betas
        self.alphas_cumprod = torch.cumprod(self.alphas, dim=0)
        self.one = torch.tensor(1.0)
        self.num_train_timesteps = len(self.betas)

    def previous_timestep(self, timestep):
        return timestep - 1

    def _get_variance(self, t):
        prev_t = self.previous_timestep(t)
        alpha_prod_t = self.alphas_cumprod[t]
        alpha_prod_t_prev = self.alphas_cumprod[prev_t] if prev_t >= 0 else self.one
        current_beta_t = self.betas[t]
        variance = (1 - alpha_prod_t_prev) / (1 - alpha_prod_t) * current_beta_t
        return variance

    def posterior_coefficients(self, t):
        prev_t = self.previous_timestep(t)
        alpha_prod_t = self.alphas_cumprod[t]
        alpha_prod_t_prev = self.alphas_cumprod[prev_t] if prev_t >= 0 else self.one
        beta_prod_t = 1 - alpha_prod_t
        beta_prod_t_prev = 1 - alpha_prod_t_prev
        current_alpha_t = self.alphas[t]
        current_beta_t = self.betas[t]
        pred_original_sample_coeff = (alpha_prod_t_prev ** 0.5 * current_beta_t) / beta_prod_t
        current_sample_coeff = current_alpha_t ** 0.5 * beta_prod_t_prev / beta_prod_t
        return pred_original_sample_coeff, current_sample_coeff


def ddpm_posterior(x_t, x0, betas, t):
    scheduler = DDPMSchedulerLite(betas)
    timestep = int(t) - 1  # contract t is 1-indexed
    c0, ct = scheduler.posterior_coefficients(timestep)
    pred_prev_sample = c0.to(x0.dtype) * x0 + ct.to(x_t.dtype) * x_t
    variance = scheduler._get_variance(timestep).to(x_t.dtype)
    return pred_prev_sample, variance


def ddpm_posterior_mean_from_score(x_t, score, betas, t):
    scheduler = DDPMSchedulerLite(betas)
    timestep = int(t) - 1
    beta_t = scheduler.betas[timestep].to(x_t.dtype)
    alpha_t = scheduler.alphas[timestep].to(x_t.dtype)
    return (x_t + beta_t * score) / alpha_t ** 0.5


def ddim_step(x_next, x0, alpha_t, alpha_next, sigma_next, noise):
    # one DDIMScheduler.step with the clean sample known ("pred_original_sample" = x0)
    alpha_prod_t = torch.as_tensor(alpha_next, dtype=x0.dtype)
    alpha_prod_t_prev = torch.as_tensor(alpha_t, dtype=x0.dtype)
    std_dev_t = torch.as_tensor(sigma_next, dtype=x0.dtype)
    beta_prod_t = 1 - alpha_prod_t
    pred_original_sample = x0
    pred_epsilon = (x_next - alpha_prod_t ** 0.5 * pred_original_sample) / beta_prod_t ** 0.5
    pred_sample_direction = (1 - alpha_prod_t_prev - std_dev_t ** 2).clamp(min=0) ** 0.5 * pred_epsilon
    prev_sample = alpha_prod_t_prev ** 0.5 * pred_original_sample + pred_sample_direction
    return prev_sample + std_dev_t * noise


class DDIMSchedulerLite:
    def __init__(self, alphas_cumprod, sigmas):
        self.alphas_cumprod = torch.tensor(alphas_cumprod.tolist(), dtype=torch.float32)
        self.sigmas = sigmas
        self.final_alpha_cumprod = torch.tensor(1.0)

    def step(self, model_output, timestep, sample, variance_noise):
        prev_timestep = timestep - 1
        alpha_prod_t = self.alphas_cumprod[timestep]
        alpha_prod_t_prev = (self.alphas_cumprod[prev_timestep] if prev_timestep >= 0
                             else self.final_alpha_cumprod)
        beta_prod_t = 1 - alpha_prod_t
        pred_original_sample = (sample - beta_prod_t ** 0.5 * model_output) / alpha_prod_t ** 0.5
        if prev_timestep < 0:
            return None, pred_original_sample
        std_dev_t = self.sigmas[timestep]  # sigma_t of the contract, t = timestep + 1
        pred_sample_direction = (1 - alpha_prod_t_prev - std_dev_t ** 2).clamp(min=0) ** 0.5 * model_output
        prev_sample = alpha_prod_t_prev ** 0.5 * pred_original_sample + pred_sample_direction
        prev_sample = prev_sample + std_dev_t * variance_noise
        return prev_sample, pred_original_sample


def ddim_forward_process(x0, alphas, sigmas, noise):
    T = alphas.shape[0]
    alphas_cumprod = torch.tensor(alphas.tolist(), dtype=torch.float32)
    a = alphas_cumprod.to(x0.dtype)
    sample = a[T - 1] ** 0.5 * x0 + (1 - a[T - 1]) ** 0.5 * noise[T - 1]
    out = [sample]
    for timestep in range(T - 2, -1, -1):  # contract t = timestep + 1 = T-1 .. 1
        sample = ddim_step(sample, x0, a[timestep], a[timestep + 1], sigmas[timestep + 1],
                           noise[timestep])
        out.append(sample)
    return torch.stack(out[::-1])


@torch.no_grad()
def ddim_sample(eps_model, x_T, alphas, sigmas, noise):
    scheduler = DDIMSchedulerLite(alphas, sigmas)
    sample = x_T
    for timestep in reversed(range(alphas.shape[0])):
        model_output = eps_model(sample, timestep + 1)
        sample, pred_original_sample = scheduler.step(model_output, timestep, sample,
                                                      noise[timestep])
    return pred_original_sample.to(x_T.dtype)


def ou_coefficients(t):
    t = torch.as_tensor(t, dtype=torch.float64)
    return torch.exp(-0.5 * t), torch.sqrt(1.0 - torch.exp(-t))


def dsm_loss(eps_model, x0, t, eps, lam):
    gamma, sigma = ou_coefficients(t)
    noisy = gamma * x0 + sigma * eps
    model_pred = eps_model(noisy, t)
    target = eps
    mse_loss_weights = lam / sigma ** 2
    loss = F.mse_loss(model_pred.float(), target.float(), reduction="none")
    loss = (loss * mse_loss_weights.float()).mean()
    return loss.to(x0.dtype)


def reverse_ode_drift(x, t, score):
    return -(x + score) / 2


def _stack_heads(W):
    # [H, d_in, d] -> Linear-style weight [d_in, H*d] (heads concatenated)
    H, d_in, d = W.shape
    return W.permute(1, 0, 2).reshape(d_in, H * d)


def _to_heads(x, H):
    # 'L (H d) -> 1 H L d' as in attn.head_to_batch_dim / view().transpose(1, 2)
    L, hd = x.shape
    return x.view(1, L, H, hd // H).transpose(1, 2)


def _attention(Q, K, V, W_Q, W_K, W_V):
    H = W_Q.shape[0]
    query = _to_heads(Q @ _stack_heads(W_Q), H)
    key = _to_heads(K @ _stack_heads(W_K), H)
    value = _to_heads(V @ _stack_heads(W_V), H)
    hidden = F.scaled_dot_product_attention(query, key, value, attn_mask=None,
                                            dropout_p=0.0, is_causal=False)
    return hidden[0]  # [H, L, d]


def mha1(Q, K, V, params):
    hidden = _attention(Q, K, V, params["W_Q"], params["W_K"], params["W_V"])
    H, L, d_head = hidden.shape
    hidden = hidden.transpose(0, 1).reshape(L, H * d_head)  # attn.batch_to_head_dim
    return hidden @ params["W_O"]                              # to_out[0] without bias


def mha2(Q, K, V, params):
    return _attention(Q, K, V, params["W_Q"], params["W_K"], params["W_V"]).sum(0)


def mha1_to_mha2(params):
    H, d_V, d_head = params["W_V"].shape
    new_W_V = torch.stack([params["W_V"][h] @ params["W_O"][h * d_head:(h + 1) * d_head]
                           for h in range(H)])
    return {"W_Q": params["W_Q"], "W_K": params["W_K"], "W_V": new_W_V, "W_O": params["W_O"]}


def mha_param_counts(d_Q, d_K, d_V, d_attn, d_head, d_out, H):
    to_q = d_Q * d_attn * H
    to_k = d_K * d_attn * H
    n1 = to_q + to_k + d_V * d_head * H + H * d_head * d_out
    n2 = to_q + to_k + d_V * d_out * H
    return n1, n2
