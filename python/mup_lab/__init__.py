"""µP Lab's PyTorch side: the lab's GPT, its µP rules and its trainer (see the README section
"Train the big model in PyTorch"). Requires PyTorch >= 1.13; nothing else."""
from .export import ExportError, LabExport, load_export, parse_export
from .model import GPT, torch_name
from .optim import LabAdamW, LabSGD, make_optimizer
from .per_tensor import init_, param_groups
from .rules import Hyperparams
from .shapes import GptShape, gpt_tensors
from .transfer import transfer

__all__ = [
    "ExportError",
    "GPT",
    "GptShape",
    "Hyperparams",
    "LabAdamW",
    "LabExport",
    "LabSGD",
    "gpt_tensors",
    "init_",
    "load_export",
    "make_optimizer",
    "param_groups",
    "parse_export",
    "torch_name",
    "transfer",
]
