/**
 * Configs: over a thousand seeded invalid configs (one field of a valid preset broken) are each
 * refused by validateSweepConfig with an error naming that field (or its parent), and twenty
 * seeded random valid tiny configs each train two steps.
 */
import { describe, expect, it } from 'vitest';
import { useGpu } from '../gpu';
import {
  preset,
  validateSweepConfig,
  type PresetName,
  type SweepConfig,
} from '../../src/sweep/config';
import { trainOne } from '../../src/sweep/scheduler';
import { Rng } from '../../src/util/random';

const gpu = useGpu();

const MISSING = Symbol('missing');
type Bad = unknown;

interface Mutation {
  /** Dotted path of the field broken. */
  path: string;
  values: Bad[];
  /** Other fields an error may name for this mutation (e.g. the range's min for its max). */
  also?: string[];
  /** Extra change that makes the field matter (e.g. axis 'depth' for the depths). */
  prepare?(c: Record<string, unknown>): void;
}

const NUMS: Bad[] = [NaN, Infinity, -Infinity, '1', null, true, [], {}, MISSING];
const posInt = (extra: Bad[]): Bad[] => [0, -1, -1e9, 1.5, 1e12, ...NUMS, ...extra];
const positive = (extra: Bad[] = []): Bad[] => [0, -1, -1e-9, -1e300, ...NUMS, ...extra];
const bool: Bad[] = ['true', 1, 0, null, 'yes', [], MISSING];
const sizeList = (max: number): Bad[] => [
  [],
  [16, 16],
  [0],
  [-16],
  [16.5],
  [NaN],
  [max + 1],
  [1e12],
  ['16'],
  [null],
  'x',
  16,
  null,
  {},
  MISSING,
];

const MUTATIONS: Mutation[] = [
  { path: 'model', values: [null, 'tiny', 5, MISSING] },
  { path: 'model.depth', values: posInt([65, 1000]) },
  {
    path: 'model.heads',
    values: [0, -4, 1.5, NaN, '4', null, MISSING],
    // With both missing (or both given) the error is on model.heads.
    prepare: (c) => delete (c.model as Record<string, unknown>).headSize,
  },
  {
    path: 'model.headSize',
    values: [0, -8, 129, 1.5, NaN, Infinity, '8', true],
    also: ['model.heads'],
    prepare: (c) => delete (c.model as Record<string, unknown>).heads,
  },
  { path: 'model.context', values: posInt([1, 513, 1e6]) },
  { path: 'model.mlpRatio', values: positive([17, 1e9]) },
  { path: 'model.tiedReadout', values: bool },
  { path: 'model.biases', values: bool },
  { path: 'data', values: [null, 'corpus', 1, {}, { kind: 'file' }, MISSING] },
  { path: 'data.seed', values: [-1, 1.5, NaN, Infinity, '0', null, MISSING] },
  { path: 'data.size', values: [0, 999, -1, 1e8, 1.5, NaN, '200000', null, MISSING] },
  {
    path: 'parametrizations',
    values: [
      [],
      ['sp', 'sp'],
      ['mup', 'mup'],
      ['xp'],
      ['sp', 'mup', 'sp'],
      [1],
      'sp',
      null,
      {},
      MISSING,
    ],
  },
  { path: 'axis', values: ['height', '', 'WIDTH', null, 0, MISSING] },
  { path: 'widths', values: sizeList(8192) },
  {
    path: 'depths',
    values: sizeList(64),
    prepare: (c) => (c.axis = 'depth'),
  },
  { path: 'baseWidth', values: posInt([]) },
  { path: 'baseDepth', values: posInt([]) },
  ...(['lr', 'initStd', 'alphaIn', 'alphaOut', 'alphaAttn', 'eps'] as const).map((f) => ({
    path: `hp.${f}`,
    values: positive(),
  })),
  { path: 'hp.weightDecay', values: [-1, -1e-9, ...NUMS] },
  { path: 'hp.clip', values: [-1, -1e300, ...NUMS] },
  { path: 'hp.beta1', values: [-0.1, 1, 1.5, 1e9, ...NUMS] },
  { path: 'hp.beta2', values: [-0.1, 1, 2, ...NUMS] },
  { path: 'hp.zeroReadout', values: bool },
  { path: 'hp.zeroQuery', values: bool },
  { path: 'hp.depthAlpha', values: [0.25, -1, 2, NaN, '1', null, MISSING] },
  { path: 'sweep', values: [null, 'lr', MISSING] },
  { path: 'sweep.name', values: ['beta1', '', 'LR', null, 3, MISSING] },
  { path: 'sweep.log2Min', values: [-41, 100, NaN, Infinity, -Infinity, '1', null, MISSING] },
  {
    path: 'sweep.log2Max',
    values: [21, -100, NaN, Infinity, '1', null, MISSING],
    also: ['sweep.log2Min'],
  },
  // A tiny step makes too many runs: that error is on 'sweep' (the parent).
  {
    path: 'sweep.log2Step',
    values: [0, -1, 11, 1e-6, 1e-12, 5e-324, NaN, Infinity, '1', null, MISSING],
  },
  { path: 'train', values: [null, MISSING] },
  { path: 'train.steps', values: posInt([100_001]) },
  { path: 'train.batch', values: posInt([1025]) },
  {
    path: 'train.seeds',
    values: [[], [0, 0], [-1], [1.5], [NaN], ['0'], [null], 'x', 0, null, MISSING],
  },
  { path: 'train.stack', values: posInt([65]) },
  {
    path: 'train.schedule',
    values: [null, 'cosine', {}, { kind: 'linear' }, 3, MISSING],
  },
  {
    path: 'train.schedule.warmupSteps',
    values: [-1, 1.5, NaN, Infinity, '10', null, MISSING],
    prepare: (c) =>
      ((c.train as Record<string, unknown>).schedule = {
        kind: 'cosine',
        warmupSteps: 10,
        minRatio: 0.1,
      }),
  },
  {
    path: 'train.schedule.minRatio',
    values: [-0.1, 1.1, NaN, Infinity, '0.1', null, MISSING],
    prepare: (c) =>
      ((c.train as Record<string, unknown>).schedule = {
        kind: 'cosine',
        warmupSteps: 10,
        minRatio: 0.1,
      }),
  },
];

function setPath(root: Record<string, unknown>, path: string, value: Bad): void {
  const keys = path.split('.');
  let x = root;
  for (const k of keys.slice(0, -1)) x = x[k] as Record<string, unknown>;
  const last = keys[keys.length - 1];
  if (value === MISSING) delete x[last];
  else x[last] = structuredClone(value);
}

/** An error names the field when it is the field, inside it, or its parent. */
function names(errorField: string, m: Mutation): boolean {
  const p = m.path;
  return (
    errorField === p ||
    errorField.startsWith(`${p}.`) ||
    p.startsWith(`${errorField}.`) ||
    (m.also ?? []).includes(errorField)
  );
}

const describeValue = (v: Bad) =>
  v === MISSING ? 'missing' : typeof v === 'number' ? String(v) : JSON.stringify(v);

describe('invalid configs', () => {
  it('the presets are valid', () => {
    for (const name of ['tiny', 'quick', 'paper'] as const) {
      expect(validateSweepConfig(preset(name))).toEqual([]);
    }
  });

  it('1,200 seeded one-field mutations are each refused, naming the field', () => {
    const rng = new Rng(7);
    const presets: PresetName[] = ['tiny', 'quick', 'paper'];
    const failures: string[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < 1200; i++) {
      const m = MUTATIONS[rng.int(MUTATIONS.length)];
      const value = m.values[rng.int(m.values.length)];
      const name = presets[rng.int(presets.length)];
      const c = structuredClone(preset(name)) as unknown as Record<string, unknown>;
      m.prepare?.(c);
      setPath(c, m.path, value);
      seen.add(`${m.path}=${describeValue(value)}`);
      let errors: ReturnType<typeof validateSweepConfig>;
      try {
        errors = validateSweepConfig(c as unknown as SweepConfig, { vocab: 96 });
      } catch (e) {
        failures.push(`${name} ${m.path}=${describeValue(value)}: threw ${String(e)}`);
        continue;
      }
      if (!errors.some((e) => names(e.field, m) && e.message.length > 0)) {
        failures.push(
          `${name} ${m.path}=${describeValue(value)}: ${JSON.stringify(errors.map((e) => e.field))}`,
        );
      }
    }
    expect(failures).toEqual([]);
    expect(seen.size).toBeGreaterThan(250); // the generator covers most (field, value) pairs
  });
});

describe('random valid tiny configs', () => {
  it('20 seeded configs each train two steps', async () => {
    const rng = new Rng(11);
    const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)];
    let trained = 0;
    let tries = 0;
    while (trained < 20) {
      expect(++tries).toBeLessThan(200);
      const width = pick([8, 16, 24, 32]);
      const heads = pick([1, 2, 4, 8].filter((h) => width % h === 0));
      const t = preset('tiny');
      const c: SweepConfig = {
        ...t,
        model: {
          ...t.model,
          heads,
          depth: 1 + rng.int(2),
          context: 4 + rng.int(13),
          tiedReadout: rng.next() < 0.5,
          biases: rng.next() < 0.5,
        },
        data: { kind: 'synthetic', seed: rng.int(100), size: 5000 },
        parametrizations: [pick(['sp', 'mup'] as const)],
        widths: [width],
        baseWidth: pick([8, 16, 24, 32].filter((w) => w % heads === 0)),
        baseDepth: 1,
        train: { ...t.train, steps: 2, batch: 1 + rng.int(4), stack: 1 },
      };
      const errors = validateSweepConfig(c, { limits: gpu().limits });
      expect(errors, JSON.stringify(c.model)).toEqual([]);
      const r = await trainOne(gpu(), c, {
        parametrization: c.parametrizations[0],
        width,
        depth: c.model.depth,
        seed: rng.int(10),
        log2Hp: -8,
      });
      expect(r.losses.length, JSON.stringify(c.model)).toBe(2);
      expect(r.diverged).toBe(false);
      expect(r.losses.every(Number.isFinite)).toBe(true);
      trained++;
    }
  }, 60_000);
});
