import { describe, expect, it } from 'vitest';
import { DEFAULT_HYPERPARAMS } from '../mup/rules';
import { gptTensors } from '../mup/shapes';
import { preset } from '../sweep/config';
import { buildExport, exportFileName } from './export';
import type { TransferExport } from './exportSchema';
import { pytorchSnippet, torchParamName, trainerCommand, trainerReadme } from './pytorch';
import type { Parametrization } from '../mup/parametrizations';

const PY_KEYWORDS = new Set([
  'in',
  'is',
  'not',
  'and',
  'or',
  'if',
  'for',
  'def',
  'class',
  'from',
  'import',
  'as',
  'with',
  'return',
  'lambda',
  'pass',
  'global',
]);

/** Whether `name` can be written as a Python attribute path (model.blocks[0].mlp.fc_in.weight). */
function pythonPath(name: string): boolean {
  return name
    .split('.')
    .every((part) => /^\d+$/.test(part) || (/^[A-Za-z_]\w*$/.test(part) && !PY_KEYWORDS.has(part)));
}

function doc(
  overrides: {
    targetWidth?: number;
    tied?: boolean;
    biases?: boolean;
    sgd?: boolean;
    muon?: boolean;
    parametrization?: Parametrization;
  } = {},
) {
  const c = preset('tiny');
  const config = {
    ...c,
    model: { ...c.model, tiedReadout: overrides.tied ?? false, biases: overrides.biases ?? true },
    parametrizations: [overrides.parametrization ?? 'mup'],
    hp: overrides.sgd
      ? { ...DEFAULT_HYPERPARAMS, optimizer: 'sgd' as const, momentum: 0.85, weightDecay: 0.1 }
      : overrides.muon
        ? { ...DEFAULT_HYPERPARAMS, optimizer: 'muon' as const, momentum: 0.95, nsSteps: 4 }
        : { ...DEFAULT_HYPERPARAMS },
  };
  return buildExport({
    config,
    records: [],
    vocab: 40,
    targetWidth: overrides.targetWidth ?? 1024,
    environment: { adapter: 'test', labVersion: '9.9.9', date: new Date('2026-12-01T00:00:00Z') },
  });
}

describe('PyTorch names', () => {
  it('maps every lab tensor to a distinct Python-legal parameter name', () => {
    for (const tiedReadout of [false, true]) {
      const shape = {
        width: 8,
        depth: 2,
        heads: 2,
        context: 4,
        vocab: 5,
        tiedReadout,
        biases: true,
      };
      const names = gptTensors(shape).map((t) => torchParamName(t.name));
      expect(new Set(names).size).toBe(names.length);
      for (const n of names) expect(pythonPath(n), n).toBe(true);
    }
    expect(torchParamName('blocks.3.mlp.in')).toBe('blocks.3.mlp.fc_in.weight');
    expect(torchParamName('blocks.0.mlp.in_bias')).toBe('blocks.0.mlp.fc_in.bias');
    expect(torchParamName('blocks.0.ln2.gain')).toBe('blocks.0.ln2.weight');
    expect(torchParamName('readout')).toBe('readout.weight');
    expect(() => torchParamName('blocks.0.mlp.gate')).toThrow(/No PyTorch name/);
  });

  it('the snippet lists only Python-legal names, the ones mup_lab.GPT has', () => {
    const py = pytorchSnippet(doc());
    const listed = [...py.matchAll(/^# {3}([\w.]+): \[/gm)].map((m) => m[1]);
    expect(listed).toContain('blocks.0.mlp.fc_in.weight');
    expect(listed).toContain('blocks.0.attn.qkv.bias');
    expect(listed.length).toBeGreaterThan(10);
    for (const n of listed) expect(pythonPath(n), n).toBe(true);
    expect(py).not.toMatch(/mlp\.in\b/);
  });
});

describe('the optimizer in the snippet', () => {
  it("AdamW: mup's MuAdamW with betas and ε; SGD: MuSGD with the momentum and decoupled decay", () => {
    const adam = pytorchSnippet(doc());
    expect(adam).toContain('from mup import MuReadout, MuAdamW, set_base_shapes');
    expect(adam).toMatch(/^BETAS = /m);
    expect(adam).not.toContain('MuSGD');
    const d = doc({ sgd: true });
    const sgd = pytorchSnippet(d);
    expect(sgd).toContain('from mup import MuReadout, MuSGD, set_base_shapes');
    expect(sgd).toContain('optimizer = MuSGD(model.parameters(), lr=LR, momentum=MOMENTUM)');
    expect(sgd).toMatch(/^MOMENTUM = 0\.85 /m);
    expect(sgd).toMatch(/^WEIGHT_DECAY = 0\.1 /m);
    expect(sgd).toContain('p.mul_(1 - LR * lr_scale * WEIGHT_DECAY)');
    expect(sgd).not.toMatch(/MuAdamW|^BETAS|^EPS/m);
    expect(d.target.optimizer).toMatchObject({ name: 'sgd', momentum: 0.85 });
  });

  it('Muon: written out (mup has none), with its momentum, steps and the parametrization’s scale', () => {
    const mup = pytorchSnippet(doc({ muon: true }));
    expect(mup).toContain('from mup import MuReadout, set_base_shapes');
    expect(mup).not.toMatch(/MuAdamW|MuSGD/);
    expect(mup).toMatch(/^MUON_MOMENTUM = 0\.95 /m);
    expect(mup).toMatch(/^NS_STEPS = 4 /m);
    expect(mup).toContain('a, b, c = 3.4445, -4.7750, 2.0315');
    expect(mup).toContain('return (fan_out / fan_in) ** 0.5');
    expect(mup).toContain("u.chunk(3, dim=0) if n.endswith('qkv.weight')");
    const sp = pytorchSnippet(doc({ muon: true, parametrization: 'sp' }));
    expect(sp).toContain('return 0.2 * max(fan_in, fan_out) ** 0.5');
  });
});

describe('trainer bundle text', () => {
  it('gives the exact command line for the target width and depth', () => {
    const d: TransferExport = doc({ targetWidth: 2048 });
    const cmd = trainerCommand(d);
    expect(cmd).toBe(
      `python3 -m mup_lab.train --export './${exportFileName(d)}' --text './corpus.txt' --width 2048 ` +
        `--depth ${d.target.shape.depth} --steps ${d.evidence.config.train.steps} ` +
        `--batch ${d.evidence.config.train.batch} --out './run.json'`,
    );
    const readme = trainerReadme(d);
    expect(readme).toContain(cmd);
    expect(readme).toContain('torchrun --nproc_per_node=K -m mup_lab.train');
    expect(readme).toContain('corpus.txt');
  });
});
