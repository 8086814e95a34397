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

import datetime
import math
import os
import sys
import time
from typing import List

import torch

from .args import ArgParser, int_in
from .atomic import OutputError, check_writable, write_json
from .checkpoint import (
    CheckpointError,
    file_digest,
    load_checkpoint,
    losses_of,
    millis_of,
    restore,
    save_checkpoint,
)
from .data import BatchSampler, CharTokenizer, check_tiny_shakespeare, eval_batches, lr_factor, split_tokens
from .device import add_device_arg, device_kind
from .export import ExportError, load_export
from .model import GPT
from .optim import make_optimizer
from .peers import Watchdog, exit_now, is_peer_error, lost_peer, peer_reason
from .per_tensor import init_
from .resources import fit_problem
from .signals import StopRequest, resume_command
from .text_rule import read_user_text
from .transfer import transfer


def parse_args(argv=None):
    ap = ArgParser(prog="python -m mup_lab.train", description=__doc__.split("\n\n")[0])
    ap.add_argument("--export", required=True, help="a mup-lab/transfer v1 JSON file")
    ap.add_argument("--text", required=True, help="UTF-8 training text (character tokens)")
    ap.add_argument("--width", type=int_in(1), required=True)
    ap.add_argument("--depth", type=int_in(1), default=None, help="default: the export's base depth")
    ap.add_argument("--steps", type=int_in(1, 10**9), required=True)
    ap.add_argument("--batch", type=int_in(1), required=True, help="global batch (sequences per step)")
    add_device_arg(ap)
    ap.add_argument("--seed", type=int_in(0, 2**53 - 1), default=0)
    ap.add_argument("--eval-batches", type=int_in(0, 1000), default=2)
    ap.add_argument("--log-every", type=int_in(1), default=10)
    ap.add_argument("--out", default=None, help="write the loss log here (JSON)")
    ap.add_argument("--checkpoint", default=None, help="checkpoint file (default: OUT.ckpt)")
    ap.add_argument("--checkpoint-every", type=int_in(0), default=0, metavar="N", help="write a checkpoint every N steps, at the last step and when interrupted (0: never)")
    ap.add_argument("--resume", action="store_true", help="continue from the checkpoint (from step 1 if there is none yet)")
    ap.add_argument("--peer-timeout", type=float, default=300.0, metavar="S", help="torchrun: give up on a peer that has not answered for S seconds")
    args = ap.parse_args(argv)
    if not (args.peer_timeout > 0 and math.isfinite(args.peer_timeout)):
        ap.error("--peer-timeout must be a positive number of seconds")
    if args.checkpoint is None and args.out is not None:
        args.checkpoint = args.out + ".ckpt"
    if (args.checkpoint_every or args.resume) and args.checkpoint is None:
        ap.error("--checkpoint-every and --resume need --checkpoint or --out (the checkpoint is OUT.ckpt)")
    return args


# The lab's final loss: the mean of the last FINAL_LOSS_WINDOW steps (src/train/trainer.ts).
FINAL_LOSS_WINDOW = 10


def loss_summary(losses, val_loss) -> str:
    """The losses as the lab reports them, to 4 significant digits: the final loss (window mean),
    the last step's, and the validation loss."""
    window = losses[-FINAL_LOSS_WINDOW:]
    final = sum(window) / len(window)
    val = "n/a" if val_loss is None else f"{val_loss:#.4g}"
    return (
        f"final loss {final:#.4g} (mean of the last {len(window)} steps), "
        f"last step {losses[-1]:#.4g}, validation loss {val}"
    )


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def main(argv=None) -> int:
    args = parse_args(argv)
    argv_list = list(sys.argv[1:] if argv is None else argv)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    kind = device_kind(args.device, "mup_lab.train", log)
    if kind is None:
        return 2
    checkpointing = args.checkpoint_every > 0 or args.resume
    try:
        # Before any work: a run must not train for hours and then find it cannot write.
        if rank == 0 and args.out:
            check_writable(args.out, "--out")
        if rank == 0 and checkpointing:
            check_writable(args.checkpoint, "--checkpoint")
    except OutputError as e:
        log(f"mup_lab.train: {e}")
        return 2
    try:
        exp = load_export(args.export)
    except ExportError as e:
        log(f"mup_lab.train: {e}")
        return 2
    try:
        checked = read_user_text(args.text, exp.base.context)
    except OSError as e:
        log(f"mup_lab.train: --text {args.text}: cannot read ({e.strerror or e})")
        return 2
    if not checked.ok:
        log(f"mup_lab.train: --text {args.text}: {checked.message}")
        return 2
    text = checked.text
    data = exp.raw["evidence"]["config"].get("data")
    if isinstance(data, dict) and data.get("kind") == "shakespeare":
        # A sweep on Tiny Shakespeare is reproduced only on that exact text.
        try:
            check_tiny_shakespeare(text.encode("utf-8"))
        except ValueError as e:
            log(f"mup_lab.train: --text {args.text}: {e}")
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
    # Before anything is allocated: CPU processes of one machine share its memory.
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", str(world)))
    problem = fit_problem(
        target,
        args.batch // world,
        kind,
        processes=world,
        sharing=local_world if kind == "cpu" else 1,
        eval_batches=args.eval_batches,
        device_index=int(os.environ.get("LOCAL_RANK", "0")),
    )
    if problem is not None:
        log(f"mup_lab.train: --width {args.width}: {problem}")
        return 2
    # What a checkpoint must match to be resumed by this run.
    run_id = {
        "export": file_digest(args.export),
        "text": file_digest(args.text),
        "width": target.width,
        "depth": target.depth,
        "steps": args.steps,
        "batch": args.batch,
        "seed": args.seed,
    }
    resumed = None
    if args.resume:
        if os.path.exists(args.checkpoint):
            try:
                resumed = load_checkpoint(args.checkpoint, run_id)
            except CheckpointError as e:
                log(f"mup_lab.train: {e}")
                return 2
        elif rank == 0:
            log(f"mup_lab.train: no checkpoint at {args.checkpoint} yet: starting at step 1")

    if world > 1:
        import torch.distributed as dist

        backend = "nccl" if kind == "cuda" else "gloo"
        dist.init_process_group(backend=backend, timeout=datetime.timedelta(seconds=args.peer_timeout))
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
    opt = make_optimizer(model, exp.hp, exp.parametrization, base)
    sampler = BatchSampler(train_ids, args.batch, target.context, args.seed, rank, world)
    losses: List[float] = []
    skipped = 0
    millis_before = 0.0
    first = 1
    if resumed is not None:
        try:
            restore(resumed, model, opt, sampler)
            losses, skipped, millis_before = losses_of(resumed), resumed["skippedSteps"], millis_of(resumed)
        except (CheckpointError, KeyError, TypeError, ValueError, RuntimeError) as e:
            # A checkpoint of this run (its digest matched) that is damaged inside.
            first_line = (str(e).splitlines() or [""])[0][:120]
            log(f"mup_lab.train: {args.checkpoint}: not a usable checkpoint ({type(e).__name__}: {first_line})")
            return 2
        first = resumed["step"] + 1
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
        if resumed is not None:
            log(f"resumed from {args.checkpoint} at step {resumed['step']}/{args.steps}")

    saved_step = resumed["step"] if resumed is not None else None
    resume_cmd = resume_command("mup_lab.train", argv_list)

    def where_to_resume() -> str:
        if not checkpointing:
            return "no checkpoint (--checkpoint-every N keeps one)"
        if saved_step is None:
            return f"no checkpoint yet; resume with: {resume_cmd}"
        if rank != 0:  # rank 0 writes; it may have died mid-write, leaving the one before
            return f"the last checkpoint is in {args.checkpoint}; resume with: {resume_cmd}"
        return f"checkpoint at step {saved_step} in {args.checkpoint}; resume with: {resume_cmd}"

    def save(step: int) -> None:
        nonlocal saved_step
        if rank == 0:
            elapsed = millis_before + (time.time() - start) * 1000
            save_checkpoint(args.checkpoint, run_id, step, model, opt, sampler, losses, skipped, elapsed)
            log(f"checkpoint: step {step} -> {args.checkpoint}")
        saved_step = step

    def fail(message: str, code: int) -> int:
        if world > 1:
            exit_now(message, code)  # the process group may be in any state: do not unwind it
        if message:
            log(message)
        return code

    watchdog = None
    if world > 1:
        limit = args.peer_timeout + 30

        def expire() -> None:
            exit_now(
                f"mup_lab.train: lost {lost_peer(rank, world)}: no step finished in {limit:g} s; {where_to_resume()}",
                3,
            )

        watchdog = Watchdog(limit, expire)
    start = time.time()
    step = first - 1
    try:
        with StopRequest() as stop:
            if watchdog is not None:
                watchdog.arm()
            for step in range(first, args.steps + 1):
                x, y = sampler.next()
                _, loss = net(x.to(device), y.to(device))
                opt.zero_grad(set_to_none=True)
                loss.backward()
                ok = opt.step(lr_scale=lr_factor(exp.schedule, step, args.steps))
                skipped += 0 if ok else 1
                value = loss.detach().float()
                # A stop asked for during the last step changes nothing: the run ends anyway.
                stopping = stop.requested is not None and step < args.steps
                if world > 1:
                    # Every process stops at the same step: the stop request travels with the loss.
                    both = torch.stack([value, torch.tensor(float(stopping), device=value.device)])
                    torch.distributed.all_reduce(both)
                    value, stopping = both[0] / world, bool(both[1] > 0)
                losses.append(float(value))
                if watchdog is not None:
                    watchdog.beat()
                if rank == 0 and (step % args.log_every == 0 or step == 1 or step == args.steps):
                    elapsed = time.time() - start
                    tps = (step - first + 1) * args.batch * target.context / max(elapsed, 1e-9)
                    log(f"step {step}/{args.steps}  loss {losses[-1]:.4f}  {tps:,.0f} tok/s")
                if args.checkpoint_every and (stopping or step % args.checkpoint_every == 0 or step == args.steps):
                    save(step)
                if stopping:
                    if world > 1:
                        torch.distributed.barrier()  # the checkpoint is written before anyone exits
                    if rank == 0:
                        log(f"mup_lab.train: interrupted at step {step}/{args.steps}; {where_to_resume()}")
                    if world > 1:
                        torch.distributed.destroy_process_group()
                    return 130
            if watchdog is not None:
                watchdog.disarm()
    except KeyboardInterrupt:
        # A second Ctrl-C: stop now, without a checkpoint of this step.
        return fail(f"mup_lab.train: interrupted at step {step}/{args.steps}; {where_to_resume()}" if rank == 0 else "", 130)
    except OutputError as e:
        return fail(f"mup_lab.train: {e}; {where_to_resume()}", 1)
    except RuntimeError as e:
        if world == 1 or not is_peer_error(e):
            raise
        exit_now(
            f"mup_lab.train: lost {lost_peer(rank, world)} at step {step}/{args.steps} "
            f"({peer_reason(e, args.peer_timeout)}); {where_to_resume()}",
            3,
        )

    millis = millis_before + (time.time() - start) * 1000
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
        log(f"done: {loss_summary(losses, val_loss)}, {millis / 1000:.1f} s")
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
            try:
                write_json(args.out, run, indent=1)
            except OutputError as e:
                log(f"mup_lab.train: {e}")
                return 1
            log(f"wrote {args.out}")
    if world > 1:
        torch.distributed.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
