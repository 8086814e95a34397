/**
 * jax-js (`@jax-js/jax`) as a benchmark peer, on the adapter our engine runs on. jax-js asks
 * `navigator.gpu` for a high-performance adapter and creates its own device on it; in Node we
 * give it a `navigator.gpu` whose adapters come from the Dawn instance of our device
 * (src/gpu/node.ts `nodeGpu`), and check that the adapter it got is ours. Benchmarks only: the
 * app never loads jax-js.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { blockUntilReady, defaultDevice, init, jit, numpy as np } from '@jax-js/jax';
import { adapterLabel, summarizeAdapter, type GpuContext } from '../src/gpu';
import { nodeGpu } from '../src/gpu/node';
import { probeAdapter } from './jaxjs-probe';

export interface JaxjsMatmul {
  /** Milliseconds per matmul over `inner` back-to-back matmuls, submit to results ready. */
  time(inner: number): Promise<number>;
  dispose(): void;
}

export interface JaxjsBench {
  readonly version: string;
  /** The adapter jax-js's device is on (`adapterLabel`). */
  readonly adapter: string;
  matmul(m: number, k: number, n: number, transA: boolean, transB: boolean): JaxjsMatmul;
}

let ready: Promise<string> | undefined;

/** Points jax-js at our adapter (once per process) and resolves to that adapter's label. */
async function initJaxjs(): Promise<string> {
  const gpu = await nodeGpu();
  let label: string | undefined;
  const nav = (globalThis as unknown as { navigator?: Record<string, unknown> }).navigator;
  const viaOurs: Pick<GPU, 'requestAdapter'> = {
    async requestAdapter(options) {
      const adapter = await gpu.requestAdapter(options);
      if (adapter) label = adapterLabel(summarizeAdapter(adapter));
      // Counts what jax-js's device is asked to do (bench/jaxjs-probe.ts).
      return adapter && probeAdapter(adapter);
    },
  };
  // Node 21+ defines a read-only `navigator` getter: replace it rather than assign. jax-js's
  // WebGPU module reads navigator.userAgent on load (a Firefox check).
  Object.defineProperty(globalThis, 'navigator', {
    value: { userAgent: 'Node.js', ...(nav ?? {}), gpu: viaOurs },
    configurable: true,
    writable: true,
  });
  const devices = await init('webgpu');
  if (!devices.includes('webgpu') || !label) throw new Error('jax-js found no WebGPU adapter');
  defaultDevice('webgpu');
  return label;
}

function jaxjsVersion(): string {
  const main = createRequire(import.meta.url).resolve('@jax-js/jax');
  const pkg = JSON.parse(readFileSync(join(dirname(main), '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return `@jax-js/jax ${pkg.version}`;
}

/** jax-js on `ctx`'s adapter; throws when it lands on another one. */
export async function setUpJaxjs(ctx: GpuContext): Promise<JaxjsBench> {
  ready ??= initJaxjs();
  const adapter = await ready;
  const ours = adapterLabel(ctx.adapter);
  if (adapter !== ours) throw new Error(`jax-js is on ${adapter}, our engine on ${ours}`);
  return {
    version: jaxjsVersion(),
    adapter,
    matmul(m, k, n, transA, transB) {
      const a = np.ones(transA ? [k, m] : [m, k]).mul(0.5);
      const b = np.ones(transB ? [n, k] : [k, n]).mul(0.25);
      const product = jit((x: np.Array, y: np.Array) =>
        np.matmul(transA ? x.transpose() : x, transB ? y.transpose() : y),
      );
      return {
        async time(inner) {
          const t0 = performance.now();
          const outs = [];
          for (let i = 0; i < inner; i++) outs.push(product(a.ref, b.ref));
          for (const o of await blockUntilReady(outs)) o.dispose();
          return (performance.now() - t0) / inner;
        },
        dispose() {
          a.dispose();
          b.dispose();
          product.dispose();
        },
      };
    },
  };
}
