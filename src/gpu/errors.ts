/** Errors the GPU runtime raises, each naming what failed so a user (or a test) can act on it. */

/** WebGPU is missing or no adapter was found: the page explains what to do instead. */
export class WebGpuUnavailableError extends Error {
  constructor(
    readonly reason: 'no-api' | 'no-adapter' | 'no-device',
    message: string,
  ) {
    super(message);
    this.name = 'WebGpuUnavailableError';
  }
}

/** A validation or out-of-memory error raised by the device while running a named kernel. */
export class GpuKernelError extends Error {
  constructor(
    readonly kernel: string,
    readonly kind: 'validation' | 'out-of-memory' | 'internal' | 'compilation',
    detail: string,
  ) {
    super(`GPU ${kind} error in kernel "${kernel}": ${detail}`);
    this.name = 'GpuKernelError';
  }
}

/** The device was lost (driver reset, tab backgrounded too long, device.destroy()). */
export class DeviceLostError extends Error {
  constructor(
    readonly reason: string,
    detail: string,
  ) {
    super(`GPU device lost (${reason}): ${detail}`);
    this.name = 'DeviceLostError';
  }
}

/** Runs `work` inside validation and out-of-memory error scopes and throws the first error. */
export async function withErrorScopes<T>(
  device: GPUDevice,
  kernel: string,
  work: () => T,
): Promise<T> {
  device.pushErrorScope('internal');
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let result: T | undefined;
  let thrown: unknown;
  try {
    result = work();
  } catch (e) {
    thrown = e;
  }
  // Scopes must be popped whatever happened, innermost first.
  const validation = await device.popErrorScope();
  const oom = await device.popErrorScope();
  const internal = await device.popErrorScope();
  if (thrown !== undefined) throw thrown;
  if (validation) throw new GpuKernelError(kernel, 'validation', validation.message);
  if (oom) throw new GpuKernelError(kernel, 'out-of-memory', oom.message);
  if (internal) throw new GpuKernelError(kernel, 'internal', internal.message);
  return result as T;
}
