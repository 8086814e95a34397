"""python -m mup_lab.train: train a model of any width/depth with a lab export's hyperparameters.

    python -m mup_lab.train --export mup-lab_mup_base32.json --text corpus.txt --width 1024 \
        --steps 2000 --batch 32 --out run.json
    torchrun --nproc_per_node=8 -m mup_lab.train ...   (DistributedDataParallel)

The lab's data pipeline (character tokenizer, 90/10 split, seeded windows), its init and its
AdamW. Under torchrun the global --batch is split across the processes (NCCL on CUDA, gloo on
CPU); every process draws the same global batch and trains on its own rows, so a K-process run
sees the batches of a 1-process run. Progress goes to stderr, the loss log to --out (JSON).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import torch

from .data import BatchSampler, CharTokenizer, check_tiny_shakespeare, eval_batches, lr_factor, split_tokens
from .device import add_device_arg, device_kind
from .export import ExportError, load_export
from .model import GPT
from .optim import LabAdamW
from .per_tensor import init_, param_groups
from .transfer import transfer


def parse_args(argv=None):
    ap = argparse.ArgumentParser(prog="python -m mup_lab.train", description=__doc__.split("\n\n")[0])
    ap.add_argument("--export", required=True, help="a mup-lab/transfer v1 JSON file")
    ap.add_argument("--text", required=True, help="UTF-8 training text (character tokens)")
    ap.add_argument("--width", type=int, required=True)
    ap.add_argument("--depth", type=int, default=None, help="default: the export's base depth")
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--batch", type=int, required=True, help="global batch (sequences per step)")
    add_device_arg(ap)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--eval-batches", type=int, default=2)
    ap.add_argument("--log-every", type=int, default=10)
    ap.add_argument("--out", default=None, help="write the loss log here (JSON)")
    args = ap.parse_args(argv)
    for name in ("width", "steps", "batch"):
        if getattr(args, name) < 1:
            ap.error(f"--{name} must be a positive integer")
    if args.depth is not None and args.depth < 1:
        ap.error("--depth must be a positive integer")
    return args


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def main(argv=None) -> int:
    args = parse_args(argv)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    kind = device_kind(args.device, "mup_lab.train", log)
    if kind is None:
        return 2
    try:
        exp = load_export(args.export)
    except ExportError as e:
        log(f"mup_lab.train: {e}")
        return 2
    try:
        with open(args.text, "rb") as f:
            raw = f.read()
        # A sweep on Tiny Shakespeare is reproduced only on that exact text.
        data = exp.raw["evidence"]["config"].get("data")
        if isinstance(data, dict) and data.get("kind") == "shakespeare":
            text = check_tiny_shakespeare(raw)
        else:  # newlines as text mode reads them (the lab turns \r\n and \r into \n too)
            text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except (OSError, ValueError) as e:
        log(f"mup_lab.train: --text {args.text}: cannot use it ({e})")
        return 2
    tok = CharTokenizer.from_text(text)
    ids = tok.encode(text)
    base = exp.base.with_(vocab=len(tok.vocab))
    target = base.with_(width=args.width, depth=args.depth or base.depth)
    try:
        target.check("--width/--depth")
        train_ids, val_ids = split_tokens(ids, target.context)
        if args.batch % world != 0:
            raise ValueError(f"--batch {args.batch} is not divisible by the {world} processes")
    except ValueError as e:
        log(f"mup_lab.train: {e}")
        return 2

    if world > 1:
        import torch.distributed as dist

        backend = "nccl" if kind == "cuda" else "gloo"
        dist.init_process_group(backend=backend)
    if kind == "cuda":
        local = int(os.environ.get("LOCAL_RANK", "0"))
        torch.cuda.set_device(local)
        device = torch.device("cuda", local)
    else:
        device = torch.device("cpu")

    result = transfer(exp.hp, exp.parametrization, base, target)
    model = GPT(target, result["multipliers"])
    init_(model, exp.hp, exp.parametrization, base, torch.Generator().manual_seed(args.seed))
    model.to(device)
    opt = LabAdamW(
        param_groups(model, exp.hp, exp.parametrization, base),
        betas=(exp.hp.beta1, exp.hp.beta2),
        clip=exp.hp.clip,
    )
    net = model
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel

        net = DistributedDataParallel(model, device_ids=[device.index] if kind == "cuda" else None)

    n_params = sum(p.numel() for p in model.parameters())
    if rank == 0:
        log(
            f"mup_lab.train: {exp.parametrization} width {target.width} depth {target.depth} "
            f"({n_params:,} parameters) from base width {base.width} depth {base.depth}; "
            f"vocab {target.vocab}, {len(train_ids):,} training tokens; {world} process(es) on {kind}; "
            f"global batch {args.batch} x {target.context}"
        )
    sampler = BatchSampler(train_ids, args.batch, target.context, args.seed, rank, world)
    losses = []
    skipped = 0
    start = time.time()
    for step in range(1, args.steps + 1):
        x, y = sampler.next()
        _, loss = net(x.to(device), y.to(device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        ok = opt.step(lr_scale=lr_factor(exp.schedule, step, args.steps))
        skipped += 0 if ok else 1
        value = loss.detach().float()
        if world > 1:
            torch.distributed.all_reduce(value)
            value = value / world
        losses.append(float(value))
        if rank == 0 and (step % args.log_every == 0 or step == 1 or step == args.steps):
            elapsed = time.time() - start
            tps = step * args.batch * target.context / max(elapsed, 1e-9)
            log(f"step {step}/{args.steps}  loss {losses[-1]:.4f}  {tps:,.0f} tok/s")

    millis = (time.time() - start) * 1000
    val_loss = None
    if args.eval_batches > 0:
        model.eval()
        total = 0.0
        with torch.no_grad():
            for x, y in eval_batches(val_ids, args.batch, target.context, args.eval_batches):
                _, l = model(x.to(device), y.to(device))
                total += float(l) / args.eval_batches
        val_loss = total if math.isfinite(total) else None
    if rank == 0:
        log(f"done: final loss {losses[-1]:.4f}, validation loss {val_loss}, {millis / 1000:.1f} s")
        if args.out:
            run = {
                "format": "mup-lab/pytorch-run",
                "version": 1,
                "parametrization": exp.parametrization,
                "width": target.width,
                "depth": target.depth,
                "vocab": target.vocab,
                "steps": args.steps,
                "batch": args.batch,
                "processes": world,
                "device": kind,
                "seed": args.seed,
                "losses": losses,
                "valLoss": val_loss,
                "skippedSteps": skipped,
                "millis": millis,
            }
            with open(args.out, "w", encoding="utf-8") as f:
                json.dump(run, f, indent=1)
            log(f"wrote {args.out}")
    if world > 1:
        torch.distributed.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
