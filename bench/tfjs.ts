/**
 * TensorFlow.js's WebGPU backend on OUR device, so that its matmul and ours run side by side on
 * the same adapter in the same process. TF.js checks `navigator.gpu` before it will construct its
 * backend; in Node we give it Dawn's (the `webgpu` package), but hand it our GPUDevice directly.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { create } from 'webgpu';
import type { GpuContext } from '../src/gpu';
import type { TimingMethod } from '../src/gpu/timing';
import { useTfjsWebgpu } from './tfjs-backend';

export interface TfjsMatmul {
  /** Milliseconds per matmul over `inner` back-to-back matmuls. */
  time(inner: number): Promise<number>;
  /** How the last sample was timed. */
  method(): TimingMethod;
  /** The WebGPU programs TF.js ran for this matmul (from its profiler), once known. */
  programs(): string;
  dispose(): void;
}

export interface TfjsBench {
  readonly version: string;
  matmul(m: number, k: number, n: number, transA: boolean, transB: boolean): TfjsMatmul;
  dispose(): void;
}

// Kept for the life of the process: a garbage-collected Dawn instance can abort Node.
let dawnGpu: GPU | undefined;

function exposeNavigatorGpu(): void {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return;
  dawnGpu ??= create([]);
  // Node 21+ defines a read-only `navigator` getter: replace it rather than assign.
  Object.defineProperty(globalThis, 'navigator', {
    value: { ...(nav ?? {}), gpu: dawnGpu },
    configurable: true,
    writable: true,
  });
}

export async function setUpTfjs(ctx: GpuContext): Promise<TfjsBench> {
  exposeNavigatorGpu();
  const backend = await useTfjsWebgpu(ctx);
  // TF.js times with timestamp queries whenever the device has them (as ours does).
  const timestamps = ctx.device.features.has('timestamp-query');

  // Without timestamp queries: TF.js batches its dispatches; end the batch and wait for it.
  const flush = async () => {
    backend.ensureCommandEncoderReady();
    backend.endComputePassEncoder();
    backend.submitQueue();
    await ctx.device.queue.onSubmittedWorkDone();
  };

  const pkg = createRequire(import.meta.url)('@tensorflow/tfjs-backend-webgpu/package.json') as {
    version: string;
  };
  return {
    version: `tfjs-core ${tf.version_core}, tfjs-backend-webgpu ${pkg.version}`,
    matmul(m, k, n, transA, transB) {
      const a = tf.randomUniform(transA ? [k, m] : [m, k], -1, 1, 'float32', 1);
      const b = tf.randomUniform(transB ? [n, k] : [k, n], -1, 1, 'float32', 2);
      let programs = '';
      let method: TimingMethod = 'timestamp-query';
      return {
        async time(inner) {
          const run = () => {
            for (let i = 0; i < inner; i++) tf.matMul(a, b, transA, transB).dispose();
          };
          if (timestamps && inner === 1) {
            method = 'timestamp-query';
            const t = await tf.time(run);
            if (typeof t.kernelMs !== 'number') throw new Error(`TF.js: ${t.kernelMs.error}`);
            programs ||= (t.getExtraProfileInfo?.() ?? '').replace(/: [\d.e-]+/g, '');
            return t.kernelMs;
          }
          // Fast matmuls (inner > 1): tf.time would time each matmul's own pass, where timer
          // resolution (Dawn may quantize timestamps) is not amortised; time the batch instead.
          method = 'onSubmittedWorkDone';
          await flush();
          const t0 = performance.now();
          run();
          await flush();
          return (performance.now() - t0) / inner;
        },
        method: () => method,
        programs: () => [...new Set(programs.split(', ').filter((s) => s))].join(', '),
        dispose() {
          a.dispose();
          b.dispose();
        },
      };
    },
    dispose() {
      tf.removeBackend('webgpu');
    },
  };
}
