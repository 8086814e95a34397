/**
 * Newton-Schulz orthogonalization of batches of matrices on the GPU (Muon's core; Keller Jordan's
 * zeropower_via_newtonschulz5, float32 here): per matrix X0 = G / (‖G‖_F + 1e-7), then `steps`
 * times X <- a X + (b A + c A²) X with A = X Xᵀ, (a, b, c) = (3.4445, -4.7750, 2.0315). A matrix
 * with rows > cols is iterated in its own orientation with A = XᵀX and X <- X (a I + b A + c A²),
 * which is the reference's transpose-iterate-transpose without moving any data.
 *
 * Dispatches, in one pass: reduce.wgsl's group statistics (one group per matrix: its sum of
 * squares), newton_schulz.wgsl `normalize` over every matrix, then per step and per batch (matrices
 * of one shape, e.g. one shape over a model's layers and stacked runs) four dispatches: the Gram
 * matrix A (matmul, one operand transposed), P = a I + b A (`poly_init`), P += c A·A (matmul with
 * α = c, β = 1) and X' = P X (matmul). The iterates alternate between `output` and a work buffer,
 * arranged so that the last lands in `output`. Float64 reference: src/reference/newtonSchulz.ts.
 */
import newtonSchulzWgsl from '../../kernels/newton_schulz.wgsl?raw';
import {
  bindingOf,
  createTensor,
  createUniform,
  dispatchOp,
  releaseTensor,
  viewOf,
  type GpuContext,
  type GpuTensor,
  type PreparedOp,
} from '../gpu';
import { NS_COEFFICIENTS } from '../reference/newtonSchulz';
import { prepareMatmul } from './matmul';
import { prepareGroupStats, type GroupStatsOp } from './reduce';
import { checkDims, checkNoAliasing, flatGrid, needTensor } from './shapes';

export const NEWTON_SCHULZ_KERNEL = { name: 'newton_schulz', code: newtonSchulzWgsl };

/** Elements a batch's offset must be a multiple of: storage bindings start at 256 bytes. */
export const NS_ALIGN = 64;

/** `batch` row-major rows x cols matrices, one after another from element `offset`. */
export interface NewtonSchulzBatch {
  offset: number;
  batch: number;
  rows: number;
  cols: number;
}

export interface NewtonSchulzArgs {
  /** The matrices G (read only). */
  input: GpuTensor;
  /** The orthogonalized matrices, in the input's layout. */
  output: GpuTensor;
  batches: readonly NewtonSchulzBatch[];
  /** Iterations (0: normalization only, for tests). Default 5. */
  steps?: number;
  /** Elements per workgroup of the norm and the normalization. Default 4096. */
  chunkSize?: number;
  label?: string;
}

export interface NewtonSchulzOp extends PreparedOp {
  /** The per-matrix sums of squares (group g = the g-th matrix over the batches in order). */
  readonly norms: GroupStatsOp;
  readonly matrices: number;
}

const roundUp = (n: number, a: number) => Math.ceil(n / a) * a;

export async function prepareNewtonSchulz(
  ctx: GpuContext,
  args: NewtonSchulzArgs,
): Promise<NewtonSchulzOp> {
  const label = args.label ?? 'newton-schulz';
  const steps = args.steps ?? 5;
  if (!Number.isInteger(steps) || steps < 0) {
    throw new Error(`${label}: steps must be an integer >= 0, got ${steps}`);
  }
  const { input, output, batches } = args;
  if (batches.length === 0) throw new Error(`${label}: no matrices`);
  let end = 0;
  for (const [i, b] of batches.entries()) {
    checkDims(`${label} batch ${i}`, { batch: b.batch, rows: b.rows, cols: b.cols });
    if (!Number.isInteger(b.offset) || b.offset < 0 || b.offset % NS_ALIGN !== 0) {
      throw new Error(`${label}: batch ${i} offset ${b.offset} is not a multiple of ${NS_ALIGN}`);
    }
    end = Math.max(end, b.offset + b.batch * b.rows * b.cols);
  }
  needTensor(label, 'input', input, end);
  needTensor(label, 'output', output, end);
  checkNoAliasing(label, { output }, { input });
  const sorted = [...batches].sort((x, y) => x.offset - y.offset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    if (sorted[i].offset < prev.offset + prev.batch * prev.rows * prev.cols) {
      throw new Error(`${label}: batches at ${prev.offset} and ${sorted[i].offset} overlap`);
    }
  }

  const owned: PreparedOp[] = [];
  const tensors: GpuTensor[] = [];
  const uniforms: GPUBuffer[] = [];
  const releaseAll = () => {
    owned.forEach((o) => o.release());
    tensors.forEach((t) => releaseTensor(ctx, t));
    uniforms.forEach((b) => ctx.pool.release(b));
  };
  try {
    // One group per matrix: its sum of squares, over chunks that never span two matrices.
    const segments = batches
      .flatMap((b) =>
        Array.from({ length: b.batch }, (_, j) => ({
          offset: b.offset + j * b.rows * b.cols,
          length: b.rows * b.cols,
        })),
      )
      .map((s, g) => ({ ...s, group: g }));
    const norms = await prepareGroupStats(ctx, {
      x: input,
      segments,
      groups: segments.length,
      chunkSize: args.chunkSize,
      label: `${label}:norm`,
    });
    owned.push(norms);

    // X_k lives in `output` when steps - k is even, else in `work`: X_steps is in `output`.
    const work = createTensor(ctx, [Math.max(end, 4)], 'f32', `${label}:work`);
    tensors.push(work);
    const xOf = (k: number) => ((steps - k) % 2 === 0 ? output : work);

    // Gram and polynomial matrices, each batch's at an aligned offset of its own.
    const gramOffsets: number[] = [];
    let gramSize = 0;
    for (const b of batches) {
      gramOffsets.push(gramSize);
      const side = Math.min(b.rows, b.cols);
      gramSize = roundUp(gramSize + b.batch * side * side, NS_ALIGN);
    }
    const gram = createTensor(ctx, [Math.max(gramSize, 4)], 'f32', `${label}:gram`);
    const poly = createTensor(ctx, [Math.max(gramSize, 4)], 'f32', `${label}:poly`);
    tensors.push(gram, poly);

    const [normalizePipeline, polyPipeline] = await Promise.all([
      ctx.pipelines.get(NEWTON_SCHULZ_KERNEL, 'normalize'),
      ctx.pipelines.get(NEWTON_SCHULZ_KERNEL, 'poly_init'),
    ]);
    const [a, b, c] = NS_COEFFICIENTS;
    const normUniform = createUniform(
      ctx,
      NEWTON_SCHULZ_KERNEL,
      { numChunks: norms.table.numChunks, count: 0, side: 1, a, b },
      `${label}:normalize`,
    );
    uniforms.push(normUniform);
    const x0 = xOf(0);
    const normalize = dispatchOp(ctx, {
      label: `${label}:normalize`,
      dispatches: [
        {
          pipeline: normalizePipeline,
          entries: [
            { binding: 0, resource: { buffer: normUniform } },
            { binding: 1, resource: bindingOf(input) },
            { binding: 2, resource: bindingOf(x0) },
            { binding: 3, resource: bindingOf(norms.chunks) },
            { binding: 4, resource: bindingOf(norms.stats) },
          ],
          groups: flatGrid(ctx, norms.table.numChunks, label),
        },
      ],
      owned: [],
    });
    owned.push(normalize);

    // Per batch: its views and the poly_init dispatch (the same for every step).
    const perBatch = [];
    for (const [i, bt] of batches.entries()) {
      const side = Math.min(bt.rows, bt.cols);
      const count = bt.batch * side * side;
      const size = bt.batch * bt.rows * bt.cols;
      const gv = viewOf(gram, gramOffsets[i], [count]);
      const pv = viewOf(poly, gramOffsets[i], [count]);
      const u = createUniform(
        ctx,
        NEWTON_SCHULZ_KERNEL,
        { numChunks: 0, count, side, a, b },
        `${label}:poly`,
      );
      uniforms.push(u);
      const polyOp = dispatchOp(ctx, {
        label: `${label}:poly ${side}`,
        dispatches: [
          {
            pipeline: polyPipeline,
            entries: [
              { binding: 0, resource: { buffer: u } },
              { binding: 5, resource: bindingOf(gv) },
              { binding: 6, resource: bindingOf(pv) },
            ],
            groups: flatGrid(ctx, Math.ceil(count / 256), label),
          },
        ],
        owned: [],
      });
      owned.push(polyOp);
      const square = await prepareMatmul(ctx, {
        a: gv,
        b: gv,
        c: pv,
        m: side,
        k: side,
        n: side,
        batch: bt.batch,
        alpha: c,
        beta: 1,
        label: `${label}:A·A ${side}`,
      });
      owned.push(square);
      perBatch.push({ side, size, gv, pv, polyOp, square });
    }

    // Each step's dispatches, per batch: Gram, poly, A·A, X'.
    const stepOps: PreparedOp[] = [];
    for (let k = 1; k <= steps; k++) {
      for (const [i, bt] of batches.entries()) {
        const { side, size, gv, pv, polyOp, square } = perBatch[i];
        const xPrev = viewOf(xOf(k - 1), bt.offset, [size]);
        const xNext = viewOf(xOf(k), bt.offset, [size]);
        const tall = bt.rows > bt.cols;
        const rc = bt.rows * bt.cols;
        const gramOp = await prepareMatmul(ctx, {
          a: xPrev,
          b: xPrev,
          c: gv,
          m: side,
          k: tall ? bt.rows : bt.cols,
          n: side,
          batch: bt.batch,
          transA: tall,
          transB: !tall,
          strideA: rc,
          strideB: rc,
          strideC: side * side,
          label: `${label}:gram ${bt.rows}x${bt.cols}`,
        });
        owned.push(gramOp);
        const updateOp = await prepareMatmul(ctx, {
          a: tall ? xPrev : pv,
          b: tall ? pv : xPrev,
          c: xNext,
          m: bt.rows,
          k: side,
          n: bt.cols,
          batch: bt.batch,
          strideA: tall ? rc : side * side,
          strideB: tall ? side * side : rc,
          strideC: rc,
          label: `${label}:update ${bt.rows}x${bt.cols}`,
        });
        owned.push(updateOp);
        stepOps.push(gramOp, polyOp, square, updateOp);
      }
    }
    const sequence: PreparedOp[] = [norms, normalize, ...stepOps];
    const matrices = segments.length;
    return {
      label: `${label} ${matrices} matrices, ${steps} steps`,
      norms,
      matrices,
      encode(pass) {
        for (const op of sequence) op.encode(pass);
      },
      release: releaseAll,
    };
  } catch (e) {
    releaseAll();
    throw e;
  }
}
