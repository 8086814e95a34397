/** Device acquisition in a page or a Web Worker: both expose `navigator.gpu`. */
import { acquireGpu, type AcquireOptions, type GpuContext } from './device';

export function browserGpu(): GPU | undefined {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  return nav?.gpu;
}

export function acquireBrowserGpu(options?: AcquireOptions): Promise<GpuContext> {
  return acquireGpu(browserGpu(), options);
}
