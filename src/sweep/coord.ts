/**
 * Coordinate check (Tensor Programs V, Fig. 5): train each width a few steps and record the
 * mean |x| of every layer type after each step's forward pass. Under µP no layer's size grows
 * with width once Adam has taken a few steps; under SP the readout logits and the residual
 * stream blow up. Reads activations back each step: a diagnostic, not a fast path.
 */
import { readTensor, type GpuContext } from '../gpu';
import type { GptGpu } from '../model/gpt';
import { trainStack } from '../train/trainer';
import type { SweepConfig } from './config';
import type { CoordLayer, CoordRecord } from '../analysis/coordVerdict';
import { prepareData, type PreparedData } from './data';
import { baseShapeOf, runShapeOf } from './plan';

export { coordVerdict } from '../analysis/coordVerdict';
export type { CoordLayer, CoordRecord } from '../analysis/coordVerdict';

function meanAbs(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i]);
  return s / x.length;
}

/** mean |attnScale · q·k| over the causal (query, key) pairs of every sequence and head. */
function attentionLogitMeanAbs(qkv: Float32Array, model: GptGpu, scale: number): number {
  const { width: d, heads: H, headSize: D, context: T } = model.dims;
  let sum = 0;
  let count = 0;
  for (let b = 0; b < model.batch; b++) {
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < T; i++) {
        const qi = (b * T + i) * 3 * d + h * D;
        for (let j = 0; j <= i; j++) {
          const kj = (b * T + j) * 3 * d + d + h * D;
          let dot = 0;
          for (let e = 0; e < D; e++) dot += qkv[qi + e] * qkv[kj + e];
          sum += Math.abs(scale * dot);
          count++;
        }
      }
    }
  }
  return sum / count;
}

async function layerStats(ctx: GpuContext, model: GptGpu): Promise<Record<CoordLayer, number>> {
  const a = model.activations;
  const { attnScale, readoutMult } = model.options.multipliers;
  const perBlock = async (xs: typeof a.attnOutput, f: (x: Float32Array) => number) => {
    let s = 0;
    for (const x of xs) s += f(await readTensor(ctx, x));
    return s / xs.length;
  };
  return {
    embedding: meanAbs(await readTensor(ctx, a.embedding)),
    attnLogits: await perBlock(a.qkv, (x) => attentionLogitMeanAbs(x, model, attnScale)),
    attnOutput: await perBlock(a.attnOutput, meanAbs),
    mlpOutput: await perBlock(a.mlpOutput, meanAbs),
    blockOutput: await perBlock(a.blockOutput, meanAbs),
    // The logits the loss sees are the readout's output times the output multiplier.
    readoutLogits: readoutMult * meanAbs(await readTensor(ctx, a.logits)),
  };
}

export interface CoordCheckOptions {
  widths: number[];
  /**
   * Depths to check at the first width instead of widths (depth-µP, CompleteP: no layer should
   * grow with depth); records then carry the depth in their `width` field, the scaled value.
   */
  depths?: number[];
  steps: number;
  seed?: number;
  data?: PreparedData;
  /** Called after each width's run of each parametrization. */
  onProgress?(done: number, total: number): void;
}

export async function coordCheck(
  ctx: GpuContext,
  config: SweepConfig,
  opts: CoordCheckOptions,
): Promise<CoordRecord[]> {
  const data = opts.data ?? prepareData(config.data, config.model.context);
  const records: CoordRecord[] = [];
  const shapes = opts.depths
    ? opts.depths.map((depth) => ({ width: opts.widths[0], depth, scaled: depth }))
    : opts.widths.map((width) => ({ width, depth: config.model.depth, scaled: width }));
  const total = config.parametrizations.length * shapes.length;
  let done = 0;
  for (const parametrization of config.parametrizations) {
    for (const { width, depth, scaled } of shapes) {
      const shape = runShapeOf(config, { width, depth }, data.vocab);
      await trainStack(
        ctx,
        {
          shape,
          base: baseShapeOf(config, data.vocab),
          parametrization,
          hps: [config.hp],
          seed: opts.seed ?? 0,
          steps: opts.steps,
          batch: config.train.batch,
          schedule: { kind: 'constant' },
          data,
          evalBatches: 0,
        },
        {
          inspect: async (step, model) => {
            const stats = await layerStats(ctx, model);
            for (const layer of Object.keys(stats) as CoordLayer[]) {
              records.push({ parametrization, width: scaled, step, layer, meanAbs: stats[layer] });
            }
          },
        },
      );
      opts.onProgress?.(++done, total);
    }
  }
  return records;
}
