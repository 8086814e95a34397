"""The GPT's shape and its parameter tensors: a port of src/mup/shapes.ts (gptTensors).

Lab layout: matrices are [in, out] (y = x · W); embeddings [rows, d]. PyTorch's nn.Linear stores
[out, in]; model.py handles the transpose (see TORCH_NAMES there).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Dict, List, Mapping, Optional, Tuple

DEFAULT_MLP_RATIO = 4


@dataclass(frozen=True)
class GptShape:
    """src/mup/shapes.ts GptShape: exactly one of `heads` and `head_size` is fixed."""

    width: int
    depth: int
    context: int
    vocab: int
    tied_readout: bool
    biases: bool
    heads: Optional[int] = None
    head_size: Optional[int] = None
    mlp_ratio: float = DEFAULT_MLP_RATIO

    @property
    def head_size_of(self) -> int:
        if self.head_size is not None:
            return self.head_size
        if self.heads is None:
            raise ValueError("GptShape needs heads or head_size")
        return self.width // self.heads

    @property
    def heads_of(self) -> int:
        if self.heads is not None:
            return self.heads
        if self.head_size is None:
            raise ValueError("GptShape needs heads or head_size")
        return self.width // self.head_size

    @property
    def mlp_width(self) -> int:
        return int(round(self.mlp_ratio * self.width))

    def with_(self, **changes: Any) -> "GptShape":
        return replace(self, **changes)

    def check(self, where: str = "shape") -> "GptShape":
        """Raises a one-line error naming the field when the shape is not a valid GPT."""
        for name in ("width", "depth", "context", "vocab"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{where}.{name}: must be a positive integer (got {v!r})")
        if (self.heads is None) == (self.head_size is None):
            raise ValueError(f"{where}.heads: give exactly one of heads and headSize")
        if self.heads is not None and self.width % self.heads != 0:
            raise ValueError(f"{where}.heads: width {self.width} is not divisible by {self.heads}")
        if self.head_size is not None and self.width % self.head_size != 0:
            raise ValueError(
                f"{where}.headSize: width {self.width} is not divisible by {self.head_size}"
            )
        if not (self.mlp_ratio > 0) or abs(self.mlp_ratio * self.width - self.mlp_width) > 1e-9:
            raise ValueError(f"{where}.mlpRatio: {self.mlp_ratio} × width is not an integer")
        for name in ("tied_readout", "biases"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{where}.{name}: must be a boolean")
        return self

    @staticmethod
    def from_export(s: Mapping[str, Any], where: str) -> "GptShape":
        """From an export's shape object ({width, depth, heads, headSize, fixed, ...})."""
        from .validate import boolean, int_in, number_in, one_of

        if not isinstance(s, Mapping):
            raise ValueError(f"{where}: must be an object")
        need = ("width", "depth", "heads", "headSize", "fixed", "mlpRatio", "vocab", "context")
        for key in need + ("tiedReadout", "biases"):
            if key not in s:
                raise ValueError(f"{where}.{key}: missing")
        one_of(s["fixed"], [where, "fixed"], ("heads", "headSize"))
        # The types and the bounds of src/exchange/exportShapes.ts (IMPORT_LIMITS), before any
        # arithmetic on them.
        limits = {"width": 1 << 20, "depth": 4096, "heads": 1 << 20, "headSize": 1 << 20}
        limits.update(vocab=1 << 24, context=1 << 20)
        ints = {key: int_in(s[key], [where, key], 1, hi) for key, hi in limits.items()}
        number_in(s["mlpRatio"], [where, "mlpRatio"], 0, 64, lo_open=True)
        boolean(s["tiedReadout"], [where, "tiedReadout"])
        boolean(s["biases"], [where, "biases"])
        if ints["heads"] * ints["headSize"] != ints["width"]:
            raise ValueError(
                f"{where}.heads: heads × headSize ({ints['heads']} × {ints['headSize']}) must equal "
                f"the width {ints['width']}"
            )
        s = {**s, **ints}
        shape = GptShape(
            width=s["width"],
            depth=s["depth"],
            context=s["context"],
            vocab=s["vocab"],
            tied_readout=s["tiedReadout"],
            biases=s["biases"],
            heads=s["heads"] if s["fixed"] == "heads" else None,
            head_size=s["headSize"] if s["fixed"] == "headSize" else None,
            mlp_ratio=s["mlpRatio"],
        )
        return shape.check(where)


@dataclass(frozen=True)
class TensorSpec:
    name: str
    shape: Tuple[int, ...]
    role: str
    kind: str
    fan_in: int
    fan_out: int
    block: Optional[int]
    query_columns: Optional[Tuple[int, int]] = None
    tied_readout: bool = False


def gpt_tensors(shape: GptShape) -> List[TensorSpec]:
    """Every parameter tensor in the lab's order (src/mup/shapes.ts gptTensors)."""
    d = shape.width
    h = shape.mlp_width
    out: List[TensorSpec] = []

    def matrix(name, fan_in, fan_out, role, block, **extra):
        out.append(TensorSpec(name, (fan_in, fan_out), role, "matrix", fan_in, fan_out, block, **extra))

    def vector(name, n, kind, block):
        out.append(TensorSpec(name, (n,), "vector", kind, 1, n, block))

    def layer_norm(prefix, block):
        vector(f"{prefix}.gain", d, "gain", block)
        if shape.biases:
            vector(f"{prefix}.bias", d, "bias", block)

    matrix("tok_emb", shape.vocab, d, "embedding", None, tied_readout=shape.tied_readout)
    matrix("pos_emb", shape.context, d, "position", None)
    for b in range(shape.depth):
        p = f"blocks.{b}"
        layer_norm(f"{p}.ln1", b)
        matrix(f"{p}.attn.qkv", d, 3 * d, "hidden", b, query_columns=(0, d))
        if shape.biases:
            vector(f"{p}.attn.qkv_bias", 3 * d, "bias", b)
        matrix(f"{p}.attn.out", d, d, "hidden", b)
        if shape.biases:
            vector(f"{p}.attn.out_bias", d, "bias", b)
        layer_norm(f"{p}.ln2", b)
        matrix(f"{p}.mlp.in", d, h, "hidden", b)
        if shape.biases:
            vector(f"{p}.mlp.in_bias", h, "bias", b)
        matrix(f"{p}.mlp.out", h, d, "hidden", b)
        if shape.biases:
            vector(f"{p}.mlp.out_bias", d, "bias", b)
    layer_norm("ln_f", None)
    if not shape.tied_readout:
        matrix("readout", d, shape.vocab, "readout", None)
    return out


def shape_to_json(shape: GptShape) -> Dict[str, Any]:
    return {
        "width": shape.width,
        "depth": shape.depth,
        "heads": shape.heads_of,
        "headSize": shape.head_size_of,
        "fixed": "heads" if shape.heads is not None else "headSize",
        "mlpRatio": shape.mlp_ratio,
        "vocab": shape.vocab,
        "context": shape.context,
        "tiedReadout": shape.tied_readout,
        "biases": shape.biases,
    }
