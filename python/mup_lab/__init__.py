"""µP Lab's PyTorch side: the lab's GPT, its µP rules and its trainer (see the README section
"Train the big model in PyTorch"). Requires PyTorch >= 1.13; nothing else (python3-jsonschema, when
installed, adds the JSON Schema check of exports and plans: see validate.py)."""
from .export import ExportError, LabExport, load_export, parse_export
from .model import GPT, torch_name
from .optim import LabAdamW, make_optimizer
from .plan import PlanError, load_plan, parse_plan
from .per_tensor import init_, param_groups
from .rules import Hyperparams
from .shapes import GptShape, gpt_tensors
from .text_rule import check_user_text
from .transfer import transfer

__all__ = [
    "ExportError",
    "GPT",
    "GptShape",
    "Hyperparams",
    "LabAdamW",
    "LabExport",
    "PlanError",
    "check_user_text",
    "gpt_tensors",
    "init_",
    "load_export",
    "make_optimizer",
    "load_plan",
    "param_groups",
    "parse_export",
    "parse_plan",
    "torch_name",
    "transfer",
]
