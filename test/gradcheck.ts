/** Central finite differences in float64, to check hand-written reference backwards. */

/**
 * d loss / d x[i] for every i by (loss(x + h e_i) - loss(x - h e_i)) / 2h. `loss` must read x
 * afresh on each call; x is restored afterwards. Truncation error is O(h^2 f'''), rounding
 * error O(eps64 |loss| / h): h = 1e-5 gives ~1e-9 relative for smooth, O(1)-scaled losses.
 */
export function centralDifferences(loss: () => number, x: Float64Array, h = 1e-5): Float64Array {
  const grad = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const saved = x[i];
    x[i] = saved + h;
    const up = loss();
    x[i] = saved - h;
    const down = loss();
    x[i] = saved;
    grad[i] = (up - down) / (2 * h);
  }
  return grad;
}

/** max |a - b| / max(max |b|, floor): one number for "the gradients agree". */
export function maxRelativeDifference(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  floor = 1e-12,
): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = floor;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

/** sum_i w[i] * y[i]: a random linear functional, whose gradient with respect to y is w. */
export function dot(w: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i] * y[i];
  return s;
}
