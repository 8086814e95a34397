/**
 * `mup-lab dump`: the evidence for the PyTorch parity test. For each case (parametrization ×
 * width × tied readout × biases) it trains one run on the GPU engine (trainStack, the code the
 * lab runs) and writes the run's initial weights, its batches and every step's loss, so that
 * python/tests/test_parity.py can feed the same weights and batches to the PyTorch GPT.
 *
 * Format (docs/pytorch.md), one folder per case under --out:
 *   manifest.json  {format: "mup-lab/dump", version: 1, case, parametrization, hyperparameters,
 *                   base, target (export shapes), multipliers, steps, batch, context, seed,
 *                   schedule, adapter, losses[steps], tensors[{name, shape, offset}],
 *                   weights: "weights.bin", batches: "batches.bin"}
 *   weights.bin    little-endian f32: every tensor in the lab's layout ([in, out] matrices),
 *                  in gptTensors() order, tensor k at element offset tensors[k].offset.
 *   batches.bin    little-endian u32 [steps, 2, batch, context]: per step the inputs, then the
 *                  targets.
 * and corpus.txt, the text the batches are drawn from (the built-in corpus).
 */
import { mkdirSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import type { GpuContext } from '../gpu';
import { adapterLabel } from '../gpu';
import { BatchSampler } from '../data/batches';
import { generateCorpus } from '../data/corpus';
import type { MupHyperparams, Parametrization } from '../mup/rules';
import type { GptShape } from '../mup/shapes';
import { transfer } from '../mup/transfer';
import { prepareData } from '../sweep/data';
import { toExportShape } from '../exchange/exportShapes';
import { initParams } from '../train/init';
import type { Schedule } from '../train/schedule';
import { trainStack } from '../train/trainer';
import { writeFileAtomic } from '../util/atomicFile';

export const DUMP_FORMAT = 'mup-lab/dump';

export interface DumpCase {
  id: string;
  parametrization: Parametrization;
  hp: MupHyperparams;
  base: GptShape;
  target: GptShape;
}

export interface DumpRun {
  steps: number;
  batch: number;
  seed: number;
  /** Built-in corpus seed and size. */
  corpusSeed: number;
  corpusSize: number;
}

/** The runs' schedule: constant (the parity test replays it exactly; cosine is lrFactor's). */
const SCHEDULE: Schedule = { kind: 'constant' };

function bytes(a: Float32Array | Uint32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export async function writeDump(
  ctx: GpuContext,
  c: DumpCase,
  run: DumpRun,
  outDir: string,
): Promise<number[]> {
  if (endianness() !== 'LE') throw new Error('mup-lab dump writes little-endian files only');
  const T = c.target.context;
  const data = prepareData({ kind: 'synthetic', seed: run.corpusSeed, size: run.corpusSize }, T);
  const target = { ...c.target, vocab: data.vocab };
  const base = { ...c.base, vocab: data.vocab };
  const result = transfer(c.hp, c.parametrization, base, target);
  // The trainer draws its init and batches from the same seed: replay them here to write them.
  const init = initParams(result.tensors, run.seed);
  const sampler = new BatchSampler(data.train, run.batch, T, run.seed);
  const batches = new Uint32Array(run.steps * 2 * run.batch * T);
  for (let s = 0; s < run.steps; s++) {
    const b = sampler.next();
    batches.set(b.inputs, 2 * s * run.batch * T);
    batches.set(b.targets, (2 * s + 1) * run.batch * T);
  }
  const trained = await trainStack(ctx, {
    shape: target,
    base,
    parametrization: c.parametrization,
    hps: [c.hp],
    seed: run.seed,
    steps: run.steps,
    batch: run.batch,
    schedule: SCHEDULE,
    data,
    readEvery: run.steps,
    evalBatches: 0,
  });
  const losses = trained.runs[0].losses;
  if (losses.length !== run.steps) {
    throw new Error(`${c.id}: the run diverged at step ${trained.runs[0].divergedAtStep}`);
  }

  const dir = join(outDir, c.id);
  mkdirSync(dir, { recursive: true });
  let offset = 0;
  const tensors = result.tensors.map((t) => {
    const entry = { name: t.name, shape: t.shape, offset };
    offset += init[t.name].length;
    return entry;
  });
  const weights = new Float32Array(offset);
  for (const t of tensors) weights.set(init[t.name], t.offset);
  writeFileAtomic(join(dir, 'weights.bin'), bytes(weights));
  writeFileAtomic(join(dir, 'batches.bin'), bytes(batches));
  const manifest = {
    format: DUMP_FORMAT,
    version: 1,
    case: c.id,
    parametrization: c.parametrization,
    hyperparameters: c.hp,
    base: toExportShape(base),
    target: toExportShape(target),
    multipliers: result.multipliers,
    steps: run.steps,
    batch: run.batch,
    context: T,
    seed: run.seed,
    schedule: SCHEDULE,
    adapter: adapterLabel(ctx.adapter),
    losses,
    tensors,
    weights: 'weights.bin',
    batches: 'batches.bin',
  };
  writeFileAtomic(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  writeFileAtomic(
    join(outDir, 'corpus.txt'),
    generateCorpus({ seed: run.corpusSeed, size: run.corpusSize }).text,
  );
  return losses;
}
