"""python -m mup_lab.sweep: train a lab sweep's runs in PyTorch.

    mup-lab plan --preset quick --out plan.json        (the lab's CLI writes the plan)
    python -m mup_lab.sweep --plan plan.json --out runs.json [--device cuda]

Each run is the lab's run: the plan spells out its hyperparameters, shapes and text; its init
(init_ with lab_seed) and batches come from its seed through the lab's generator; the trainer's
rules are the lab's (src/train/trainer.ts): a run diverges at the first step whose loss is
non-finite or above the plan's bound or whose gradients are non-finite, and stops there; its final
loss is the mean of the last `finalLossWindow` losses; the validation loss is the mean over the
plan's evaluation batches. runs.json holds the lab's run records (src/sweep/types.ts RunRecord,
non-finite values as null). Progress and each width's best grid point go to stderr.
"""
from __future__ import annotations

import json
import math
import signal
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Sequence

import torch

from .args import ArgParser, int_in
from .atomic import OutputError, check_writable, write_json
from .data import BatchSampler, CharTokenizer, eval_batches, lr_factor, split_tokens
from .device import add_device_arg, device_kind
from .model import GPT
from .optim import make_optimizer
from .per_tensor import init_
from .plan import PLAN_FORMAT, PLAN_VERSION, PlanError, load_plan  # noqa: F401 (re-exported)
from .resources import fit_problem, run_memory
from .rules import Hyperparams
from .journal import Journal, JournalError, journal_path, open_journal
from .shapes import GptShape
from .signals import die_with_parent, resume_command, sigterm_interrupts
from .transfer import transfer

def train_run(run: Dict[str, Any], plan: Dict[str, Any], tokens, device: torch.device) -> Dict[str, Any]:
    """One planned run, trained as the lab trains it; returns its run record."""
    train_cfg = plan["train"]
    train_ids, val_ids = tokens
    hp = Hyperparams.from_json(run["hyperparameters"])
    base = GptShape.from_export(run["base"], "base")
    target = GptShape.from_export(run["target"], "target")
    p = run["parametrization"]
    model = GPT(target, transfer(hp, p, base, target)["multipliers"])
    init_(model, hp, p, base, lab_seed=run["seed"])
    model.to(device)
    opt = make_optimizer(model, hp, p, base)
    steps, batch = train_cfg["steps"], train_cfg["batch"]
    sampler = BatchSampler(train_ids, batch, target.context, run["seed"])
    bound = train_cfg["divergenceBound"]
    losses: List[float] = []
    diverged_at: Optional[int] = None
    start = time.time()
    for step in range(1, steps + 1):
        x, y = sampler.next()
        _, loss = model(x.to(device), y.to(device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        updated = opt.step(lr_scale=lr_factor(train_cfg["schedule"], step, steps))
        value = float(loss.detach().float())
        if not updated or not math.isfinite(value) or value > bound:
            diverged_at = step
            break
        losses.append(value)
    millis = (time.time() - start) * 1000
    diverged = diverged_at is not None
    window = losses[-train_cfg["finalLossWindow"] :]
    val_loss = None
    if not diverged and train_cfg["evalBatches"] > 0:
        model.eval()
        with torch.no_grad():
            batches = eval_batches(val_ids, batch, target.context, train_cfg["evalBatches"])
            total = sum(float(model(x.to(device), y.to(device))[1]) for x, y in batches) / len(batches)
        val_loss = total if math.isfinite(total) else None
    return {
        **{k: run[k] for k in ("id", "parametrization", "width", "depth", "seed", "log2Hp")},
        "finalLoss": None if diverged else sum(window) / len(window),
        "diverged": diverged,
        "divergedAtStep": diverged_at,
        "losses": losses,
        "valLoss": val_loss,
        "tokensPerSec": len(losses) * batch * target.context / max(millis / 1000, 1e-9),
        "millis": millis,
    }


# The loss the optima are read on, as the lab's `--metric` (src/analysis/metric.ts): the held-out
# validation loss (the lab's default) or the final training loss.
METRICS = {"val": "valLoss", "train": "finalLoss"}
METRIC_LABELS = {"val": "validation loss", "train": "final training loss"}


def best_points(records: Sequence[Dict[str, Any]], axis: str = "width", metric: str = "val") -> List[Dict[str, Any]]:
    """Per parametrization and width (or depth): the grid point with the lowest mean loss (the
    metric's: validation by default, as the lab) over the seeds that did not diverge, and whether
    it lies on the grid's edge (the lab's analysis, src/analysis/analysis.ts fitCurve, takes the
    same point)."""
    key = METRICS[metric]
    out = []
    for p in sorted({r["parametrization"] for r in records}):
        mine = [r for r in records if r["parametrization"] == p]
        for scaled in sorted({r[axis] for r in mine}):
            runs = [r for r in mine if r[axis] == scaled]
            grid = sorted({r["log2Hp"] for r in runs})
            curve = []
            for g in grid:
                ok = [r[key] for r in runs if r["log2Hp"] == g and not r["diverged"] and r.get(key) is not None]
                curve.append(sum(ok) / len(ok) if ok else math.inf)
            best = min(range(len(grid)), key=lambda i: curve[i])
            out.append(
                {
                    "parametrization": p,
                    axis: scaled,
                    "log2Hp": grid[best],
                    "loss": curve[best],
                    "atEdge": best in (0, len(grid) - 1) or not math.isfinite(curve[best]),
                    "grid": grid,
                    "curve": curve,
                }
            )
    return out


def _tokens(plan: Dict[str, Any]):
    """The plan's text as the lab's train/validation token ids (checks the vocabulary)."""
    text = plan["text"]
    vocab = plan["runs"][0]["base"]["vocab"]
    if len(set(text)) != vocab:
        raise PlanError(f"text: {len(set(text))} distinct characters, but the plan's vocab is {vocab}")
    ids = CharTokenizer.from_text(text).encode(text)
    return split_tokens(ids, plan["runs"][0]["target"]["context"])


class WorkerLost(RuntimeError):
    """A --jobs worker process ended in the middle of the sweep."""

    def __init__(self, exitcode: int):
        if exitcode >= 0:
            how = f"exit status {exitcode}"
        else:
            try:
                how = f"killed by {signal.Signals(-exitcode).name}"
            except ValueError:
                how = f"killed by signal {-exitcode}"
        super().__init__(f"a worker process died ({how})")


def plan_fit_problem(plan: Dict[str, Any], kind: str, jobs: int = 1) -> Optional[str]:
    """None when the plan's largest run fits in memory (jobs of them at once on the CPU); else
    why not, naming the run and the largest width that fits."""
    train_cfg = plan["train"]
    sharing = min(jobs, len(plan["runs"])) if kind == "cpu" else 1
    need = []
    for i, run in enumerate(plan["runs"]):
        target = GptShape.from_export(run["target"], f"runs[{i}].target")
        need.append((run_memory(target, train_cfg["batch"], 1, train_cfg["evalBatches"]).total, i, target))
    _, i, target = max(need, key=lambda n: n[0])
    problem = fit_problem(target, train_cfg["batch"], kind, sharing=sharing, eval_batches=train_cfg["evalBatches"])
    return None if problem is None else f"runs[{i}] ({plan['runs'][i]['id']}): {problem}"


_worker: Dict[str, Any] = {}


def _start_worker(plan: Dict[str, Any]) -> None:
    # One thread per process: small models gain nothing from intra-op threads, so processes
    # are the way to use the cores.
    torch.set_num_threads(1)
    die_with_parent()
    _worker.update(plan=plan, tokens=_tokens(plan))


def _train_in_worker(run: Dict[str, Any]) -> Dict[str, Any]:
    return train_run(run, _worker["plan"], _worker["tokens"], torch.device("cpu"))


def run_plan(
    plan: Dict[str, Any],
    device: torch.device,
    log=lambda m: None,
    jobs: int = 1,
    done: Optional[Dict[str, Dict[str, Any]]] = None,
    on_record: Optional[Callable[[Dict[str, Any]], None]] = None,
) -> List[Dict[str, Any]]:
    """Every run of the plan, in its order; `jobs` > 1 trains runs in that many CPU processes.
    `done` holds records already trained (by id, from a journal): those runs are not trained
    again. `on_record` sees each newly finished record as soon as it is finished."""
    runs = plan["runs"]
    if not runs:
        return []
    finished: Dict[str, Dict[str, Any]] = dict(done or {})
    todo = [r for r in runs if r["id"] not in finished]
    if finished:
        log(f"resuming: {len(finished)} of {len(runs)} runs already done")

    def record(r: Dict[str, Any]) -> None:
        if on_record is not None:
            on_record(r)
        finished[r["id"]] = r
        result = f"diverged at step {r['divergedAtStep']}" if r["diverged"] else f"final loss {r['finalLoss']:.4f}"
        log(f"[{len(finished)}/{len(runs)}] {r['id']}: {result} ({r['millis'] / 1000:.1f} s)")

    if todo and jobs > 1 and device.type == "cpu":
        import multiprocessing

        # spawn, not fork: a forked child inherits torch's thread pools in whatever state they are.
        # The workers start with SIGINT ignored (inherited through exec, kept by Python), so a
        # Ctrl-C reaches only this process, which terminates them: no KeyboardInterrupt traceback
        # from a worker, even one still importing torch.
        before = {w.pid for w in multiprocessing.active_children()}
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            pool = multiprocessing.get_context("spawn").Pool(min(jobs, len(todo)), _start_worker, (plan,))
        finally:
            signal.signal(signal.SIGINT, previous)
        with pool:
            workers = [w for w in multiprocessing.active_children() if w.pid not in before]
            results = pool.imap_unordered(_train_in_worker, todo)
            for _ in todo:
                # A worker killed on its own (OOM killer, kill -9) takes its run with it and
                # the pool would wait for that run forever: look every second.
                while True:
                    try:
                        r = results.next(timeout=1.0)
                        break
                    except multiprocessing.TimeoutError:
                        dead = [w.exitcode for w in workers if w.exitcode is not None]
                        if dead:
                            raise WorkerLost(dead[0])
                record(r)
    elif todo:
        tokens = _tokens(plan)
        for run in todo:
            record(train_run(run, plan, tokens, device))
    return [finished[r["id"]] for r in runs]


def main(argv=None) -> int:
    ap = ArgParser(prog="python -m mup_lab.sweep", description=__doc__.split("\n\n")[0])
    ap.add_argument("--plan", required=True, help="a `mup-lab plan` JSON file")
    ap.add_argument("--out", default=None, help="write the run records here (JSON); finished runs are journaled in OUT.journal until then")
    add_device_arg(ap)
    ap.add_argument("--jobs", type=int_in(1, 1024), default=1, help="CPU only: train runs in this many processes")
    ap.add_argument("--resume", action="store_true", help="continue an interrupted sweep: train only the runs OUT.journal lacks")
    ap.add_argument("--metric", choices=sorted(METRICS), default="val", help="the loss the printed optima are read on (default: val, as the lab)")
    args = ap.parse_args(argv)
    if args.resume and not args.out:
        ap.error("--resume needs --out (the journal is OUT.journal)")

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    kind = device_kind(args.device, "mup_lab.sweep", log)
    if kind is None:
        return 2
    journal: Optional[Journal] = None
    try:
        if args.out:
            check_writable(args.out, "--out")
        plan = load_plan(args.plan)
    except (PlanError, OutputError) as e:
        log(f"mup_lab.sweep: {e}")
        return 2
    problem = plan_fit_problem(plan, kind, args.jobs)
    if problem is not None:
        log(f"mup_lab.sweep: {args.plan}: {problem}")
        return 2
    done: Dict[str, Dict[str, Any]] = {}
    try:
        if args.out:
            journal, done = open_journal(args.out, plan, args.resume, log)
    except (JournalError, OutputError) as e:
        log(f"mup_lab.sweep: {e}")
        return 2
    kept = dict(done)

    def keep(record: Dict[str, Any]) -> None:
        if journal is not None:
            journal.append(record)
        kept[record["id"]] = record

    restore_sigterm = sigterm_interrupts()
    try:
        records = run_plan(plan, torch.device(kind), log, args.jobs, done, keep)
    except KeyboardInterrupt:
        if journal is None:
            log("mup_lab.sweep: interrupted; nothing was kept (with --out, finished runs are journaled for --resume)")
        else:
            args_list = list(sys.argv[1:] if argv is None else argv)
            log(
                f"mup_lab.sweep: interrupted; {len(kept)} of {len(plan['runs'])} runs are kept in {journal.path}; "
                f"resume with: {resume_command('mup_lab.sweep', args_list)}"
            )
        return 130
    except OutputError as e:
        log(f"mup_lab.sweep: {e}")
        return 1
    except WorkerLost as e:
        args_list = list(sys.argv[1:] if argv is None else argv)
        kept_in = f"are kept in {journal.path}; resume with: {resume_command('mup_lab.sweep', args_list)}" if journal else "are lost (with --out they are journaled)"
        log(f"mup_lab.sweep: {e}; {len(kept)} of {len(plan['runs'])} finished runs {kept_in}")
        return 1
    except (PlanError, ValueError) as e:
        log(f"mup_lab.sweep: {e}")
        return 2
    finally:
        restore_sigterm()
        if journal is not None:
            journal.close()
    axis = plan.get("config", {}).get("axis", "width")
    log(f"optima on the {METRIC_LABELS[args.metric]} (--metric {args.metric}):")
    for b in best_points(records, axis, args.metric):
        edge = " (grid edge: widen the range)" if b["atEdge"] else ""
        log(f"{b['parametrization']} {axis} {b[axis]}: best log2 {plan.get('sweptHp', 'lr')} {b['log2Hp']}, loss {b['loss']:.4f}{edge}")
    if args.out:
        try:
            write_json(args.out, {"format": "mup-lab/pytorch-sweep", "version": 1, "device": kind, "runs": records})
        except OutputError as e:
            log(f"mup_lab.sweep: {e}; the runs are kept in {journal_path(args.out)} (--resume writes it)")
            return 1
        if journal is not None:
            journal.remove()
        log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
