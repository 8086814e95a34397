/**
 * Counts what jax-js asks of its WebGPU device, in Node and in the browser alike, to see where its
 * step's time goes outside the kernels: submissions, compute passes, dispatches, buffer writes,
 * buffer maps and the time spent waiting on them. jax-js creates its own device; `probeAdapter`
 * wraps the adapter it is handed (bench/jaxjs.ts in Node, bench/web/main.ts in the page) so that
 * the device it requests is instrumented. Only jax-js's device is counted, never ours.
 */

export interface JaxjsDeviceCounts {
  submits: number;
  commandBuffers: number;
  computePasses: number;
  dispatches: number;
  writeBuffers: number;
  writeBytes: number;
  mapAsyncs: number;
  /**
   * Wall time (ms) during which at least one mapAsync was pending: maps issued together overlap,
   * so this is the time spent waiting on the queue and the host's event processing, not a sum.
   */
  mapWaitMs: number;
  workDoneWaits: number;
  /** The same for onSubmittedWorkDone. */
  workDoneWaitMs: number;
}

const zero = (): JaxjsDeviceCounts => ({
  submits: 0,
  commandBuffers: 0,
  computePasses: 0,
  dispatches: 0,
  writeBuffers: 0,
  writeBytes: 0,
  mapAsyncs: 0,
  mapWaitMs: 0,
  workDoneWaits: 0,
  workDoneWaitMs: 0,
});

const counts = zero();

/** The counts so far (a copy). */
export function jaxjsDeviceCounts(): JaxjsDeviceCounts {
  return { ...counts };
}

/** b - a, field by field. */
export function countsSince(a: JaxjsDeviceCounts, b: JaxjsDeviceCounts): JaxjsDeviceCounts {
  const d = zero();
  for (const k of Object.keys(d) as Array<keyof JaxjsDeviceCounts>) d[k] = b[k] - a[k];
  return d;
}

type Fn = (...args: never[]) => unknown;

/** Replaces `obj[name]` by a wrapper that sees its arguments and result (own property). */
function wrap<T extends object, K extends keyof T>(
  obj: T,
  name: K,
  around: (call: () => unknown, args: unknown[]) => unknown,
): void {
  const original = obj[name] as unknown as Fn;
  Object.defineProperty(obj, name, {
    configurable: true,
    writable: true,
    value: function (this: unknown, ...args: unknown[]) {
      return around(() => original.apply(this, args as never[]), args);
    },
  });
}

const pending = { mapWaitMs: 0, workDoneWaitMs: 0 };
const since = { mapWaitMs: 0, workDoneWaitMs: 0 };

/** Adds to `total` the time while one or more such waits are pending. */
function timed(total: 'mapWaitMs' | 'workDoneWaitMs', call: () => unknown): unknown {
  if (pending[total]++ === 0) since[total] = performance.now();
  const p = call() as Promise<unknown>;
  return p.finally(() => {
    if (--pending[total] === 0) counts[total] += performance.now() - since[total];
  });
}

function instrument(device: GPUDevice): GPUDevice {
  const q = device.queue;
  wrap(q, 'submit', (call, [buffers]) => {
    counts.submits++;
    counts.commandBuffers += (buffers as unknown[]).length;
    return call();
  });
  wrap(q, 'writeBuffer', (call, args) => {
    counts.writeBuffers++;
    const data = args[2] as ArrayBufferView | ArrayBuffer;
    const size = args[4] as number | undefined;
    counts.writeBytes += size ?? data.byteLength;
    return call();
  });
  wrap(q, 'onSubmittedWorkDone', (call) => {
    counts.workDoneWaits++;
    return timed('workDoneWaitMs', call);
  });
  wrap(device, 'createBuffer', (call) => {
    const buffer = call() as GPUBuffer;
    wrap(buffer, 'mapAsync', (map) => {
      counts.mapAsyncs++;
      return timed('mapWaitMs', map);
    });
    return buffer;
  });
  wrap(device, 'createCommandEncoder', (call) => {
    const encoder = call() as GPUCommandEncoder;
    wrap(encoder, 'beginComputePass', (begin) => {
      counts.computePasses++;
      const pass = begin() as GPUComputePassEncoder;
      wrap(pass, 'dispatchWorkgroups', (dispatch) => {
        counts.dispatches++;
        return dispatch();
      });
      return pass;
    });
    return encoder;
  });
  return device;
}

/** `adapter`, whose requestDevice now returns an instrumented device. */
export function probeAdapter(adapter: GPUAdapter): GPUAdapter {
  wrap(adapter, 'requestDevice', (call) =>
    (call() as Promise<GPUDevice>).then((device) => instrument(device)),
  );
  return adapter;
}
