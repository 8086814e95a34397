import { describe, expect, it } from 'vitest';
import { transfer } from '../mup/transfer';
import { preset, shapeFor, type SweepConfig } from '../sweep/config';
import { buildExport, exportFileName, sanitizeRun } from './export';
import { pytorchSnippet } from './pytorch';
import { parseImport } from './exportParse';
import { EXPORT_FORMAT, type TransferExport } from './exportSchema';
import { exportShapeToGpt, toExportShape } from './exportShapes';
import { IMPORT_LIMITS } from '../sweep/schemaParts';
import { runId, runRecordSchema, type RunRecord } from '../sweep/types';

const VOCAB = 40;
const DATE = new Date('2026-11-26T10:20:30.000Z');

/**
 * Synthetic sweep: loss = 2 + (log2 − opt)² / 8 with the optimum at log2 −8 for every width
 * under µP and drifting left by one octave per doubling under SP; the largest learning rate
 * diverges (NaN in the curve, like a real blow-up).
 */
function syntheticRecords(config: SweepConfig): RunRecord[] {
  const out: RunRecord[] = [];
  const grid = [-12, -11, -10, -9, -8, -7, -6, -5, -4];
  for (const parametrization of config.parametrizations) {
    for (const width of config.widths) {
      for (const seed of config.train.seeds) {
        for (const log2Hp of grid) {
          const shift = parametrization === 'sp' ? Math.log2(width / config.baseWidth) : 0;
          const opt = -8 - shift;
          const diverged = log2Hp === -4;
          const loss = 2 + (log2Hp - opt) ** 2 / 8 + seed * 0.001;
          const spec = { parametrization, width, depth: config.model.depth, seed, log2Hp };
          out.push({
            ...spec,
            id: runId(spec),
            finalLoss: diverged ? null : loss,
            diverged,
            divergedAtStep: diverged ? 3 : null,
            losses: diverged ? [4, 3.5, NaN] : [4, 3, loss],
            valLoss: diverged ? null : loss + 0.1,
            tokensPerSec: 12345.5,
            millis: 321,
          });
        }
      }
    }
  }
  return out;
}

function quickConfig(): SweepConfig {
  const c = preset('quick');
  // One seed: the evidence tests below count runs per grid point.
  return {
    ...c,
    hp: { ...c.hp, weightDecay: 0.1, alphaOut: 2 },
    train: { ...c.train, seeds: [0] },
  };
}

function build(overrides: Partial<Parameters<typeof buildExport>[0]> = {}): TransferExport {
  const config = overrides.config ?? quickConfig();
  return buildExport({
    config,
    records: syntheticRecords(config),
    vocab: VOCAB,
    targetWidth: 1024,
    environment: { adapter: 'Test adapter (SwiftShader)', labVersion: '9.9.9', date: DATE },
    ...overrides,
  });
}

/** Every number reachable from `x`, with its path. */
function numbers(x: unknown, path = ''): Array<[string, number]> {
  if (typeof x === 'number') return [[path, x]];
  if (Array.isArray(x)) return x.flatMap((v, i) => numbers(v, `${path}[${i}]`));
  if (typeof x === 'object' && x !== null) {
    return Object.entries(x).flatMap(([k, v]) => numbers(v, `${path}.${k}`));
  }
  return [];
}

/** A valid document as a plain object that a test may then break. */
function rawDoc(): Record<string, unknown> {
  return JSON.parse(JSON.stringify(build())) as Record<string, unknown>;
}

function expectRejected(text: string, ...fragments: string[]) {
  const r = parseImport(text);
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.message).not.toContain('\n');
  for (const f of fragments) expect(r.message).toContain(f);
}

describe('buildExport', () => {
  it("writes drift per doubling, the transfer penalty and each optimum's bootstrap sd", () => {
    const config = { ...quickConfig(), train: { ...quickConfig().train, seeds: [0, 1] } };
    const doc = build({ config });
    const of = (p: string) => doc.evidence.optima.find((o) => o.parametrization === p)!;
    // SP's optimum moves one octave down per doubling; µP's stays at -8.
    expect(of('sp').drift!.value).toBeCloseTo(-1, 10);
    expect(of('mup').drift!.value).toBeCloseTo(0, 10);
    expect(of('mup').drift!.sd).toBeGreaterThanOrEqual(0);
    // At width 128 SP's optimum is -10: using -8 there costs (2² / 8) = 0.5 nats; µP nothing.
    expect(of('sp').penalty).toMatchObject({ width: 128, baseWidth: 32, atLog2: -8 });
    expect(of('sp').penalty!.loss).toBeCloseTo(0.5, 10);
    expect(of('mup').penalty!.loss).toBeCloseTo(0, 10);
    for (const o of of('mup').optima) expect(o.fitSd).toBeGreaterThanOrEqual(0);
    // Round trip, and a version-1 file from before these fields still imports.
    expect(parseImport(JSON.stringify(doc)).ok).toBe(true);
    const old = JSON.parse(JSON.stringify(doc)) as TransferExport;
    for (const a of old.evidence.optima) {
      delete a.drift;
      delete a.penalty;
      for (const o of a.optima) delete o.fitSd;
    }
    expect(parseImport(JSON.stringify(old)).ok).toBe(true);
  });

  it('reads the optima on the chosen loss (validation by default) and carries the other', () => {
    const config = quickConfig();
    // The validation loss's optimum two octaves above the training loss's (-8).
    const records = syntheticRecords(config).map((r) =>
      r.diverged ? r : { ...r, valLoss: 2 + (r.log2Hp + 6) ** 2 / 8 },
    );
    const tunedAt = (doc: TransferExport) => doc.tuning.log2!;
    const mupOptima = (optima: TransferExport['evidence']['optima']) =>
      optima.find((o) => o.parametrization === 'mup')!.optima.map((o) => o.gridLog2);
    const val = build({ records });
    expect(val.evidence.metric).toBe('val');
    expect(tunedAt(val)).toBeCloseTo(-6, 6);
    expect(mupOptima(val.evidence.optima)).toEqual([-6, -6, -6]);
    expect(val.evidence.otherMetric?.metric).toBe('train');
    expect(mupOptima(val.evidence.otherMetric!.optima)).toEqual([-8, -8, -8]);
    const train = build({ records, metric: 'train' });
    expect(train.evidence.metric).toBe('train');
    expect(tunedAt(train)).toBeCloseTo(-8, 6);
    expect(train.evidence.otherMetric).toEqual({ metric: 'val', optima: val.evidence.optima });
    // Both round-trip; a file from before the choice (no metric: training loss) still imports.
    expect(parseImport(JSON.stringify(val)).ok).toBe(true);
    const old = JSON.parse(JSON.stringify(train)) as TransferExport;
    delete old.evidence.metric;
    delete old.evidence.otherMetric;
    expect(parseImport(JSON.stringify(old)).ok).toBe(true);
    const bad = JSON.parse(JSON.stringify(val)) as { evidence: { metric: string } };
    bad.evidence.metric = 'test';
    const refused = parseImport(JSON.stringify(bad));
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.message).toMatch(/^evidence\.metric: /);
  });

  it('writes the format, base shapes, tuned value, target values and evidence', () => {
    const doc = build();
    expect(doc.format).toBe(EXPORT_FORMAT);
    expect(doc.version).toBe(2);
    expect(doc.parametrization).toBe('mup');
    expect(doc.base).toEqual({
      width: 32,
      depth: 2,
      heads: 4,
      headSize: 8,
      fixed: 'heads',
      mlpRatio: 4,
      vocab: VOCAB,
      context: 32,
      tiedReadout: false,
      biases: false,
    });
    // The µP optimum of the synthetic data sits at log2 = -8 (a parabola: the fit is exact).
    expect(doc.tuning.hp).toBe('lr');
    expect(doc.tuning.log2).toBeCloseTo(-8, 12);
    expect(doc.tuning.fromScale).toBe(32);
    expect(doc.hyperparameters.lr).toBeCloseTo(2 ** -8, 15);
    expect(doc.hyperparameters.weightDecay).toBe(0.1);
    expect(doc.tuning.value).toBe(doc.hyperparameters.lr);

    // Target values are transfer()'s at width 1024 for the tuned hp.
    const config = quickConfig();
    const expected = transfer(
      doc.hyperparameters,
      'mup',
      shapeFor(config, 32, 2, VOCAB),
      shapeFor(config, 1024, 2, VOCAB),
    );
    expect(doc.target.shape.width).toBe(1024);
    expect(doc.target.tensors).toEqual(expected.tensors);
    expect(doc.target.multipliers).toEqual(expected.multipliers);
    const qkv = doc.target.tensors.find((t) => t.name === 'blocks.0.attn.qkv');
    expect(qkv?.lr).toBeCloseTo(2 ** -8 / 32, 15);
    expect(qkv?.eps).toBeCloseTo(1e-8 / 32, 20);
    expect(doc.target.multipliers.readoutMult).toBeCloseTo(2 / 32, 15);

    // Evidence: every run, the grid, optima per width, seeds and steps; no user text.
    expect(doc.evidence.runs).toHaveLength(2 * 3 * 9);
    expect(doc.evidence.grid.log2).toEqual([-12, -11, -10, -9, -8, -7, -6, -5, -4]);
    expect(doc.evidence.seeds).toEqual([0]);
    expect(doc.evidence.steps).toBe(60);
    const mup = doc.evidence.optima.find((o) => o.parametrization === 'mup');
    const sp = doc.evidence.optima.find((o) => o.parametrization === 'sp');
    expect(mup?.optima.map((o) => o.width)).toEqual([32, 64, 128]);
    expect(mup?.optima.map((o) => o.fitLog2)).toEqual([-8, -8, -8].map((x) => expect.closeTo(x)));
    expect(sp?.shiftOctaves).toBeCloseTo(-2, 12);
    expect(doc.environment).toEqual({
      adapter: 'Test adapter (SwiftShader)',
      labVersion: '9.9.9',
      date: '2026-11-26T10:20:30.000Z',
    });
    expect(doc.pytorch.muReadout.outputMult).toBe(2);
    expect(doc.pytorch.muAdamW.lr).toBe(doc.hyperparameters.lr);
    expect(doc.rules.perRole.map((r) => r.role)).toEqual([
      'embedding',
      'position',
      'hidden',
      'vector',
      'readout',
      'attention',
    ]);
    expect(doc.rules.perRole.find((r) => r.role === 'hidden')?.lr).toBe('η/m');
    expect(doc.rules.perRole.find((r) => r.role === 'hidden')?.eps).toBe('ε/m');
  });

  it('exports SP values when asked, with SP rules', () => {
    const doc = build({ parametrization: 'sp' });
    expect(doc.parametrization).toBe('sp');
    expect(doc.rules.perRole.find((r) => r.role === 'hidden')?.lr).toBe('η');
    expect(doc.target.multipliers.readoutMult).toBe(2);
    // SP's optimum at the base width is -8 as well (the drift starts above it).
    expect(doc.tuning.log2).toBeCloseTo(-8, 12);
  });

  it('keeps a user text out of the export (name and size only)', () => {
    const c = quickConfig();
    const config: SweepConfig = { ...c, data: { kind: 'text', name: 'diary.txt', text: 'secret' } };
    const doc = build({ config });
    expect(doc.evidence.config.data).toEqual({ kind: 'text', name: 'diary.txt', size: 6 });
    expect(JSON.stringify(doc)).not.toContain('secret');
  });

  it('keeps the base value when every run diverged', () => {
    const config = quickConfig();
    const records = syntheticRecords(config).map((r) => ({
      ...r,
      diverged: true,
      finalLoss: null,
      valLoss: null,
      divergedAtStep: 1,
    }));
    const doc = build({ config, records });
    expect(doc.tuning.log2).toBeNull();
    expect(doc.tuning.fromScale).toBeNull();
    expect(doc.hyperparameters.lr).toBe(config.hp.lr);
    expect(doc.tuning.note).toMatch(/No µP run converged/);
    expect(parseImport(JSON.stringify(doc)).ok).toBe(true);
  });

  it('works at widths far beyond what is trained (16384) and in fixed-head-size mode', () => {
    const paper = preset('paper');
    const doc = build({ config: paper, records: syntheticRecords(paper), targetWidth: 16384 });
    expect(doc.base.fixed).toBe('headSize');
    expect(doc.target.shape).toMatchObject({ width: 16384, headSize: 32, heads: 512 });
    expect(parseImport(JSON.stringify(doc)).ok).toBe(true);
  });

  it('contains no NaN or Infinity: diverged runs are explicit', () => {
    const doc = build();
    for (const [path, x] of numbers(doc)) {
      if (!Number.isFinite(x)) throw new Error(`${path} is ${x}`);
    }
    // JSON keeps every value: nothing is silently turned into null.
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
    const diverged = doc.evidence.runs.filter((r) => r.diverged);
    expect(diverged.length).toBe(6);
    for (const r of diverged) {
      expect(r.finalLoss).toBeNull();
      expect(r.valLoss).toBeNull();
      expect(r.divergedAtStep).toBe(3);
      expect(r.losses).toEqual([4, 3.5]);
    }
  });

  it('sanitizes inconsistent records (non-finite loss without the diverged flag)', () => {
    const spec = { parametrization: 'sp' as const, width: 32, depth: 2, seed: 0, log2Hp: -5 };
    const r = sanitizeRun(
      {
        ...spec,
        id: runId(spec),
        finalLoss: NaN,
        diverged: false,
        divergedAtStep: null,
        losses: [3, Infinity, 2],
        valLoss: NaN,
        tokensPerSec: Infinity,
        millis: -1,
      },
      -5,
    );
    expect(r).toMatchObject({
      finalLoss: null,
      diverged: true,
      divergedAtStep: 2,
      losses: [3],
      valLoss: null,
      tokensPerSec: 0,
      millis: 0,
    });
  });

  it('names files after parametrization, base width and date', () => {
    expect(exportFileName(build())).toBe('mup-lab_mup_base32_2026-11-26.json');
    expect(exportFileName(build({ parametrization: 'sp' }))).toBe(
      'mup-lab_sp_base32_2026-11-26.json',
    );
  });

  it('converts shapes both ways', () => {
    const config = quickConfig();
    const s = shapeFor(config, 64, 2, VOCAB);
    expect(exportShapeToGpt(toExportShape(s))).toEqual(s);
    const paper = preset('paper');
    const p = shapeFor(paper, 256, 4, VOCAB);
    expect(exportShapeToGpt(toExportShape(p))).toEqual(p);
  });
});

describe('parseImport', () => {
  it('round-trips build → JSON → parseImport', () => {
    for (const doc of [build(), build({ parametrization: 'sp' })]) {
      const r = parseImport(JSON.stringify(doc, null, 2));
      expect(r.ok).toBe(true);
      if (r.ok) expect(r.doc).toEqual(doc);
    }
  });

  it('keeps the corpus choice: Tiny Shakespeare by name; older synthetic and text files still read', () => {
    const shakespeare: SweepConfig = { ...quickConfig(), data: { kind: 'shakespeare' } };
    const doc = build({ config: shakespeare });
    expect(doc.evidence.config.data).toEqual({ kind: 'shakespeare' });
    const r = parseImport(JSON.stringify(doc));
    if (!r.ok) throw new Error(r.message);
    expect(r.doc.evidence.config.data).toEqual({ kind: 'shakespeare' });
    const text: SweepConfig = {
      ...quickConfig(),
      data: { kind: 'text', name: 'a.txt', text: 'abc' },
    };
    expect(build({ config: text }).evidence.config.data).toEqual({
      kind: 'text',
      name: 'a.txt',
      size: 3,
    });
    expect(parseImport(JSON.stringify(build({ config: text }))).ok).toBe(true);
    expect(parseImport(JSON.stringify(build())).ok).toBe(true);
    const unknown = JSON.parse(JSON.stringify(doc)) as { evidence: { config: { data: unknown } } };
    unknown.evidence.config.data = { kind: 'wiki' };
    expectRejected(
      JSON.stringify(unknown),
      'Data must be the synthetic corpus, Tiny Shakespeare or a text',
    );
  });

  it('reads exported runs back as the run records they came from (one run record schema)', () => {
    const records = syntheticRecords(quickConfig()).filter((r) => !r.diverged);
    const doc = build({ records });
    const parsed = parseImport(JSON.stringify(doc));
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.doc.evidence.runs.map((r) => runRecordSchema.parse(r))).toEqual(records);
    expect(() => runRecordSchema.parse({ ...records[0], diverged: 'no' })).toThrow();
  });

  it('carries the horizon runs apart from the sweep runs; a file without them still imports', () => {
    const config = quickConfig();
    const records = syntheticRecords(config).filter((r) => !r.diverged);
    const widest = records.filter((r) => r.width === 128);
    const horizonRuns = widest.map((r) => {
      const spec = { ...r, steps: 15, losses: r.losses.slice(0, 15) };
      return { ...spec, id: runId(spec) };
    });
    const without = build({ records });
    const doc = build({ records, horizonRuns });
    // The horizon runs change nothing of the width analysis.
    expect(doc.evidence.optima).toEqual(without.evidence.optima);
    expect(doc.tuning).toEqual(without.tuning);
    expect(doc.evidence.runs).toEqual(without.evidence.runs);
    const parsed = parseImport(JSON.stringify(doc));
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.doc.evidence.horizonRuns!.map((r) => runRecordSchema.parse(r))).toEqual(
      horizonRuns,
    );
    expect(parsed.doc.evidence.horizonRuns![0].id).toMatch(/:t15$/);
    expect(without.evidence).not.toHaveProperty('horizonRuns');
    expect(parseImport(JSON.stringify(without)).ok).toBe(true);
    // A bad step count is named.
    const bad = JSON.parse(JSON.stringify(doc)) as TransferExport;
    (bad.evidence.horizonRuns![0] as { steps: unknown }).steps = 0;
    const refused = parseImport(JSON.stringify(bad));
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.message).toMatch(/^evidence\.horizonRuns\[0\]\.steps: /);
  });

  it('rejects malformed JSON, NaN literals and non-objects', () => {
    expectRejected('{"format": "mup-lab/transfer", ', 'Not valid JSON');
    expectRejected('{"x": NaN}', 'Not valid JSON');
    expectRejected('[1, 2]', 'must contain a JSON object');
    expectRejected('null', 'must contain a JSON object');
    expectRejected('', 'Not valid JSON');
  });

  it('rejects a foreign format', () => {
    expectRejected('{"format": "other-tool", "version": 1}', 'format:', '"other-tool"');
    expectRejected('{"version": 1}', 'format:', 'missing');
  });

  it('says a newer version made the file', () => {
    const raw = { ...rawDoc(), version: 3 };
    const r = parseImport(JSON.stringify(raw));
    expect(r).toEqual({
      ok: false,
      message: 'version: made by a newer version of µP Lab (v3); this lab reads v2',
    });
    expectRejected(JSON.stringify({ ...raw, version: 0 }), 'version:', 'not supported');
    expectRejected(JSON.stringify({ ...raw, version: '1' }), 'version:', 'integer');
  });

  it('imports a version-1 file (no optimizer anywhere) as AdamW', () => {
    const v1 = rawDoc() as {
      version: number;
      hyperparameters: Record<string, unknown>;
      target: { optimizer: Record<string, unknown> };
      evidence: { config: { hp: Record<string, unknown> } };
    };
    v1.version = 1;
    delete v1.hyperparameters.optimizer;
    delete v1.hyperparameters.momentum;
    delete v1.target.optimizer.name;
    delete v1.target.optimizer.momentum;
    delete v1.evidence.config.hp.optimizer;
    delete v1.evidence.config.hp.momentum;
    const text = JSON.stringify(v1);
    const r = parseImport(text);
    if (!r.ok) throw new Error(r.message);
    expect(r.doc.version).toBe(2);
    expect(r.doc.hyperparameters.optimizer).toBe('adamw');
    expect(r.doc.target.optimizer.name).toBe('adamw');
    expect(r.doc.evidence.config.hp.optimizer).toBe('adamw');
    // A version-1 file that names another optimizer is refused, naming the field.
    const lionV1 = { ...v1, hyperparameters: { ...v1.hyperparameters, optimizer: 'lion' } };
    expectRejected(JSON.stringify(lionV1), 'hyperparameters.optimizer:', 'must be one of');
  });

  it('rejects wrong types with the field path', () => {
    const raw = rawDoc();
    (raw.hyperparameters as Record<string, unknown>).lr = 'fast';
    expectRejected(JSON.stringify(raw), 'hyperparameters.lr:', 'expected number');

    const raw2 = rawDoc();
    const runs = (raw2.evidence as { runs: Array<Record<string, unknown>> }).runs;
    runs[3].finalLoss = 'low';
    expectRejected(JSON.stringify(raw2), 'evidence.runs[3].finalLoss:');

    const raw3 = rawDoc();
    (raw3.base as Record<string, unknown>).width = 32.5;
    expectRejected(JSON.stringify(raw3), 'base.width:');

    const raw4 = rawDoc();
    (raw4.target as Record<string, unknown>).extra = 1;
    expectRejected(JSON.stringify(raw4), 'target:', 'unknown field(s) extra');

    const raw5 = rawDoc();
    delete (raw5 as { environment?: unknown }).environment;
    expectRejected(JSON.stringify(raw5), 'environment:');
  });

  it('rejects values the rules refuse (negative lr, inconsistent heads)', () => {
    const raw = rawDoc();
    (raw.hyperparameters as Record<string, unknown>).lr = -1;
    expectRejected(JSON.stringify(raw), 'hyperparameters.lr:', 'Learning rate must be > 0');
    const raw2 = rawDoc();
    (raw2.base as Record<string, unknown>).heads = 3;
    expectRejected(JSON.stringify(raw2), 'base.heads:');
  });

  it('rejects Infinity (1e999) and a NaN-free null where a number is required', () => {
    const text = JSON.stringify(rawDoc()).replace(/"tokensPerSec":12345.5/, '"tokensPerSec":1e999');
    expectRejected(text, 'evidence.runs[0].tokensPerSec:', 'Infinity');
    const raw = rawDoc();
    (raw.hyperparameters as Record<string, unknown>).eps = null;
    expectRejected(JSON.stringify(raw), 'hyperparameters.eps:');
  });

  it('rejects absurd sizes', () => {
    const raw = rawDoc();
    const evidence = raw.evidence as { runs: unknown[] };
    const one = evidence.runs[0];
    evidence.runs = new Array(IMPORT_LIMITS.runs + 1).fill(one);
    expectRejected(JSON.stringify(raw), 'evidence.runs:', '100000');

    const raw2 = rawDoc();
    (raw2.base as Record<string, unknown>).width = 1e12;
    expectRejected(JSON.stringify(raw2), 'base.width:');

    expectRejected(' '.repeat(IMPORT_LIMITS.chars + 1), 'too large');

    let deep = '1';
    for (let i = 0; i < 200; i++) deep = `[${deep}]`;
    expectRejected(`{"format":"mup-lab/transfer","version":1,"x":${deep}}`, 'nested too deeply');
  });

  it('rejects __proto__ / constructor / prototype keys without polluting Object.prototype', () => {
    const base = JSON.stringify(rawDoc());
    const evil = [
      base.replace('{', '{"__proto__":{"polluted":"yes"},'),
      base.replace('"hyperparameters":{', '"hyperparameters":{"__proto__":{"polluted":"yes"},'),
      base.replace('"baseShapes":{', '"baseShapes":{"__proto__":[1,2],'),
      base.replace('"environment":{', '"environment":{"constructor":{"prototype":{"polluted":1}},'),
      base.replace('"muReadout":{', '"muReadout":{"prototype":{"polluted":1},'),
    ];
    const paths = [
      '__proto__',
      'hyperparameters.__proto__',
      'pytorch.baseShapes.__proto__',
      'environment.constructor',
      'pytorch.muReadout.prototype',
    ];
    evil.forEach((text, i) => {
      expect(text).not.toBe(base);
      expectRejected(text, `${paths[i]}:`, 'not allowed');
    });
    const probe: Record<string, unknown> = {};
    expect(probe.polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.getPrototypeOf(probe)).toBe(Object.prototype);
  });

  it('never throws, whatever the input', () => {
    const inputs = [
      '{}',
      '{"format":"mup-lab/transfer","version":1}',
      '"string"',
      '42',
      'true',
      '{"format":"mup-lab/transfer","version":1e999}',
      JSON.stringify({ ...rawDoc(), evidence: null }),
      JSON.stringify({ ...rawDoc(), pytorch: { baseShapes: [] } }),
      '\u0000\u0001',
    ];
    for (const text of inputs) {
      const r = parseImport(text);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.message.length).toBeGreaterThan(0);
    }
  });
});

describe('pytorchSnippet', () => {
  it('sets up mup with the key numbers', () => {
    const doc = build();
    const py = pytorchSnippet(doc);
    expect(py).toContain('from mup import MuReadout, MuAdamW, set_base_shapes');
    expect(py).toContain('BASE_WIDTH = 32  # d_model');
    expect(py).toContain('TARGET_WIDTH = 1024');
    expect(py).toContain('HEADS = 4');
    expect(py).toContain(`LR = ${doc.hyperparameters.lr}  #`);
    expect(py).toContain(`-> ${doc.hyperparameters.lr / 32} at the target`);
    expect(py).toContain('OUTPUT_MULT = 2  #');
    expect(py).toContain('MuReadout(d_model, VOCAB, bias=False, output_mult=OUTPUT_MULT');
    expect(py).toContain('set_base_shapes(model, base, delta=delta, rescale_params=False)');
    expect(py).toContain('MuAdamW(');
    expect(py).toContain('lr=LR, betas=BETAS, eps=EPS');
    expect(py).toContain('BETAS = (0.9, 0.95)');
    expect(py).toContain('EPS = 1e-8');
    expect(py).toContain(`ε/m = ${1e-8 / 32} at the target`);
    expect(py).toContain('WEIGHT_DECAY = 0.1');
    // Attention: fixed heads, head size 8 -> 256: α_attn·√8/256.
    const attn = doc.target.multipliers.attnScale;
    expect(attn).toBeCloseTo(Math.sqrt(8) / 256, 15);
    expect(py).toContain(`ATTN_SCALE = ${attn}`);
    expect(py).toContain('ALPHA_IN = 1  #');
    expect(py).toContain(`# ${0.02 / Math.sqrt(32)} at the target`);
    expect(py).toContain('ZERO_READOUT = False');
    expect(py).toContain('ZERO_QUERY = False');
    expect(py).not.toMatch(/NaN|Infinity|undefined|null/);
    expect(py).not.toContain('RESIDUAL_MULT');
  });

  it('mentions depth scaling, zero init and the SP caveat when they apply', () => {
    const c = quickConfig();
    const config: SweepConfig = {
      ...c,
      hp: { ...c.hp, depthAlpha: 1, zeroQuery: true, zeroReadout: true },
    };
    const doc = build({ config, targetDepth: 8 });
    const py = pytorchSnippet(doc);
    expect(py).toContain('RESIDUAL_MULT = 0.25');
    expect(py).toContain('DEPTH_LR_FACTOR = 1');
    // CompleteP by name, with its in-block ε rule (base depth 2 -> 8: L = 4, ε × 1/4).
    expect(py).toContain('# Depth scaling: CompleteP (α = 1), L = TARGET_DEPTH / BASE_DEPTH');
    expect(py).toContain('DEPTH_EPS_FACTOR = 0.25');
    expect(doc.rules.depthMultiplier).toContain('CompleteP (α = 1)');
    const hidden = doc.target.tensors.find((t) => t.name === 'blocks.0.attn.qkv')!;
    expect(hidden.eps).toBeCloseTo(1e-8 / 32 / 4, 24);
    expect(doc.target.tensors.find((t) => t.name === 'tok_emb')!.eps).toBe(1e-8);
    expect(py).toContain('ZERO_READOUT = True');
    expect(py).toContain('ZERO_QUERY = True');
    const sp = pytorchSnippet(build({ parametrization: 'sp' }));
    expect(sp).toContain('Tuned under SP');
    expect(sp).toContain('same model at the base shape');
  });
});
