/**
 * Sweep analysis: per parametrization and width, the grid optimum of the swept hyperparameter
 * and a sub-grid estimate (a parabola through the optimum and its two neighbours in log2 space),
 * the optimum's shift across widths in octaves, and a one-line verdict computed from the data.
 */

export interface RunOutcome {
  parametrization: string;
  /** The scaled dimension: width, or depth for depth transfer. */
  width: number;
  seed: number;
  /** log2 of the swept hyperparameter's value. */
  log2Hp: number;
  /** Mean training loss over the last steps; NaN when diverged. */
  finalLoss: number;
  diverged: boolean;
}

export interface WidthOptimum {
  width: number;
  /** log2 of the best grid value (lowest seed-mean loss among non-diverged points). */
  gridLog2: number;
  gridLoss: number;
  /** Sub-grid estimate of the optimum's log2 (equals gridLog2 at an edge or when not convex). */
  fitLog2: number;
  /** True when the optimum sits on the edge of the grid: the real optimum may lie outside it. */
  atEdge: boolean;
  /** The grid: log2 values with seed-mean loss (NaN where every seed diverged). */
  curve: Array<{ log2: number; loss: number; diverged: boolean }>;
}

export interface ParametrizationAnalysis {
  parametrization: string;
  optima: WidthOptimum[];
  /** fitLog2 of the widest minus that of the narrowest trained width, in octaves. */
  shiftOctaves: number;
  /** Largest |grid index difference| from the narrowest width's optimum, in grid steps. */
  maxGridSteps: number;
  verdict: string;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Vertex of the parabola through (x0,y0),(x1,y1),(x2,y2) when convex and inside [x0, x2]. */
export function parabolaVertex(
  x: [number, number, number],
  y: [number, number, number],
): number | undefined {
  const [x0, x1, x2] = x;
  const [y0, y1, y2] = y;
  const denom = (x0 - x1) * (x0 - x2) * (x1 - x2);
  const a = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / denom;
  const b = (x2 * x2 * (y0 - y1) + x1 * x1 * (y2 - y0) + x0 * x0 * (y1 - y2)) / denom;
  if (!(a > 0)) return undefined;
  const v = -b / (2 * a);
  return v >= x0 && v <= x2 ? v : undefined;
}

export function optimumOf(width: number, runs: RunOutcome[]): WidthOptimum | undefined {
  const grid = [...new Set(runs.map((r) => r.log2Hp))].sort((a, b) => a - b);
  const curve = grid.map((log2) => {
    const here = runs.filter((r) => r.log2Hp === log2);
    const ok = here.filter((r) => !r.diverged && Number.isFinite(r.finalLoss));
    return {
      log2,
      loss: ok.length ? mean(ok.map((r) => r.finalLoss)) : NaN,
      diverged: ok.length === 0,
    };
  });
  let best = -1;
  curve.forEach((p, i) => {
    if (!p.diverged && (best < 0 || p.loss < curve[best].loss)) best = i;
  });
  if (best < 0) return undefined;
  let fitLog2 = curve[best].log2;
  const atEdge = best === 0 || best === curve.length - 1;
  if (!atEdge) {
    const [l, m, r] = [curve[best - 1], curve[best], curve[best + 1]];
    if (!l.diverged && !r.diverged) {
      fitLog2 = parabolaVertex([l.log2, m.log2, r.log2], [l.loss, m.loss, r.loss]) ?? fitLog2;
    }
  }
  return { width, gridLog2: curve[best].log2, gridLoss: curve[best].loss, fitLog2, atEdge, curve };
}

function fmtOctaves(x: number): string {
  const a = Math.abs(x);
  return `${a < 0.05 ? '0' : a.toFixed(1)} octave${a >= 0.95 && a < 1.05 ? '' : 's'}`;
}

export function analyzeParametrization(
  parametrization: string,
  runs: RunOutcome[],
): ParametrizationAnalysis {
  const mine = runs.filter((r) => r.parametrization === parametrization);
  const widths = [...new Set(mine.map((r) => r.width))].sort((a, b) => a - b);
  const optima = widths
    .map((w) =>
      optimumOf(
        w,
        mine.filter((r) => r.width === w),
      ),
    )
    .filter((o): o is WidthOptimum => o !== undefined);
  if (optima.length === 0) {
    return {
      parametrization,
      optima,
      shiftOctaves: NaN,
      maxGridSteps: NaN,
      verdict: 'no run finished without diverging',
    };
  }
  const first = optima[0];
  const last = optima[optima.length - 1];
  const step = first.curve.length > 1 ? first.curve[1].log2 - first.curve[0].log2 : 1;
  const shiftOctaves = last.fitLog2 - first.fitLog2;
  const maxGridSteps = Math.max(
    ...optima.map((o) => Math.abs(Math.round((o.gridLog2 - first.gridLog2) / step))),
  );
  let verdict: string;
  if (optima.length === 1) {
    verdict = `optimum at log2 = ${first.fitLog2.toFixed(2)} (one width only)`;
  } else if (Math.abs(shiftOctaves) < 0.5 && maxGridSteps <= 1) {
    verdict = `optimum stays put: moves ${fmtOctaves(shiftOctaves)} from width ${first.width} to ${last.width}`;
  } else {
    verdict = `optimum moves ${shiftOctaves < 0 ? 'down' : 'up'} by ${fmtOctaves(shiftOctaves)} from width ${first.width} to ${last.width}`;
  }
  if (optima.some((o) => o.atEdge))
    verdict += ' (an optimum lies on the grid edge: widen the range)';
  return { parametrization, optima, shiftOctaves, maxGridSteps, verdict };
}

export function analyzeSweep(runs: RunOutcome[]): ParametrizationAnalysis[] {
  const names = [...new Set(runs.map((r) => r.parametrization))];
  return names.map((p) => analyzeParametrization(p, runs));
}

/**
 * The tuned base value of the swept hyperparameter (log2): the sub-grid optimum at the base
 * width when it was trained, else at the narrowest width. Under µP this is the value to transfer.
 */
export function tunedLog2(
  analysis: ParametrizationAnalysis,
  baseWidth: number,
): number | undefined {
  const at = analysis.optima.find((o) => o.width === baseWidth) ?? analysis.optima[0];
  return at?.fitLog2;
}
