/**
 * newton_schulz self-test: two batches in one op (two 7x33 matrices and one 33x7, i.e. wide and
 * tall in one dispatch per matmul), run for 0 steps (normalization only) and for 1 step. Bounds as
 * in src/ops/newtonSchulz.test.ts: X0 within nsNormalizeRelBound (src/ops/errorBounds.ts) of the
 * float64 normalization, elementwise; X1 within nsStepRef's derived bound (+1% for second-order
 * terms) of one float64 step from the GPU's own X0.
 */
import { nsNormalizeRef, nsStepRef } from '../../reference/newtonSchulz';
import { Rng } from '../../util/random';
import { nsNormalizeRelBound } from '../errorBounds';
import { prepareNewtonSchulz, type NewtonSchulzBatch } from '../newtonSchulz';
import { worstRatio, scopedSelfTest } from './common';

const CHUNK = 64;

export const newtonSchulzSelfTest = scopedSelfTest('newton_schulz', async (scope, worst) => {
  const { ctx } = scope;
  const batches: NewtonSchulzBatch[] = [
    { offset: 0, batch: 2, rows: 7, cols: 33 },
    { offset: 512, batch: 1, rows: 33, cols: 7 },
  ];
  const n = 512 + 33 * 7;
  const g = new Rng(29).normalArray(n, 0.5);
  const input = scope.upload(g, 'G');
  const iterate = async (steps: number) => {
    const output = scope.output(n, `X${steps}`);
    const op = await scope.op(
      prepareNewtonSchulz(ctx, { input, output, batches, steps, chunkSize: CHUNK }),
    );
    await scope.run([op], `selftest newton_schulz ${steps}`);
    return scope.read(output);
  };
  const x0 = await iterate(0);
  const x1 = await iterate(1);
  for (const b of batches) {
    for (let j = 0; j < b.batch; j++) {
      const size = b.rows * b.cols;
      const start = b.offset + j * size;
      const part = `${b.rows}x${b.cols} #${j}`;
      const want0 = nsNormalizeRef(g.subarray(start, start + size));
      const rel = nsNormalizeRelBound(CHUNK, Math.ceil(size / CHUNK));
      worst.add(
        `${part} normalize`,
        worstRatio(
          x0.subarray(start, start + size),
          want0,
          (i) => rel * Math.abs(want0[i]) + 1e-30,
        ),
      );
      const step = nsStepRef(x0.subarray(start, start + size), b.rows, b.cols);
      worst.add(
        `${part} step`,
        worstRatio(x1.subarray(start, start + size), step.out, (i) => 1.01 * step.bound[i]),
      );
    }
  }
  return '2x 7x33 and 1x 33x7 in one op, normalization and one step';
});
