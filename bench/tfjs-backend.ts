/**
 * TensorFlow.js's WebGPU backend on OUR device, in Node (bench/tfjs.ts) and in the browser page
 * (bench/web/main.ts) alike, so that its ops and ours run on the same adapter in one process.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { GpuContext } from '../src/gpu';

/** Registers and activates TF.js's WebGPU backend on `ctx.device`; resolves to the backend. */
export async function useTfjsWebgpu(ctx: GpuContext): Promise<WebGPUBackend> {
  // Inputs are GPU tensors; never let TF.js run small ops on the CPU instead.
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  // TF.js reads the vendor and architecture from the adapter info; our summary carries both.
  const info = ctx.adapter as unknown as GPUAdapterInfo;
  const backend = new WebGPUBackend(ctx.device, info);
  if (tf.findBackend('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => backend, 100);
  if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js refused the WebGPU backend');
  await tf.ready();
  return backend;
}
