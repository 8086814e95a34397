/**
 * Muon on the GPU (Keller Jordan 2024, github.com/KellerJordan/Muon; modded-nanogpt) for the
 * hidden matrices, AdamW for every other tensor, as modded-nanogpt and Moonlight split them. One
 * step, in one pass:
 *
 * 1. adamw.wgsl's gradient statistics over EVERY gradient of each run (its norm for the clip, its
 *    non-finite flag), then AdamW's update of the non-hidden tensors (the hidden ones are in the
 *    statistics only: `statsOnly`);
 * 2. muon.wgsl `momentum`: the clipped gradient into the momentum buffer and the Nesterov blend
 *    U = lerp(g, buf, μ), packed per matrix (q, k and v of the fused qkv are three matrices);
 * 3. Newton-Schulz on every U (src/ops/newtonSchulz.ts): matrices of one shape, over layers and
 *    stacked runs, share each matmul dispatch;
 * 4. muon.wgsl `apply`: p = p (1 - lr wd) - lr · scale · O, scale = muonUpdateScale (SP-Muon:
 *    Moonlight's 0.2·√max(fan_in, fan_out); µP-Muon: the spectral √(fan_out/fan_in)).
 * A run whose gradients are not finite keeps its parameters, moments and momentum.
 */
import muonWgsl from '../../../kernels/muon.wgsl?raw';
import {
  bindingOf,
  createTensor,
  singleDispatchOp,
  releaseTensor,
  STORAGE_USAGE,
  tensorEntries,
  uploadTensor,
  type GpuTensor,
  type PreparedOp,
  createUniformBlock,
} from '../../gpu';
import {
  isMuonTensor,
  muonMatrices,
  muonMomentumOf,
  muonUpdateScale,
  nsStepsOf,
} from '../../mup/optimizers';
import { prepareAdamW } from '../../ops/adamw';
import { NS_ALIGN, prepareNewtonSchulz, type NewtonSchulzBatch } from '../../ops/newtonSchulz';
import { buildChunkTable, uploadWords } from '../../ops/reduce';
import { flatGrid } from '../../ops/shapes';
import { stackedTensors } from './tensorTable';
import type { GpuOptimizer } from './types';

export const MUON_KERNEL = { name: 'muon', code: muonWgsl };

/** Bytes per entry of the matrix table; must match `struct Matrix` in muon.wgsl. */
const MATRIX_BYTES = 32;
const CHUNK = 4096;

interface MuonMatrix {
  /** Element offset of (0, 0) in the flat parameters, and the row stride there. */
  param: number;
  ld: number;
  rows: number;
  cols: number;
  group: number;
  lr: number;
  weightDecay: number;
  scale: number;
  /** Offset in the packed work buffers (set once the matrices are batched by shape). */
  work: number;
}

export const muonGpu: GpuOptimizer = {
  name: 'muon',
  async prepare(ctx, setup) {
    const { model, transfers } = setup;
    const label = 'muon';
    const hp0 = transfers[0].hp;
    const momentum = muonMomentumOf(hp0);
    const steps = nsStepsOf(hp0);
    for (const tr of transfers) {
      if (muonMomentumOf(tr.hp) !== momentum || nsStepsOf(tr.hp) !== steps) {
        throw new Error('Stacked runs must share their momentum and Newton-Schulz steps');
      }
    }
    const { beta1, beta2, clip } = transfers[0].optimizer;
    const layout = model.layout;

    // Every hidden matrix of every run, by shape: one batch per shape.
    const byShape = new Map<string, MuonMatrix[]>();
    transfers.forEach((tr, k) => {
      for (const t of tr.tensors) {
        if (!isMuonTensor(t)) continue;
        const slot = layout.byName.get(t.name)!;
        const [, width] = t.shape;
        for (const m of muonMatrices(t.name, t.shape)) {
          const key = `${m.rows}x${m.cols}`;
          const list = byShape.get(key) ?? [];
          list.push({
            param: k * layout.runStride + slot.offset + m.col,
            ld: width,
            rows: m.rows,
            cols: m.cols,
            group: k,
            lr: t.lr,
            weightDecay: t.weightDecay,
            scale: muonUpdateScale(tr.parametrization, m.rows, m.cols),
            work: 0,
          });
          byShape.set(key, list);
        }
      }
    });
    const batches: NewtonSchulzBatch[] = [];
    const matrices: MuonMatrix[] = [];
    let workSize = 0;
    for (const list of byShape.values()) {
      const { rows, cols } = list[0];
      batches.push({ offset: workSize, batch: list.length, rows, cols });
      for (const m of list) {
        m.work = workSize;
        workSize += rows * cols;
        matrices.push(m);
      }
      workSize = Math.ceil(workSize / NS_ALIGN) * NS_ALIGN;
    }
    if (matrices.length === 0) throw new Error('Muon: the model has no hidden matrices');

    const tensors: GpuTensor[] = [];
    const buffers: GPUBuffer[] = [];
    const ops: PreparedOp[] = [];
    const releaseAll = () => {
      ops.forEach((o) => o.release());
      tensors.forEach((t) => releaseTensor(ctx, t));
      buffers.forEach((b) => ctx.pool.release(b));
    };
    try {
      const zeros = new Float32Array(layout.totalSize);
      const [adamM, adamV, buf] = ['adam m', 'adam v', 'muon momentum'].map((name) =>
        uploadTensor(ctx, zeros, [zeros.length], name),
      );
      tensors.push(adamM, adamV, buf);
      const adam = await prepareAdamW(ctx, {
        params: model.params,
        grads: model.grads,
        m: adamM,
        v: adamV,
        tensors: stackedTensors(setup, isMuonTensor),
        groups: transfers.length,
        beta1,
        beta2,
        clip,
        label: `${label}:adamw`,
      });
      ops.push(adam);

      const u = createTensor(ctx, [workSize], 'f32', `${label}:U`);
      const o = createTensor(ctx, [workSize], 'f32', `${label}:O`);
      tensors.push(u, o);
      const ns = await prepareNewtonSchulz(ctx, {
        input: u,
        output: o,
        batches,
        steps,
        label: `${label}:newton-schulz`,
      });
      ops.push(ns);

      const table = new DataView(new ArrayBuffer(matrices.length * MATRIX_BYTES));
      matrices.forEach((m, i) => {
        const at = i * MATRIX_BYTES;
        table.setUint32(at, m.param, true);
        table.setUint32(at + 4, m.ld, true);
        table.setUint32(at + 8, m.cols, true);
        table.setUint32(at + 12, m.work, true);
        table.setUint32(at + 16, m.group, true);
        table.setFloat32(at + 20, m.lr, true);
        table.setFloat32(at + 24, m.weightDecay, true);
        table.setFloat32(at + 28, m.scale, true);
      });
      const tableBuffer = ctx.pool.acquire(table.byteLength, STORAGE_USAGE, `${label}:matrices`);
      buffers.push(tableBuffer);
      ctx.device.queue.writeBuffer(tableBuffer, 0, table.buffer);
      const chunkTable = buildChunkTable(
        matrices.map((m, i) => ({ offset: m.work, length: m.rows * m.cols, group: i })),
        matrices.length,
        CHUNK,
        workSize,
        label,
      );
      const chunks = uploadWords(ctx, chunkTable.chunks, `${label}:chunks`);
      tensors.push(chunks);

      const uniforms = createUniformBlock(ctx, MUON_KERNEL, label);
      buffers.push(uniforms.buffer);
      let lrScale = 1;
      const writeUniforms = () =>
        uniforms.write({ momentum, clip, lrScale, numChunks: chunkTable.numChunks });
      writeUniforms();

      const [momentumPipeline, applyPipeline] = await Promise.all([
        ctx.pipelines.get(MUON_KERNEL, 'momentum'),
        ctx.pipelines.get(MUON_KERNEL, 'apply'),
      ]);
      const grid = flatGrid(ctx, chunkTable.numChunks, label);
      const common = [
        { binding: 0, resource: { buffer: uniforms.buffer } },
        { binding: 5, resource: { buffer: tableBuffer, size: table.byteLength } },
        { binding: 6, resource: bindingOf(chunks) },
        { binding: 7, resource: bindingOf(adam.stats) },
      ];
      // The two muon.wgsl passes: the common bindings and each pass's own tensors.
      const pass = (name: string, pipeline: GPUComputePipeline, own: [number, GpuTensor][]) =>
        singleDispatchOp(ctx, {
          label: `${label}:${name}`,
          pipeline,
          entries: [...common, ...tensorEntries(own)],
          groups: grid,
          owned: [],
        });
      const momentumOp = pass('momentum', momentumPipeline, [
        [2, model.grads],
        [3, buf],
        [4, u],
      ]);
      const applyOp = pass('apply', applyPipeline, [
        [1, model.params],
        [4, o],
      ]);
      const sequence: PreparedOp[] = [adam, momentumOp, ns, applyOp];
      return {
        label: `${label} (${matrices.length} matrices in ${batches.length} shapes, ${steps} steps)`,
        stats: adam.stats,
        encode(pass) {
          for (const op of sequence) op.encode(pass);
        },
        setStep(step, scale) {
          adam.setStep(step, scale);
          if (scale !== undefined) {
            lrScale = scale;
            writeUniforms();
          }
        },
        release: releaseAll,
      };
    } catch (e) {
      releaseAll();
      throw e;
    }
  },
};
