import { describe, expect, it } from 'vitest';
import { Rng } from '../util/random';
import { refGptForwardBackward, refGptParamShapes, type RefGptConfig, type RefParams } from './gpt';

function tinyConfig(overrides: Partial<RefGptConfig> = {}): RefGptConfig {
  return {
    width: 8,
    depth: 2,
    heads: 2,
    headSize: 4,
    context: 6,
    vocab: 11,
    mlpHidden: 16,
    tiedReadout: false,
    biases: true,
    inputMult: 1.7,
    attnScale: 0.3,
    residualMult: 0.8,
    readoutMult: 1.3,
    lnEps: 1e-5,
    ...overrides,
  };
}

function randomParams(c: RefGptConfig, rng: Rng): RefParams {
  const params: RefParams = {};
  for (const [name, shape] of refGptParamShapes(c)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const isGain = name.endsWith('.gain');
    params[name] = Float64Array.from({ length: n }, () => (isGain ? 1 : 0) + 0.5 * rng.normal());
  }
  return params;
}

/**
 * Central differences with h = 1e-5 have truncation error O(h^2 f''') ~ 1e-10 and rounding
 * error ~ eps64 |f| / h ~ 1e-11 on a loss of order 1, so analytic and numeric gradients must
 * agree to ~1e-8 absolute; we allow 1e-7 (plus 1e-6 relative).
 */
function checkGradients(c: RefGptConfig, seed: number) {
  const rng = new Rng(seed);
  const params = randomParams(c, rng);
  const B = 2;
  const T = 5;
  const tokens = Array.from({ length: B * T }, () => rng.int(c.vocab));
  const targets = Array.from({ length: B * T }, () => rng.int(c.vocab));
  const { grads, loss } = refGptForwardBackward(c, params, tokens, targets, B);
  expect(Number.isFinite(loss)).toBe(true);
  const h = 1e-5;
  let checked = 0;
  for (const [name] of refGptParamShapes(c)) {
    const p = params[name];
    for (let i = 0; i < p.length; i++) {
      const keep = p[i];
      p[i] = keep + h;
      const up = refGptForwardBackward(c, params, tokens, targets, B).loss;
      p[i] = keep - h;
      const down = refGptForwardBackward(c, params, tokens, targets, B).loss;
      p[i] = keep;
      const numeric = (up - down) / (2 * h);
      const analytic = grads[name][i];
      expect(Math.abs(numeric - analytic), `${name}[${i}]: ${analytic} vs ${numeric}`).toBeLessThan(
        1e-7 + 1e-6 * Math.abs(numeric),
      );
      checked++;
    }
  }
  return checked;
}

describe('float64 reference GPT', () => {
  it('passes a finite-difference check of every parameter gradient (untied, biases)', () => {
    expect(checkGradients(tinyConfig(), 1)).toBeGreaterThan(1000);
  });

  it('passes it tied and without biases', () => {
    checkGradients(tinyConfig({ tiedReadout: true, biases: false, depth: 1 }), 2);
  });

  it('starts near log(vocab) with small weights', () => {
    const c = tinyConfig();
    const rng = new Rng(3);
    const params = randomParams(c, rng);
    for (const [name] of refGptParamShapes(c)) {
      if (!name.endsWith('.gain')) params[name] = params[name].map((v) => v * 1e-4);
    }
    const tokens = [1, 2, 3, 4, 5, 6];
    const { loss, stats } = refGptForwardBackward(c, params, tokens, tokens, 1);
    expect(loss).toBeCloseTo(Math.log(c.vocab), 3);
    expect(Object.keys(stats).sort()).toEqual(
      ['attnLogits', 'attnOutput', 'blockOutput', 'embedding', 'mlpOutput', 'readoutLogits'].sort(),
    );
  });
});
