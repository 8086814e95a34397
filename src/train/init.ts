/**
 * Parameter initialisation from transfer()'s per-tensor values: gains 1, biases 0, matrices
 * N(mean, std²) (the query columns of qkv with their own std, 0 when zero-initialised).
 * The normal draws depend only on the seed, so runs that differ in σ alone get the same draws,
 * scaled: a stacked σ sweep equals separate runs.
 */
import type { TensorValues } from '../mup/transfer';
import { Rng } from '../util/random';

export function initTensor(t: TensorValues, rng: Rng): Float32Array {
  const size = t.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  if (t.kind === 'gain') return out.fill(1);
  if (t.kind === 'bias') return out;
  const cols = t.shape[t.shape.length - 1];
  const [q0, q1] = t.queryColumns ?? [0, 0];
  for (let i = 0; i < size; i++) {
    const z = rng.normal();
    const col = i % cols;
    const std = col >= q0 && col < q1 ? (t.queryInitStd ?? t.initStd) : t.initStd;
    out[i] = t.initMean + std * z;
  }
  return out;
}

/** Initial values of every tensor, by name, drawn from one seeded stream in tensor order. */
export function initParams(
  tensors: readonly TensorValues[],
  seed: number,
): Record<string, Float32Array> {
  const rng = new Rng(seed * 1_000_003 + 17);
  const out: Record<string, Float32Array> = {};
  for (const t of tensors) out[t.name] = initTensor(t, rng);
  return out;
}
