"""Faults under every Python writer and trainer: an output directory that is missing is refused
before any work; a full disk (RLIMIT_FSIZE) or a kill -9 in the middle of a write leaves the
previous file intact; an interrupted (SIGINT) or killed (-9) train or sweep resumes to exactly
the result of an uninterrupted one, also under a 2-process torchrun; a killed torchrun rank ends
the survivor with one line naming it and the resume command, within the bound.

Models are tiny (width 16, depth 1) and the runs short: the file takes about 45 s of CPU, most of
it in the 27 Python processes it starts, each importing torch."""
import json
import os
import random
import resource
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import torch

from conftest import generated
from mup_lab import sweep, train
from mup_lab.journal import Journal, journal_path, plan_digest
from mup_lab.peers import Watchdog
from mup_lab.signals import REPEAT_S, StopRequest
from test_train import TORCHRUN_WORKAROUND

PYTHON_ROOT = Path(__file__).resolve().parents[1]
ENV = dict(os.environ, PYTHONPATH=str(PYTHON_ROOT), OMP_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1")
TIMINGS = ("millis", "tokensPerSec")


@pytest.fixture
def one_thread():
    """In-process runs use one thread, as the subprocesses (OMP_NUM_THREADS=1) do, so their
    sums are taken in the same order and the losses compare bit for bit."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def start(argv, fsize_limit=None):
    """`python argv` in its own process group, stderr piped; optionally with files limited to
    `fsize_limit` bytes (a full disk: writes past it fail with EFBIG; Python ignores SIGXFSZ)."""

    def limit():
        if fsize_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize_limit, fsize_limit))

    return subprocess.Popen(
        [sys.executable, *argv],
        env=ENV,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=limit,
    )


def finish(p, timeout=120):
    try:
        _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        raise
    return p.returncode, err


def interrupt_when(p, marker, act):
    """Reads p's stderr until a line contains `marker`, then act(); returns (returncode, all of
    stderr, seconds from act() to the process's end)."""
    seen = []
    for line in p.stderr:
        seen.append(line)
        if marker in line:
            break
    else:
        pytest.fail(f"never saw {marker!r}:\n{''.join(seen)[-3000:]}")
    t = time.monotonic()
    act()
    code, rest = finish(p)
    return code, "".join(seen) + rest, time.monotonic() - t


def messages(stderr, prefix):
    """The lines a command printed about itself (not progress, not a launcher's)."""
    return [l for l in stderr.splitlines() if prefix in l]


def resume_args(line, module):
    """The arguments of the `resume with:` command in `line`, after `-m module`."""
    argv = shlex.split(line.split("resume with: ", 1)[1])
    return argv[argv.index(module) + 1 :]


def quiet(stderr):
    for bad in ("Traceback", "BrokenPipeError", "KeyboardInterrupt"):
        assert bad not in stderr, stderr[-3000:]


# ---- train ----------------------------------------------------------------------------------


def train_args(export_path, corpus_path, out, steps, *extra):
    return [
        "--export", str(export_path), "--text", str(corpus_path), "--width", "16", "--depth", "1",
        "--steps", str(steps), "--batch", "4", "--log-every", "1000", "--out", str(out), *extra,
    ]  # fmt: skip


def test_missing_output_directory_is_refused_before_any_work(export_path, corpus_path, tmp_path, capsys):
    missing = tmp_path / "missing" / "dir"
    cases = [
        (train.main, train_args(export_path, corpus_path, missing / "x.json", 5), "--out"),
        (train.main, train_args(export_path, corpus_path, tmp_path / "x.json", 5, "--checkpoint", str(missing / "c.ckpt"), "--checkpoint-every", "2"), "--checkpoint"),
        (sweep.main, ["--plan", str(generated("tiny-plan.json")), "--out", str(missing / "x.json")], "--out"),
        (sweep.main, ["--plan", str(generated("tiny-plan.json")), "--out", str(tmp_path)], "is a directory"),
    ]
    for main, argv, field in cases:
        t = time.monotonic()
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.strip().count("\n") == 0 and field in err, err
        assert "step" not in err and "[1/" not in err  # nothing trained
        assert time.monotonic() - t < 5
    assert not (tmp_path / "missing").exists() and not (tmp_path / "x.json").exists()


def test_train_resumes_to_the_same_losses_after_sigint_and_kill_9(export_path, corpus_path, tmp_path, capsys, one_thread):
    steps = 120
    ref_out = tmp_path / "ref.json"
    assert train.main(train_args(export_path, corpus_path, ref_out, steps)) == 0
    ref = json.loads(ref_out.read_text(encoding="utf-8"))
    capsys.readouterr()

    for how, every, marker in [("sigint", 5, "checkpoint: step 10 "), ("kill", 7, "checkpoint: step 14 ")]:
        out = tmp_path / f"{how}.json"
        argv = train_args(export_path, corpus_path, out, steps, "--checkpoint-every", str(every))
        p = start(["-m", "mup_lab.train", *argv])
        sig = signal.SIGINT if how == "sigint" else signal.SIGKILL
        code, err, _ = interrupt_when(p, marker, lambda: os.kill(p.pid, sig))
        ckpt = tmp_path / f"{how}.json.ckpt"
        assert ckpt.exists() and not out.exists(), err
        if how == "sigint":
            # Stops at the step boundary with a checkpoint of that step: nothing lost.
            assert code == 130, err
            (line,) = messages(err, "mup_lab.train:")[1:]
            assert "interrupted at step" in line and "resume with:" in line, line
            stopped = int(line.split("interrupted at step ")[1].split("/")[0])
            assert f"checkpoint at step {stopped} " in line and stopped < steps
            resume = resume_args(line, "mup_lab.train")
        else:
            assert code == -signal.SIGKILL
            resume = argv + ["--resume"]
        assert resume == argv + ["--resume"]
        assert train.main(resume) == 0
        log = capsys.readouterr().err
        assert "resumed from" in log, log
        run = json.loads(out.read_text(encoding="utf-8"))
        # Bit for bit: every loss, the validation loss and the skipped steps.
        assert run["losses"] == ref["losses"], how
        assert run["valLoss"] == ref["valLoss"] and run["skippedSteps"] == ref["skippedSteps"]


def test_a_checkpoint_of_another_run_is_refused(export_path, corpus_path, tmp_path, capsys):
    out = tmp_path / "a.json"
    assert train.main(train_args(export_path, corpus_path, out, 3, "--checkpoint-every", "2")) == 0
    capsys.readouterr()
    assert train.main(train_args(export_path, corpus_path, out, 4, "--resume")) == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and "another run (steps 3, this run 4)" in err, err
    (tmp_path / "a.json.ckpt").write_bytes(b"PK\x03\x04 not a checkpoint")
    assert train.main(train_args(export_path, corpus_path, out, 3, "--resume")) == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and "not a readable checkpoint" in err, err


def test_full_disk_under_train_keeps_the_previous_files(export_path, corpus_path, tmp_path, capsys):
    out = tmp_path / "run.json"
    assert train.main(train_args(export_path, corpus_path, out, 4, "--checkpoint-every", "2")) == 0
    capsys.readouterr()
    ckpt = tmp_path / "run.json.ckpt"
    before = {f: f.read_bytes() for f in (out, ckpt)}
    assert len(before[out]) > 300 and len(before[ckpt]) > 20000
    # --out: the checkpoint is off, so the first file written is the (larger than 300 bytes) log.
    # The checkpoint: the first one written is larger than 8 kB.
    for extra, limit, victim in [((), 300, out), (("--checkpoint-every", "2"), 8192, ckpt)]:
        p = start(["-m", "mup_lab.train", *train_args(export_path, corpus_path, out, 4, "--seed", "1", *extra)], limit)
        code, err = finish(p)
        assert code == 1, err
        (line,) = messages(err, "mup_lab.train:")[1:]
        assert str(victim) in line and "File too large" in line and "previous file is unchanged" in line, line
        quiet(err)
        assert {f: f.read_bytes() for f in (out, ckpt)} == before
        assert [f.name for f in tmp_path.iterdir() if f.name.startswith(".")] == []  # no temporary left


# ---- torchrun -------------------------------------------------------------------------------


def torchrun(argv):
    # --monitor_interval 1: torchrun notices its workers' end within a second, not five.
    return ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "--monitor_interval", "1", *TORCHRUN_WORKAROUND, "-m", "mup_lab.train", *argv]


def child_pid(parent, file, item):
    """The pid of a child of `parent` whose /proc/PID/`file`, split at NULs, holds `item`."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/{file}", "rb") as f:
                items = f.read().split(b"\0")
        except (OSError, ValueError, IndexError):
            continue
        if ppid == parent and any(item in i for i in items):
            return int(entry)
    pytest.fail(f"no child of {parent} with {item!r} in its {file}")


def rank_pid(agent, rank):
    """The pid of torchrun worker `rank` (a child of the agent with RANK=rank)."""
    return child_pid(agent, "environ", f"RANK={rank}".encode())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds torchrun's workers in /proc")
def test_torchrun_killed_rank_then_ctrl_c_resume_to_the_same_losses(export_path, corpus_path, tmp_path):
    steps, timeout = 80, 10
    ref_out, out = tmp_path / "ref.json", tmp_path / "run.json"
    code, err = finish(start(torchrun(train_args(export_path, corpus_path, ref_out, steps))))
    assert code == 0, err[-3000:]
    ref = json.loads(ref_out.read_text(encoding="utf-8"))
    argv = torchrun(train_args(export_path, corpus_path, out, steps, "--checkpoint-every", "5", "--peer-timeout", str(timeout)))

    # kill -9 of rank 1: rank 0 ends within the bound with one line naming rank 1 and the
    # torchrun command that resumes.
    p = start(argv)
    code, err, took = interrupt_when(p, "checkpoint: step 10 ", lambda: os.kill(rank_pid(p.pid, 1), signal.SIGKILL))
    print(f"\nkilled rank 1: torchrun ended {took:.1f} s later")
    (line,) = messages(err, "mup_lab.train: lost")
    assert "lost rank 1 at step" in line and "checkpoint at step" in line, line
    assert took < timeout + 30
    # The survivor's own output (torchrun prefixes it with its rank) holds no traceback, and
    # gloo's error is nowhere (torchrun's own report of the failure follows; it is torchrun's).
    quiet("\n".join(l for l in err.splitlines() if l.startswith("[default0]:")))
    assert "Connection closed" not in err and "pair.cc" not in err, err[-3000:]
    resume = shlex.split(line.split("resume with: ", 1)[1])
    assert resume[1:] == argv + ["--resume"], line

    # The resumed run gets Ctrl-C (SIGINT to the whole process group): every rank stops at the
    # same step and rank 0 checkpoints it.
    p = start(resume[1:])
    code, err, _ = interrupt_when(p, "checkpoint: step 30 ", lambda: os.killpg(p.pid, signal.SIGINT))
    (line,) = messages(err, "mup_lab.train: interrupted")
    stopped = int(line.split("interrupted at step ")[1].split("/")[0])
    assert f"checkpoint at step {stopped} " in line and stopped < steps, line
    assert resume == shlex.split(line.split("resume with: ", 1)[1])

    code, err = finish(start(resume[1:]))
    assert code == 0, err[-3000:]
    assert json.loads(out.read_text(encoding="utf-8"))["losses"] == ref["losses"]


# ---- sweep ----------------------------------------------------------------------------------


def small_plan(tmp_path, runs, steps):
    plan = json.loads(generated("tiny-plan.json").read_text(encoding="utf-8"))
    plan["runs"] = plan["runs"][:runs]
    plan["train"]["steps"] = steps
    path = tmp_path / f"plan{runs}x{steps}.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    return sweep.load_plan(str(path)), path  # as the sweep reads it (its journal names this)


def without_timings(records):
    return [{k: v for k, v in r.items() if k not in TIMINGS} for r in records]


def test_sweep_resumes_to_the_same_records_after_sigint_and_kill_9(tmp_path, capsys, one_thread):
    # 8 runs, interrupted after the first: 7 left, seconds of margin on a busy machine.
    plan, plan_path = small_plan(tmp_path, 8, 30)
    ref = without_timings(sweep.run_plan(plan, torch.device("cpu")))

    # A worker killed on its own (the OOM killer, say) is also detected, but that case hung once in
    # a full run (a process killed while it holds the result queue's lock can block its readers),
    # so it is not asserted here; see docs/pytorch.md.
    for how in ("sigint", "kill"):
        out = tmp_path / f"{how}.json"
        argv = ["--plan", str(plan_path), "--out", str(out), "--jobs", "2"]
        p = start(["-m", "mup_lab.sweep", *argv])
        if how == "sigint":  # Ctrl-C: the whole process group
            act = lambda: os.killpg(p.pid, signal.SIGINT)  # noqa: E731
        elif how == "kill":  # only the parent: its workers must go too, silently
            act = lambda: os.kill(p.pid, signal.SIGKILL)  # noqa: E731
        else:  # one worker (the OOM killer, say): its run is lost, the parent must not wait for it
            act = lambda: os.kill(child_pid(p.pid, "cmdline", b"spawn_main"), signal.SIGKILL)  # noqa: E731
        # finish() reads stderr to its end, which comes once every worker holding it has exited.
        code, err, took = interrupt_when(p, "[1/8]", act)
        quiet(err)
        assert took < 15, f"{how}: the sweep or its workers lingered {took:.1f} s"
        if how == "kill":
            assert code == -signal.SIGKILL
        else:
            assert code == (130 if how == "sigint" else 1), err
            (line,) = messages(err, "mup_lab.sweep:")
            assert "runs are kept in" in line and resume_args(line, "mup_lab.sweep") == argv + ["--resume"], line
            if how == "worker":
                assert "a worker process died (killed by SIGKILL)" in line, line
        journal = journal_path(str(out))
        assert len(Path(journal).read_text(encoding="utf-8").splitlines()) >= 2  # header + a run
        assert sweep.main(argv[:-2] + ["--resume"]) == 0
        log = capsys.readouterr().err
        assert "resuming:" in log
        assert without_timings(json.loads(out.read_text(encoding="utf-8"))["runs"]) == ref, how
        assert not os.path.exists(journal)  # done: the journal is gone


def test_sweep_journal_tolerates_a_torn_last_line_and_refuses_another_plan(tmp_path, capsys):
    plan, plan_path = small_plan(tmp_path, 2, 3)
    out = tmp_path / "runs.json"
    assert sweep.main(["--plan", str(plan_path), "--out", str(out)]) == 0
    records = json.loads(out.read_text(encoding="utf-8"))["runs"]
    journal = journal_path(str(out))
    j = Journal.create(journal, plan_digest(plan), 2)
    j.append(records[0])
    j.close()
    with open(journal, "ab") as f:
        f.write(json.dumps(records[1]).encode()[:40])  # torn by a crash mid-append
    capsys.readouterr()
    assert sweep.main(["--plan", str(plan_path), "--out", str(out), "--resume"]) == 0
    assert "resuming: 1 of 2" in capsys.readouterr().err
    assert without_timings(json.loads(out.read_text(encoding="utf-8"))["runs"]) == without_timings(records)
    # A leftover journal is neither replaced without --resume nor applied to another plan.
    Journal.create(journal, plan_digest(plan), 2).close()
    assert sweep.main(["--plan", str(plan_path), "--out", str(out)]) == 2
    assert "add --resume" in capsys.readouterr().err
    other, other_path = small_plan(tmp_path, 2, 4)
    assert sweep.main(["--plan", str(other_path), "--out", str(out), "--resume"]) == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and "journal of another plan" in err, err


def test_full_disk_under_sweep_keeps_the_previous_files(tmp_path, capsys):
    plan, plan_path = small_plan(tmp_path, 2, 3)
    out = tmp_path / "runs.json"
    argv = ["--plan", str(plan_path), "--out", str(out), "--resume"]
    assert sweep.main(argv[:-1]) == 0
    previous = out.read_bytes()
    records = json.loads(previous)["runs"]
    journal = Path(journal_path(str(out)))

    # The output: every run is journaled (a sweep whose output could not be written), so the
    # resumed sweep only writes --out; past 100 bytes the disk is full.
    j = Journal.create(str(journal), plan_digest(plan), 2)
    for r in records:
        j.append(r)
    j.close()
    code, err = finish(start(["-m", "mup_lab.sweep", *argv], 100))
    assert code == 1, err
    (line,) = messages(err, "mup_lab.sweep:")
    assert str(out) in line and "File too large" in line and "previous file is unchanged" in line, line
    assert out.read_bytes() == previous and journal.exists()

    # The journal: one run is journaled; the next append finds the disk full 64 bytes later.
    j = Journal.create(str(journal), plan_digest(plan), 2)
    j.append(records[0])
    j.close()
    kept = journal.read_bytes()
    code, err = finish(start(["-m", "mup_lab.sweep", *argv], len(kept) + 64))
    assert code == 1, err
    (line,) = [l for l in messages(err, "mup_lab.sweep:") if "resuming" not in l]
    assert str(journal) in line and "File too large" in line and "keeps the runs before" in line, line
    quiet(err)
    assert journal.read_bytes() == kept and out.read_bytes() == previous
    # With room again, the sweep resumes and ends as before.
    capsys.readouterr()
    assert sweep.main(argv) == 0
    assert without_timings(json.loads(out.read_text(encoding="utf-8"))["runs"]) == without_timings(records)


# ---- the atomic writer itself -----------------------------------------------------------------

_WRITER = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("atomic", sys.argv[1])
atomic = importlib.util.module_from_spec(spec)
spec.loader.exec_module(atomic)
payloads = [bytes([65 + k]) * (8 << 20) for k in range(2)]
atomic.write_bytes(sys.argv[2], payloads[0])
print("ready", flush=True)
k = 1
while True:
    atomic.write_bytes(sys.argv[2], payloads[k])
    k = 1 - k
"""


def test_kill_9_mid_write_leaves_a_whole_file(tmp_path):
    """A process rewriting an 8 MiB file in a loop is killed at random moments: the file is
    always one whole version, and a temporary file left behind shows a kill landed mid-write."""
    module = str(PYTHON_ROOT / "mup_lab" / "atomic.py")
    target = tmp_path / "data.bin"
    rng = random.Random(20)
    leftovers = 0
    for _ in range(6):
        p = subprocess.Popen([sys.executable, "-c", _WRITER, module, str(target)], stdout=subprocess.PIPE, text=True)
        assert p.stdout.readline() == "ready\n"
        time.sleep(rng.uniform(0.0, 0.05))
        p.kill()
        p.wait()
        p.stdout.close()
        data = target.read_bytes()
        assert len(data) == 8 << 20 and data in (b"A" * (8 << 20), b"B" * (8 << 20))
        temps = [f for f in tmp_path.iterdir() if f.name.endswith(".tmp")]
        leftovers += len(temps)
        for f in temps:
            f.unlink()
    assert leftovers >= 1


# ---- the stop request and the watchdog ----------------------------------------------------


def test_stop_request_takes_torchruns_repeat_of_a_ctrl_c_as_one():
    with StopRequest() as stop:
        os.kill(os.getpid(), signal.SIGINT)
        assert stop.requested == "SIGINT"
        os.kill(os.getpid(), signal.SIGTERM)  # torchrun passing the Ctrl-C on
        os.kill(os.getpid(), signal.SIGINT)
        stop._first -= REPEAT_S + 1  # a second Ctrl-C, later, stops at once
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_watchdog_fires_only_when_armed_and_starved():
    fired = threading.Event()
    dog = Watchdog(0.3, fired.set)
    time.sleep(0.5)
    assert not fired.is_set()  # not armed yet (setup, evaluation)
    dog.arm()
    for _ in range(5):
        time.sleep(0.1)
        dog.beat()
    assert not fired.is_set()
    t = time.monotonic()
    assert fired.wait(5) and time.monotonic() - t < 1.5
