/**
 * Device acquisition in Node through Dawn (the `webgpu` package). On a machine with a GPU Dawn
 * picks it; on one without, it falls back to SwiftShader's Vulkan ICD that ships with Debian's
 * Chromium (see docs/webgpu-on-cpu.md). Set MUP_LAB_ADAPTER=swiftshader to force the fallback.
 */
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { create, globals } from 'webgpu';
import { acquireGpu, type AcquireOptions, type GpuContext } from './device';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

let installed = false;
function installGlobals(): void {
  if (installed) return;
  // GPUBufferUsage, GPUMapMode, GPUShaderStage ... as the browser has them.
  Object.assign(globalThis, globals);
  installed = true;
}

/**
 * False on a Linux machine without any GPU device node: then Dawn would only find CPU Vulkan
 * drivers it rejects (with a warning on stderr), so go straight to SwiftShader.
 */
function hasGpuDevice(): boolean {
  if (process.platform !== 'linux') return true;
  try {
    return (
      readdirSync('/dev/dri').some((n) => n.startsWith('render')) || existsSync('/dev/nvidia0')
    );
  } catch {
    return existsSync('/dev/nvidia0');
  }
}

// Dawn instances live for the whole process: one that is garbage-collected while another is in
// use aborts the process, so every instance created is kept here and the working one reused.
const instances: GPU[] = [];
let chosen: Promise<GPU> | undefined;

async function pickInstance(): Promise<GPU> {
  installGlobals();
  // SwiftShader's Wayland probe complains on stderr without it; any private directory will do.
  process.env.XDG_RUNTIME_DIR ??= tmpdir();
  const forced = process.env.MUP_LAB_ADAPTER === 'swiftshader' || !hasGpuDevice();
  if (!forced) {
    const gpu = create([]);
    instances.push(gpu);
    if (await gpu.requestAdapter()) return gpu;
  }
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
    // The Vulkan loader reads this when Dawn creates its next instance.
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  const gpu = create([]);
  instances.push(gpu);
  return gpu;
}

/**
 * The Dawn instance our devices come from (created on first use, then reused): a second library
 * that asks it for an adapter gets the one our engine runs on (the benchmarks' peers do).
 */
export function nodeGpu(): Promise<GPU> {
  chosen ??= pickInstance();
  return chosen;
}

export async function acquireNodeGpu(options?: AcquireOptions): Promise<GpuContext> {
  return acquireGpu(await nodeGpu(), options);
}
