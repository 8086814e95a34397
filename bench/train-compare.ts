/** The browser run's figures beside the Node run's, per width and K (same model, same adapter). */
import { fmt } from './table';
import type { TrainRow } from './train-round';

export interface SideBySideRow {
  width: number;
  stack: number;
  browser: { ours: number; tfjs: number | null; jaxjs: number | null };
  node: { ours: number; tfjs: number | null; jaxjs: number | null };
  /** ours / peer tokens/s in each host. */
  ratio: { browser: number | null; node: number | null };
  ratioJax: { browser: number | null; node: number | null };
}

export function sideBySide(
  browser: { rows?: unknown; adapter?: unknown },
  node: { rows: TrainRow[]; adapter: string },
): { sameAdapter: boolean; rows: SideBySideRow[]; lines: string[] } {
  const bRows = (browser.rows ?? []) as TrainRow[];
  const rows: SideBySideRow[] = [];
  for (const b of bRows) {
    const n = node.rows.find((r) => r.width === b.width && r.stack === b.stack);
    if (!n) continue;
    rows.push({
      width: b.width,
      stack: b.stack,
      browser: {
        ours: b.ours.tokensPerSec,
        tfjs: b.tfjs?.tokensPerSec ?? null,
        jaxjs: b.jaxjs?.tokensPerSec ?? null,
      },
      node: {
        ours: n.ours.tokensPerSec,
        tfjs: n.tfjs?.tokensPerSec ?? null,
        jaxjs: n.jaxjs?.tokensPerSec ?? null,
      },
      ratio: { browser: b.ratio, node: n.ratio },
      ratioJax: { browser: b.ratioJax, node: n.ratioJax },
    });
  }
  const lines = [
    '\ntokens/s, browser | Node: ours, TF.js, jax-js; ratios ours / peer',
    ...rows.map(
      (r) =>
        `  width ${r.width} K ${r.stack}: ours ${fmt(r.browser.ours)} | ${fmt(r.node.ours)}, ` +
        `TF.js ${fmt(r.browser.tfjs)} | ${fmt(r.node.tfjs)}, jax-js ${fmt(r.browser.jaxjs)} | ` +
        `${fmt(r.node.jaxjs)}; ratio ${fmt(r.ratio.browser)} | ${fmt(r.ratio.node)}, ` +
        `ratioJax ${fmt(r.ratioJax.browser)} | ${fmt(r.ratioJax.node)}`,
    ),
  ];
  return { sameAdapter: browser.adapter === node.adapter, rows, lines };
}
