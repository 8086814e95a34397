/** Float64 references for kernels/residual.wgsl. */
export type Numbers = ArrayLike<number>;

/** out = a + scale * b. */
export function residualAddRef(a: Numbers, b: Numbers, scale: number): Float64Array {
  return Float64Array.from({ length: a.length }, (_, i) => a[i] + scale * b[i]);
}

/** Gradients of sum(dout * (a + scale * b)): da = dout, db = scale * dout. */
export function residualAddBackwardRef(
  dout: Numbers,
  scale: number,
): { da: Float64Array; db: Float64Array } {
  return {
    da: Float64Array.from(dout),
    db: Float64Array.from({ length: dout.length }, (_, i) => scale * dout[i]),
  };
}

/** alpha * src + beta * dst0 (dst0 ignored when beta = 0, as in the kernel). */
export function axpyRef(src: Numbers, dst0: Numbers, alpha: number, beta: number): Float64Array {
  return Float64Array.from({ length: src.length }, (_, i) =>
    beta === 0 ? alpha * src[i] : alpha * src[i] + beta * dst0[i],
  );
}
