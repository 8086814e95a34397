"""GPT's parameters map one to one onto the lab's tensors; init_() and param_groups() carry
transfer()'s per-tensor values (the golden tables pin transfer() itself)."""
import pytest
import torch

from mup_lab import GPT, GptShape, Hyperparams, LabAdamW, init_, param_groups, torch_name, transfer
from mup_lab.shapes import gpt_tensors

BASE = GptShape(width=32, depth=1, context=16, vocab=40, tied_readout=False, biases=True, heads=4)


@pytest.mark.parametrize("tied,biases", [(False, True), (True, False)])
def test_every_parameter_is_a_lab_tensor_once(tied, biases):
    shape = BASE.with_(width=64, depth=3, tied_readout=tied, biases=biases)
    model = GPT(shape, transfer(Hyperparams(), "mup", BASE, shape)["multipliers"])
    lab = gpt_tensors(shape)
    mapped = {torch_name(t.name)[0]: t for t in lab}
    params = dict(model.named_parameters())
    assert set(mapped) == set(params)
    for name, t in mapped.items():
        want = tuple(reversed(t.shape)) if torch_name(t.name)[1] else tuple(t.shape)
        assert tuple(params[name].shape) == want, name
    with pytest.raises(KeyError):
        torch_name("blocks.0.mlp.gate")


@pytest.mark.parametrize("p", ["sp", "mup"])
def test_init_and_groups_follow_transfer(p):
    hp = Hyperparams(lr=0.01, init_std=0.05, weight_decay=0.1, zero_query=True, depth_alpha=0.5)
    shape = BASE.with_(width=256, depth=2)
    r = transfer(hp, p, BASE, shape)
    model = GPT(shape, r["multipliers"])
    init_(model, hp, p, BASE, torch.Generator().manual_seed(1))
    params = model.lab_parameters()
    for t in r["tensors"]:
        w, transposed = params[t["name"]]
        w = w.detach().double()
        if t["kind"] == "gain":
            assert torch.all(w == 1), t["name"]
        elif t["kind"] == "bias":
            assert torch.all(w == 0), t["name"]
        else:
            lab = w.t() if transposed else w
            if "queryColumns" in t:
                q0, q1 = t["queryColumns"]
                assert torch.all(lab[:, q0:q1] == 0), "zero_query"
                lab = lab[:, q1:]
            assert lab.std().item() == pytest.approx(t["initStd"], rel=0.05), t["name"]
    groups = {g["name"]: g for g in param_groups(model, hp, p, BASE)}
    assert list(groups) == [t["name"] for t in r["tensors"]]
    for t in r["tensors"]:
        g = groups[t["name"]]
        assert (g["lr"], g["eps"], g["weight_decay"]) == (t["lr"], t["eps"], t["weightDecay"])
        assert g["params"][0] is params[t["name"]][0]


def test_lab_adamw_is_torch_adamw_plus_clip_and_skip():
    torch.manual_seed(0)
    a = torch.nn.Parameter(torch.randn(5, 3))
    b = torch.nn.Parameter(a.detach().clone())
    lab = LabAdamW([{"params": [a], "lr": 0.01, "eps": 1e-6, "weight_decay": 0.5}], betas=(0.9, 0.95))
    ref = torch.optim.AdamW([b], lr=0.01, betas=(0.9, 0.95), eps=1e-6, weight_decay=0.5)
    for _ in range(5):
        g = torch.randn(5, 3)
        a.grad, b.grad = g.clone(), g.clone()
        assert lab.step()
        ref.step()
    torch.testing.assert_close(a.detach(), b.detach(), rtol=1e-6, atol=1e-7)

    # A non-finite gradient skips the update (parameters and moments kept) but counts the step.
    before = a.detach().clone()
    a.grad = torch.full((5, 3), float("nan"))
    assert not lab.step() and lab.t == 6 and lab.skipped == 1
    assert torch.equal(a.detach(), before)

    # Clipping scales the gradient by clip / (norm + 1e-6): with Adam's normalisation only the
    # moments' ratio changes, so compare against a clipped torch step on a fresh pair.
    c = torch.nn.Parameter(torch.ones(4))
    d = torch.nn.Parameter(torch.ones(4))
    clipped = LabAdamW([{"params": [c], "lr": 0.1, "eps": 1.0, "weight_decay": 0.0}], clip=0.5)
    plain = torch.optim.AdamW([d], lr=0.1, eps=1.0, weight_decay=0.0, betas=(0.9, 0.95))
    c.grad = torch.full((4,), 3.0)
    d.grad = torch.full((4,), 3.0)
    torch.nn.utils.clip_grad_norm_([d], 0.5)
    clipped.step()
    plain.step()
    torch.testing.assert_close(c.detach(), d.detach(), rtol=1e-6, atol=1e-7)
