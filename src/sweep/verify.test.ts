import { describe, expect, it } from 'vitest';
import { preset, type SweepConfig } from './config';
import { buildExport } from '../exchange/export';
import { parseImport } from '../exchange/exportParse';
import { importedVerificationRuns } from '../exchange/imported';
import { runId, type RunRecord, type RunSpec } from './types';
import {
  analyzeVerification,
  latestVerification,
  planVerify,
  verifiedWidths,
  verifyGrid,
  verifyLine,
} from './verify';
import type { Parametrization } from '../mup/parametrizations';

const config: SweepConfig = {
  ...preset('tiny'),
  train: { ...preset('tiny').train, seeds: [0, 1] },
};

/** A run whose final loss is a parabola in log2(lr) with its minimum at `min` (per width). */
function record(spec: Omit<RunSpec, 'id'>, min: number, divergeAbove = Infinity): RunRecord {
  const diverged = spec.log2Hp > divergeAbove;
  const loss = 2 + 0.1 * (spec.log2Hp - min) ** 2 + spec.seed * 1e-3;
  return {
    ...spec,
    id: runId(spec),
    finalLoss: diverged ? null : loss,
    diverged,
    divergedAtStep: diverged ? 3 : null,
    losses: [loss],
    valLoss: diverged ? null : loss,
    tokensPerSec: 1,
    millis: 1,
  };
}

/** The Tiny grid (-8..-2) at widths 16 and 32: µP's optimum at -5 for both, SP's drifts. */
function sweepRecords(): RunRecord[] {
  const minima = { mup: { 16: -5, 32: -5 }, sp: { 16: -4.6, 32: -5.6 } } as const;
  const out: RunRecord[] = [];
  for (const p of ['sp', 'mup'] as const)
    for (const width of [16, 32] as const)
      for (const seed of [0, 1])
        for (let log2Hp = -8; log2Hp <= -2; log2Hp++)
          out.push(record({ parametrization: p, width, depth: 1, seed, log2Hp }, minima[p][width]));
  return out;
}

describe('verify: planning', () => {
  it('spaces the values evenly over ± 2 octaves of the prediction', () => {
    expect(verifyGrid(-5, 5, 2)).toEqual([-7, -6, -5, -4, -3]);
    expect(verifyGrid(-5.25, 3, 1)).toEqual([-6.25, -5.25, -4.25]);
  });

  it('plans 5 values × seeds per parametrization around the base width’s fitted optimum', () => {
    const r = planVerify(config, sweepRecords(), { width: 64 });
    if (!r.ok) throw new Error(r.message);
    const { plan } = r;
    expect(plan.width).toBe(64);
    expect(plan.seeds).toEqual([0, 1]);
    const mup = plan.predictions.find((p) => p.parametrization === 'mup')!;
    const sp = plan.predictions.find((p) => p.parametrization === 'sp')!;
    expect(mup.log2).toBeCloseTo(-5, 3);
    expect(mup.fromWidth).toBe(16);
    expect(sp.log2).toBeCloseTo(-4.6, 3);
    expect(plan.runs).toHaveLength(2 * 2 * 5);
    for (const run of plan.runs) {
      const center = run.parametrization === 'mup' ? mup.log2 : sp.log2;
      expect(Math.abs(run.log2Hp - center)).toBeLessThanOrEqual(2 + 1e-9);
      expect(run.width).toBe(64);
      expect(run.id).toBe(runId(run));
    }
    expect(new Set(plan.runs.map((r) => r.id)).size).toBe(plan.runs.length);
  });

  it('takes other seeds and refuses bad input with one line naming the field', () => {
    const r = planVerify(config, sweepRecords(), { width: 64, seeds: [3] });
    expect(r.ok && r.plan.runs.every((x) => x.seed === 3)).toBe(true);
    const bad = (o: Parameters<typeof planVerify>[2], field: string, c = config) => {
      const x = planVerify(c, sweepRecords(), o);
      expect(x.ok).toBe(false);
      if (!x.ok) expect(x.message).toMatch(new RegExp(`^${field}`));
    };
    bad({ width: 0 }, 'width');
    bad({ width: 64, points: 2 }, 'points');
    bad({ width: 64, seeds: [] }, 'seeds');
    bad({ width: 64 }, 'axis', { ...config, axis: 'depth' });
    const none = planVerify(config, [], { width: 64 });
    expect(none.ok).toBe(false);
  });
});

describe('verify: analysis', () => {
  /** Verification runs at width 64 whose optimum sits at `min`. */
  function verifyRuns(p: Parametrization, center: number, min: number, divergeAbove = Infinity) {
    return verifyGrid(center, 5, 2).flatMap((log2Hp) =>
      [0, 1].map((seed) =>
        record({ parametrization: p, width: 64, depth: 1, seed, log2Hp }, min, divergeAbove),
      ),
    );
  }

  it('finds the known optimum and the penalty of the prediction on the fitted parabola', () => {
    // The optimum lies 0.5 octave above the prediction: penalty 0.1 · 0.5² = 0.025 nats.
    const runs = verifyRuns('mup', -5, -4.5);
    const r = analyzeVerification({ parametrization: 'mup', log2: -5, sd: 0.1 }, 64, runs);
    expect(r.observed!.log2).toBeCloseTo(-4.5, 6);
    expect(r.observed!.atEdge).toBe(false);
    expect(r.penalty).toBeCloseTo(0.025, 6);
    expect(r.curve).toHaveLength(5);
    expect(r.runs).toHaveLength(10);
    expect(verifyLine(r)).toMatch(/predicted log2 lr -5.00 ± 0.10, observed -4.50.*penalty.*0.025/);
  });

  it('says when the prediction is exact, and when it diverged', () => {
    const exact = analyzeVerification(
      { parametrization: 'sp', log2: -6, sd: NaN },
      64,
      verifyRuns('sp', -6, -6),
    );
    expect(exact.penalty).toBeCloseTo(0, 9);
    const blown = analyzeVerification(
      { parametrization: 'sp', log2: -4, sd: NaN },
      64,
      verifyRuns('sp', -4, -7, -4.5),
    );
    expect(Number.isNaN(blown.penalty)).toBe(true);
    expect(blown.observed!.atEdge).toBe(true);
    expect(verifyLine(blown)).toMatch(/the predicted value diverged/);
  });

  it('finds the verification among the target runs and redoes it from the sweep', () => {
    const records = sweepRecords();
    const single = record(
      { parametrization: 'mup', width: 128, depth: 1, seed: 0, log2Hp: -5 },
      -5,
    );
    const target = [single, ...verifyRuns('mup', -5, -5), ...verifyRuns('sp', -4.6, -6)];
    expect(verifiedWidths(target)).toEqual([64]);
    const results = latestVerification(config, records, target, 128);
    expect(results.map((r) => r.parametrization).sort()).toEqual(['mup', 'sp']);
    const sp = results.find((r) => r.parametrization === 'sp')!;
    // SP's optimum moved down by 1.4 octaves from the prediction: a visible penalty.
    expect(sp.observed!.log2).toBeCloseTo(-6, 3);
    expect(sp.penalty).toBeCloseTo(0.1 * 1.4 ** 2, 3);
    const mup = results.find((r) => r.parametrization === 'mup')!;
    expect(mup.penalty).toBeLessThan(1e-6);
  });
});

describe('verify: export', () => {
  it('writes `verification`, reads it back, and names a bad field; files without it still read', () => {
    const records = sweepRecords();
    const target = verifyGrid(-5, 5, 2).map((log2Hp) =>
      record({ parametrization: 'mup', width: 64, depth: 1, seed: 0, log2Hp }, -4.5),
    );
    const verification = latestVerification(config, records, target);
    const build = (v = verification) =>
      buildExport({
        config,
        records,
        vocab: 96,
        targetWidth: 64,
        environment: { adapter: 'test' },
        verification: v,
      });
    const doc = build();
    expect(doc.verification).toMatchObject({ width: 64, depth: 1, seeds: [0] });
    const [r] = doc.verification!.results;
    expect(r.parametrization).toBe('mup');
    expect(r.observed!.log2).toBeCloseTo(-4.5, 6);
    expect(r.penalty).toBeCloseTo(0.025, 6);
    const back = parseImport(JSON.stringify(doc));
    if (!back.ok) throw new Error(back.message);
    expect(importedVerificationRuns(back.doc)).toEqual(target);

    const bad = JSON.parse(JSON.stringify(doc));
    bad.verification.results[0].penalty = 'small';
    const rejected = parseImport(JSON.stringify(bad));
    expect(rejected.ok).toBe(false);
    if (!rejected.ok) expect(rejected.message).toMatch(/^verification\.results\[0\]\.penalty/);

    const older = build([]);
    expect(older.verification).toBeUndefined();
    expect(parseImport(JSON.stringify(older)).ok).toBe(true);
  });
});
