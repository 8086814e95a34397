/**
 * Golden tables for the Python port (python/mup_lab): transfer() of src/mup for every
 * parametrization, every depth option src/mup exports (DEPTH_ALPHAS), every optimizer
 * (OPTIMIZER_NAMES) with several hyperparameter sets each, base shapes (fixed heads / fixed head size, tied / untied, biases on / off) and target
 * widths and depths. python/tests/test_golden.py recomputes each case and compares every number
 * to 1e-12, so a rule changed here and not ported there fails loudly.
 */
import { DEFAULT_HYPERPARAMS, DEPTH_ALPHAS, type MupHyperparams } from '../mup/rules';
import type { GptShape } from '../mup/shapes';
import { PARAMETRIZATIONS } from '../mup/parametrizations';
import { isMuonTensor, muonMatrices, muonUpdateScale, OPTIMIZER_NAMES } from '../mup/optimizers';
import { transfer, type TransferResult } from '../mup/transfer';
import { toExportShape } from '../exchange/exportShapes';

export const GOLDEN_FORMAT = 'mup-lab/golden-transfer';

const HP_VARIANTS: ReadonlyArray<Partial<MupHyperparams>> = [
  {},
  { lr: 0.0123, initStd: 0.037, alphaIn: 2.5, alphaOut: 0.3, alphaAttn: 1.7, weightDecay: 0.1 },
  { zeroReadout: true, zeroQuery: true, eps: 1e-6, weightDecay: 0.01, clip: 0, momentum: 0.5 },
  // Every optimizer's own fields set away from their defaults (Muon: momentum, Newton-Schulz).
  { lr: 0.02, weightDecay: 0.1, momentum: 0.8, nsSteps: 3 },
];

/** Muon cases also carry each Newton-Schulz matrix and the scale of its update. */
function muonMatricesOf(r: TransferResult) {
  return r.tensors.filter(isMuonTensor).flatMap((t) =>
    muonMatrices(t.name, t.shape).map((m) => ({
      name: t.name,
      ...m,
      scale: muonUpdateScale(r.parametrization, m.rows, m.cols),
    })),
  );
}

const BASES: readonly GptShape[] = [
  { width: 32, depth: 2, heads: 4, context: 16, vocab: 40, tiedReadout: false, biases: false },
  { width: 64, depth: 3, headSize: 16, context: 8, vocab: 7, tiedReadout: true, biases: true },
  {
    width: 48,
    depth: 1,
    heads: 3,
    context: 32,
    vocab: 65,
    mlpRatio: 2.5,
    tiedReadout: false,
    biases: true,
  },
];

const WIDTH_FACTORS = [0.5, 1, 3, 32];
const DEPTH_FACTORS = [1, 2, 6];

export function goldenTables() {
  const cases = [];
  for (const parametrization of PARAMETRIZATIONS) {
    for (const depthAlpha of DEPTH_ALPHAS) {
      for (const variant of OPTIMIZER_NAMES.flatMap((optimizer) =>
        HP_VARIANTS.map((v) => ({ ...v, optimizer })),
      )) {
        const hp: MupHyperparams = { ...DEFAULT_HYPERPARAMS, ...variant, depthAlpha };
        for (const base of BASES) {
          for (const wf of WIDTH_FACTORS) {
            for (const df of DEPTH_FACTORS) {
              const target = { ...base, width: base.width * wf, depth: base.depth * df };
              const r = transfer(hp, parametrization, base, target);
              cases.push({
                parametrization,
                hp,
                base: toExportShape(base),
                target: toExportShape(target),
                tensors: r.tensors,
                multipliers: r.multipliers,
                optimizer: r.optimizer,
                ...(r.optimizer.name === 'muon' ? { muon: muonMatricesOf(r) } : {}),
              });
            }
          }
        }
      }
    }
  }
  return { format: GOLDEN_FORMAT, version: 1, depthAlphas: [...DEPTH_ALPHAS], cases };
}
