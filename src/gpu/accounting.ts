/**
 * Per-dispatch memory accounting: what each dispatch of a prepared op binds, and how. Every op is
 * assembled by `dispatchOp` (encode.ts) from a pipeline of the PipelineCache and a bind group whose
 * entries are known; both are registered here, and `accountOps` encodes the ops on a recording
 * pass that adds up, per dispatch, the bytes of every bound buffer range by its declared access:
 * `var<storage, read>` as read, `var<storage, read_write>` as read and written, `var<uniform>` as
 * uniform bytes. A kernel may touch less than it binds (and may only write a read_write binding),
 * so the bytes are an upper bound on the traffic, not a measurement.
 */

export type BindingAccess = 'read' | 'read_write' | 'uniform';

const pipelineAccess = new WeakMap<GPUComputePipeline, ReadonlyMap<number, BindingAccess>>();
const bindGroupRanges = new WeakMap<GPUBindGroup, ReadonlyArray<[number, number]>>();
const accessByCode = new Map<string, ReadonlyMap<number, BindingAccess>>();

const BINDING =
  /(?:@group\(\s*0\s*\)\s*@binding\(\s*(\d+)\s*\)|@binding\(\s*(\d+)\s*\)\s*@group\(\s*0\s*\))\s*var\s*<\s*(storage|uniform)\s*(?:,\s*(read_write|read))?\s*>/g;

/**
 * Group 0's bindings of a WGSL module and their access modes. A binding number declared twice
 * (for different entry points) counts as read_write when either declaration is.
 */
export function bindingAccessOf(code: string): ReadonlyMap<number, BindingAccess> {
  const cached = accessByCode.get(code);
  if (cached) return cached;
  const access = new Map<number, BindingAccess>();
  for (const m of code.matchAll(BINDING)) {
    const binding = Number(m[1] ?? m[2]);
    const mode: BindingAccess =
      m[3] === 'uniform' ? 'uniform' : m[4] === 'read_write' ? 'read_write' : 'read';
    if (access.get(binding) !== 'read_write') access.set(binding, mode);
  }
  accessByCode.set(code, access);
  return access;
}

/** Called by the PipelineCache for every pipeline it creates, with the module's full WGSL. */
export function registerPipeline(pipeline: GPUComputePipeline, code: string): void {
  pipelineAccess.set(pipeline, bindingAccessOf(code));
}

/** Called by dispatchOp for every bind group it creates: [binding, bytes] of each entry. */
export function registerBindGroup(group: GPUBindGroup, entries: readonly GPUBindGroupEntry[]) {
  bindGroupRanges.set(
    group,
    entries.map((e) => {
      const r = e.resource as GPUBufferBinding;
      const size = r.size ?? (r.buffer ? r.buffer.size - (r.offset ?? 0) : 0);
      return [e.binding, size];
    }),
  );
}

export interface DispatchAccount {
  label: string;
  /** Bytes bound read-only, plus the read side of read_write bindings. */
  bytesRead: number;
  /** Bytes bound read_write (each may be written). */
  bytesWritten: number;
  uniformBytes: number;
}

export interface OpsAccount {
  dispatches: number;
  /** Upper bounds: bound bytes by access mode, summed over the dispatches. */
  bytesRead: number;
  bytesWritten: number;
  uniformBytes: number;
  /** Dispatches whose pipeline or bind group was not registered (counted, bytes unknown). */
  unaccounted: number;
  /** Per op (label), in encoding order. */
  perOp: Array<{ label: string; dispatches: number; bytesRead: number; bytesWritten: number }>;
}

/** Encodes `ops` on a recording pass (nothing reaches the GPU) and adds up what they bind. */
export function accountOps(
  ops: ReadonlyArray<{ label: string; encode(pass: GPUComputePassEncoder): void }>,
): OpsAccount {
  const total: OpsAccount = {
    dispatches: 0,
    bytesRead: 0,
    bytesWritten: 0,
    uniformBytes: 0,
    unaccounted: 0,
    perOp: [],
  };
  let pipeline: GPUComputePipeline | null = null;
  let group: GPUBindGroup | null = null;
  let current = { label: '', dispatches: 0, bytesRead: 0, bytesWritten: 0 };
  const dispatch = () => {
    total.dispatches++;
    current.dispatches++;
    const access = pipeline ? pipelineAccess.get(pipeline) : undefined;
    const ranges = group ? bindGroupRanges.get(group) : undefined;
    if (!access || !ranges) {
      total.unaccounted++;
      return;
    }
    for (const [binding, bytes] of ranges) {
      const mode = access.get(binding);
      if (mode === 'uniform') total.uniformBytes += bytes;
      else {
        // Unknown binding numbers cannot happen with an 'auto' layout; count them as read.
        total.bytesRead += bytes;
        current.bytesRead += bytes;
        if (mode === 'read_write') {
          total.bytesWritten += bytes;
          current.bytesWritten += bytes;
        }
      }
    }
  };
  const pass = {
    setPipeline: (p: GPUComputePipeline) => void (pipeline = p),
    setBindGroup: (index: number, g: GPUBindGroup | null) => {
      if (index === 0) group = g;
    },
    dispatchWorkgroups: dispatch,
    dispatchWorkgroupsIndirect: dispatch,
  };
  const recorder = new Proxy(pass, {
    get: (target, prop) => (prop in target ? target[prop as keyof typeof target] : () => undefined),
  }) as unknown as GPUComputePassEncoder;
  for (const op of ops) {
    current = { label: op.label, dispatches: 0, bytesRead: 0, bytesWritten: 0 };
    op.encode(recorder);
    total.perOp.push(current);
  }
  return total;
}
