"""The lab's pre-LN GPT in PyTorch, tensor for tensor (src/reference/gpt.ts, src/model/gpt.ts).

    h = α_in · (tok_emb[x] + pos_emb[t])
    per block:  h += r · attn.out(attention(ln1(h)));   h += r · mlp.fc_out(gelu(mlp.fc_in(ln2(h))))
    logits = readout_mult · ln_f(h) · W_readout          (W_readout = tok_embᵀ when tied)
    loss = mean cross-entropy over every position

attention: causal softmax(attn_scale · q·k) v per head; q | k | v are the column blocks of the
fused qkv projection and a head is head_size consecutive columns of each. GELU is the tanh form;
LayerNorm ε = 1e-5 (the lab's); the residual multiplier r multiplies each branch including its
output bias.

Names. The lab's names are not all Python attributes (`mlp.in` is a keyword), so the PyTorch
names differ; TORCH_NAMES maps one to the other, and matrices are transposed because the lab
stores [in, out] (y = x·W) and nn.Linear stores [out, in]:

    lab name                    PyTorch parameter               layout
    tok_emb                     tok_emb.weight                  [V, d]   same
    pos_emb                     pos_emb.weight                  [T, d]   same
    blocks.i.ln1.gain / .bias   blocks.i.ln1.weight / .bias     [d]
    blocks.i.attn.qkv           blocks.i.attn.qkv.weight        [3d, d]  transposed
    blocks.i.attn.qkv_bias      blocks.i.attn.qkv.bias          [3d]
    blocks.i.attn.out           blocks.i.attn.out.weight        [d, d]   transposed
    blocks.i.attn.out_bias      blocks.i.attn.out.bias          [d]
    blocks.i.ln2.gain / .bias   blocks.i.ln2.weight / .bias     [d]
    blocks.i.mlp.in             blocks.i.mlp.fc_in.weight       [4d, d]  transposed
    blocks.i.mlp.in_bias        blocks.i.mlp.fc_in.bias         [4d]
    blocks.i.mlp.out            blocks.i.mlp.fc_out.weight      [d, 4d]  transposed
    blocks.i.mlp.out_bias       blocks.i.mlp.fc_out.bias        [d]
    ln_f.gain / ln_f.bias       ln_f.weight / ln_f.bias         [d]
    readout                     readout.weight                  [V, d]   transposed
"""
from __future__ import annotations

import re
from typing import Dict, Mapping, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from .shapes import GptShape, gpt_tensors

LN_EPS = 1e-5

# (lab pattern, PyTorch name, transposed)
_NAME_RULES = [
    (r"tok_emb", r"tok_emb.weight", False),
    (r"pos_emb", r"pos_emb.weight", False),
    (r"(blocks\.\d+\.ln[12]|ln_f)\.gain", r"\1.weight", False),
    (r"(blocks\.\d+\.ln[12]|ln_f)\.bias", r"\1.bias", False),
    (r"(blocks\.\d+)\.attn\.qkv", r"\1.attn.qkv.weight", True),
    (r"(blocks\.\d+)\.attn\.qkv_bias", r"\1.attn.qkv.bias", False),
    (r"(blocks\.\d+)\.attn\.out", r"\1.attn.out.weight", True),
    (r"(blocks\.\d+)\.attn\.out_bias", r"\1.attn.out.bias", False),
    (r"(blocks\.\d+)\.mlp\.in", r"\1.mlp.fc_in.weight", True),
    (r"(blocks\.\d+)\.mlp\.in_bias", r"\1.mlp.fc_in.bias", False),
    (r"(blocks\.\d+)\.mlp\.out", r"\1.mlp.fc_out.weight", True),
    (r"(blocks\.\d+)\.mlp\.out_bias", r"\1.mlp.fc_out.bias", False),
    (r"readout", r"readout.weight", True),
]


def torch_name(lab_name: str) -> Tuple[str, bool]:
    """(PyTorch parameter name, whether the lab's layout is its transpose) of a lab tensor."""
    for pattern, repl, transposed in _NAME_RULES:
        if re.fullmatch(pattern, lab_name):
            return re.sub(pattern, repl, lab_name), transposed
    raise KeyError(f"No PyTorch name for the lab tensor {lab_name!r}")


def _multiplier(mult: Mapping[str, float], key: str) -> float:
    if key not in mult:
        raise ValueError(f"multipliers.{key}: missing")
    return float(mult[key])


class LayerNorm(nn.Module):
    """LayerNorm with a gain and an optional bias (nn.LayerNorm has bias=False only from 2.1)."""

    def __init__(self, d: int, bias: bool):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.bias = nn.Parameter(torch.zeros(d)) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.layer_norm(x, (x.shape[-1],), self.weight, self.bias, LN_EPS)


class Attention(nn.Module):
    def __init__(self, shape: GptShape, scale: float):
        super().__init__()
        d = shape.width
        self.heads = shape.heads_of
        self.head_size = shape.head_size_of
        self.scale = scale
        self.qkv = nn.Linear(d, 3 * d, bias=shape.biases)
        self.out = nn.Linear(d, d, bias=shape.biases)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, d = x.shape
        q, k, v = self.qkv(x).split(d, dim=-1)
        q, k, v = (t.view(B, T, self.heads, self.head_size).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * self.scale
        mask = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        o = (att @ v).transpose(1, 2).reshape(B, T, d)
        return self.out(o)


class MLP(nn.Module):
    def __init__(self, shape: GptShape):
        super().__init__()
        self.fc_in = nn.Linear(shape.width, shape.mlp_width, bias=shape.biases)
        self.fc_out = nn.Linear(shape.mlp_width, shape.width, bias=shape.biases)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc_out(F.gelu(self.fc_in(x), approximate="tanh"))


class Block(nn.Module):
    def __init__(self, shape: GptShape, attn_scale: float, residual_mult: float):
        super().__init__()
        self.residual_mult = residual_mult
        self.ln1 = LayerNorm(shape.width, shape.biases)
        self.attn = Attention(shape, attn_scale)
        self.ln2 = LayerNorm(shape.width, shape.biases)
        self.mlp = MLP(shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.residual_mult * self.attn(self.ln1(x))
        return x + self.residual_mult * self.mlp(self.ln2(x))


class GPT(nn.Module):
    """GPT(shape, multipliers): multipliers as transfer()'s (inputMult, attnScale, residualMult,
    readoutMult); the parameters are left at PyTorch's defaults: call init_() or load_lab_weights()."""

    def __init__(self, shape: GptShape, multipliers: Mapping[str, float]):
        super().__init__()
        self.shape = shape.check("shape")
        self.input_mult = _multiplier(multipliers, "inputMult")
        self.readout_mult = _multiplier(multipliers, "readoutMult")
        attn_scale = _multiplier(multipliers, "attnScale")
        residual_mult = _multiplier(multipliers, "residualMult")
        d = shape.width
        self.tok_emb = nn.Embedding(shape.vocab, d)
        self.pos_emb = nn.Embedding(shape.context, d)
        self.blocks = nn.ModuleList(
            [Block(shape, attn_scale, residual_mult) for _ in range(shape.depth)]
        )
        self.ln_f = LayerNorm(d, shape.biases)
        self.readout = None if shape.tied_readout else nn.Linear(d, shape.vocab, bias=False)

    def forward(self, idx: torch.Tensor, targets: torch.Tensor = None):
        """Logits [B, T, V]; with targets, (logits, mean cross-entropy)."""
        T = idx.shape[1]
        pos = torch.arange(T, device=idx.device)
        x = self.input_mult * (self.tok_emb(idx) + self.pos_emb(pos))
        for block in self.blocks:
            x = block(x)
        h = self.ln_f(x)
        w = self.tok_emb.weight if self.readout is None else self.readout.weight
        logits = F.linear(h, w) * self.readout_mult
        if targets is None:
            return logits
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        return logits, loss

    def lab_parameters(self) -> Dict[str, Tuple[nn.Parameter, bool]]:
        """Lab name -> (parameter, transposed), in the lab's tensor order."""
        params = dict(self.named_parameters())
        out = {}
        for spec in gpt_tensors(self.shape):
            name, transposed = torch_name(spec.name)
            out[spec.name] = (params[name], transposed)
        return out

    @torch.no_grad()
    def load_lab_weights(self, tensors: Mapping[str, "torch.Tensor"]) -> None:
        """Copies tensors in the lab's layout (by lab name, [in, out] matrices) into the model."""
        for lab, (param, transposed) in self.lab_parameters().items():
            if lab not in tensors:
                raise KeyError(f"weights: {lab} missing")
            src = torch.as_tensor(tensors[lab], dtype=param.dtype)
            if transposed:
                src = src.t()
            if tuple(src.shape) != tuple(param.shape):
                raise ValueError(f"weights: {lab} has shape {list(src.shape)}, need {list(param.shape)}")
            param.copy_(src)
