/**
 * Where each parameter lives in the flat parameter buffer. All tensors of one run sit together
 * (run-major), each at an offset aligned to 64 floats (256 bytes, the storage binding offset
 * alignment), so every tensor can be bound on its own and a matmul can walk the stacked runs of
 * one tensor with a constant stride (`runStride`).
 */
export interface TensorSlot {
  name: string;
  shape: readonly number[];
  /** Elements in the tensor. */
  size: number;
  /** Element offset of run 0's copy; run k's copy is at offset + k * runStride. */
  offset: number;
}

export interface ParamLayout {
  slots: TensorSlot[];
  byName: Map<string, TensorSlot>;
  /** Elements between two runs' copies of the same tensor. */
  runStride: number;
  runs: number;
  /** Total elements of the flat buffer. */
  totalSize: number;
}

export const ALIGN_FLOATS = 64;

export function alignUp(n: number, to = ALIGN_FLOATS): number {
  return Math.ceil(n / to) * to;
}

export function planLayout(
  tensors: ReadonlyArray<{ name: string; shape: readonly number[] }>,
  runs: number,
): ParamLayout {
  let offset = 0;
  const slots: TensorSlot[] = tensors.map(({ name, shape }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const slot = { name, shape: [...shape], size, offset };
    offset = alignUp(offset + size);
    return slot;
  });
  const runStride = Math.max(ALIGN_FLOATS, offset);
  return {
    slots,
    byName: new Map(slots.map((s) => [s.name, s])),
    runStride,
    runs,
    totalSize: runStride * runs,
  };
}

export function slotOf(layout: ParamLayout, name: string): TensorSlot {
  const slot = layout.byName.get(name);
  if (!slot) throw new Error(`no parameter named ${name}`);
  return slot;
}

/** Packs per-run tensors (by name) into one flat array in layout order. */
export function packParams(
  layout: ParamLayout,
  perRun: ReadonlyArray<Record<string, ArrayLike<number>>>,
): Float32Array {
  if (perRun.length !== layout.runs)
    throw new Error(`packParams: ${perRun.length} runs, layout has ${layout.runs}`);
  const flat = new Float32Array(layout.totalSize);
  perRun.forEach((tensors, k) => {
    for (const slot of layout.slots) {
      const src = tensors[slot.name];
      if (!src || src.length !== slot.size)
        throw new Error(`packParams: ${slot.name} missing or of the wrong size`);
      flat.set(src, k * layout.runStride + slot.offset);
    }
  });
  return flat;
}

/** Splits a flat array back into per-run tensors by name. */
export function unpackParams(
  layout: ParamLayout,
  flat: Float32Array,
): Array<Record<string, Float32Array>> {
  return Array.from({ length: layout.runs }, (_, k) => {
    const out: Record<string, Float32Array> = {};
    for (const slot of layout.slots) {
      const start = k * layout.runStride + slot.offset;
      out[slot.name] = flat.slice(start, start + slot.size);
    }
    return out;
  });
}
