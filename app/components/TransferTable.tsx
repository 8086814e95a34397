import { Fragment, useMemo } from 'react';
import {
  PARAMETRIZATION_LABELS,
  PARAMETRIZATIONS,
  type Parametrization,
} from '../../src/mup/parametrizations';
import type { MupHyperparams } from '../../src/mup/rules';
import type { GptShape } from '../../src/mup/shapes';
import {
  isMuonTensor,
  muonMatrices,
  muonUpdateScale,
  OPTIMIZER_RULES,
  optimizerNameOf,
} from '../../src/mup/optimizers';
import { transfer, type TensorValues, type TransferResult } from '../../src/mup/transfer';
import './exportImport.css';

/**
 * A number with 3 significant digits: plain for 1e-3 ≤ |x| < 1e5 ("0.00391", "51.2"),
 * exponent notation otherwise ("3.13e-10"). Integers below 1e5 (widths, m) are exact.
 */
export function formatValue(x: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (Number.isInteger(x) && a < 1e5) return String(x);
  if (a < 1e-3 || a >= 1e5) return x.toExponential(2).replace('e+', 'e');
  return String(Number(x.toPrecision(3)));
}

export type TensorGroupKey =
  | 'tok_emb'
  | 'pos_emb'
  | 'qkv'
  | 'attn_out'
  | 'mlp_in'
  | 'mlp_out'
  | 'gains'
  | 'biases'
  | 'readout';

export interface TensorGroup {
  key: TensorGroupKey;
  label: string;
  /** Which tensors the row stands for. */
  members: string[];
  /** Shape of the first member, [in, out] (vectors: [n]). */
  shape: number[];
  widthMult: Range;
  initStd: Range;
  /** qkv: std of the query columns when it differs from the rest (zeroQuery). */
  queryInitStd?: number;
  lr: Range;
  eps: Range;
  weightDecay: Range;
  /** Muon runs: which update the group gets ("Muon ×scale" for hidden matrices, else "AdamW"). */
  update?: string;
  note?: string;
}

/** A value shared by every member of a group, or its smallest and largest. */
export interface Range {
  min: number;
  max: number;
}

const GROUPS: Array<{ key: TensorGroupKey; label: string; match: (t: TensorValues) => boolean }> = [
  { key: 'tok_emb', label: 'Token embedding', match: (t) => t.name === 'tok_emb' },
  { key: 'pos_emb', label: 'Position embedding', match: (t) => t.name === 'pos_emb' },
  { key: 'qkv', label: 'Attention q, k, v', match: (t) => /\.attn\.qkv$/.test(t.name) },
  { key: 'attn_out', label: 'Attention output', match: (t) => /\.attn\.out$/.test(t.name) },
  { key: 'mlp_in', label: 'MLP in', match: (t) => /\.mlp\.in$/.test(t.name) },
  { key: 'mlp_out', label: 'MLP out', match: (t) => /\.mlp\.out$/.test(t.name) },
  { key: 'gains', label: 'LayerNorm gains', match: (t) => t.kind === 'gain' },
  { key: 'biases', label: 'Biases', match: (t) => t.kind === 'bias' },
  { key: 'readout', label: 'Readout', match: (t) => t.name === 'readout' },
];

function range(xs: number[]): Range {
  return { min: Math.min(...xs), max: Math.max(...xs) };
}

/** transfer()'s tensors grouped by kind (all blocks together), in model order. */
export function tensorGroups(result: TransferResult): TensorGroup[] {
  const out: TensorGroup[] = [];
  for (const g of GROUPS) {
    const members = result.tensors.filter(g.match);
    if (members.length === 0) continue;
    const first = members[0];
    const group: TensorGroup = {
      key: g.key,
      label: g.label,
      members: members.map((t) => t.name),
      shape: [...first.shape],
      widthMult: range(members.map((t) => t.widthMult)),
      initStd: range(members.map((t) => t.initStd)),
      lr: range(members.map((t) => t.lr)),
      eps: range(members.map((t) => t.eps)),
      weightDecay: range(members.map((t) => t.weightDecay)),
    };
    if (
      g.key === 'qkv' &&
      first.queryInitStd !== undefined &&
      first.queryInitStd !== first.initStd
    ) {
      group.queryInitStd = first.queryInitStd;
    }
    if (result.optimizer.name === 'muon') {
      // The update's scale of the group's first matrix (a qkv's q, k and v share it).
      const [matrix] = muonMatrices(first.name, first.shape);
      group.update = isMuonTensor(first)
        ? `Muon ×${formatValue(muonUpdateScale(result.parametrization, matrix.rows, matrix.cols))}`
        : 'AdamW';
    }
    if (g.key === 'tok_emb' && first.tiedReadout) group.note = 'also the readout (tied)';
    if (g.key === 'gains') group.note = 'init 1';
    if (g.key === 'biases') group.note = 'init 0';
    out.push(group);
  }
  return out;
}

export function formatRange(r: Range): string {
  return r.min === r.max ? formatValue(r.min) : `${formatValue(r.min)} – ${formatValue(r.max)}`;
}

export interface GlobalRow {
  key: 'inputMult' | 'readoutMult' | 'attnScale' | 'residualMult' | 'depthLrFactor';
  label: string;
}

export const GLOBAL_ROWS: GlobalRow[] = [
  { key: 'inputMult', label: 'Input multiplier (× embeddings)' },
  { key: 'readoutMult', label: 'Output multiplier (× logits)' },
  { key: 'attnScale', label: 'Attention scale (× q·k)' },
  { key: 'residualMult', label: 'Residual multiplier (× each branch)' },
  { key: 'depthLrFactor', label: 'Depth LR factor (in-block tensors)' },
];

export interface TransferTableProps {
  /** Hyperparameters tuned at the base model. */
  hp: MupHyperparams;
  /** One parametrization, or 'both' for SP and µP side by side. */
  parametrization: Parametrization | 'both';
  base: GptShape;
  target: GptShape;
}

type Computed = { ok: true; results: TransferResult[] } | { ok: false; message: string };

function compute(
  hp: MupHyperparams,
  ps: Parametrization[],
  base: GptShape,
  target: GptShape,
): Computed {
  try {
    return { ok: true, results: ps.map((p) => transfer(hp, p, base, target)) };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * The columns per parametrization: the LR names the optimizer whose rules gave it; ε shows only
 * for an optimizer that reads it (its rules' fields).
 */
function quantitiesOf(hp: MupHyperparams): { labels: string[]; eps: boolean; update: boolean } {
  const name = optimizerNameOf(hp);
  const rules = OPTIMIZER_RULES[name];
  const eps = rules.fields.includes('eps');
  // Muon: which tensors it updates (and its scale), the rest being AdamW's.
  const update = name === 'muon';
  const labels = ['init std', `${rules.label} LR`, ...(eps ? ['Adam ε'] : []), 'decay'];
  return { labels: update ? [...labels, 'update'] : labels, eps, update };
}

function Num({ r }: { r: Range }) {
  const full = r.min === r.max ? String(r.min) : `${r.min} – ${r.max}`;
  return <span title={full}>{formatRange(r)}</span>;
}

/**
 * Per tensor group: init std, learning rate under the run's optimizer, Adam ε (AdamW only) and
 * weight decay at the target shape.
 */
export function TransferTable({ hp, parametrization, base, target }: TransferTableProps) {
  const ps = parametrization === 'both' ? PARAMETRIZATIONS : [parametrization];
  const key = ps.join(',');
  const computed = useMemo(
    () => compute(hp, key.split(',') as Parametrization[], base, target),
    [hp, key, base, target],
  );
  if (!computed.ok) {
    return (
      <p role="alert" className="transfer-error">
        Cannot transfer to width {target.width}: {computed.message}
      </p>
    );
  }
  const { results } = computed;
  const groups = results.map(tensorGroups);
  const both = results.length > 1;
  const m = results[0].multipliers;
  const { labels: QUANTITIES, eps: showEps, update: showUpdate } = quantitiesOf(hp);
  return (
    <div className="transfer-table-wrap">
      <table className="transfer-table" aria-label="Transferred hyperparameters">
        <caption>
          Width {target.width} (m = {formatValue(m.widthMult)}), depth {target.depth}
          {m.depthMult !== 1 ? ` (L = ${formatValue(m.depthMult)})` : ''}, head size{' '}
          {formatValue(m.headSize)}
          {both ? '' : ` — ${PARAMETRIZATION_LABELS[results[0].parametrization]}`}, optimizer{' '}
          <span data-testid="transfer-optimizer">
            {OPTIMIZER_RULES[results[0].optimizer.name].label}
          </span>{' '}
          ({OPTIMIZER_RULES[results[0].optimizer.name].source})
        </caption>
        <thead>
          {both ? (
            <>
              <tr>
                <th scope="col" rowSpan={2}>
                  Tensor
                </th>
                <th scope="col" rowSpan={2}>
                  Shape
                </th>
                <th scope="col" rowSpan={2}>
                  m
                </th>
                {results.map((r) => (
                  <th key={r.parametrization} scope="colgroup" colSpan={QUANTITIES.length}>
                    {PARAMETRIZATION_LABELS[r.parametrization]}
                  </th>
                ))}
              </tr>
              <tr>
                {results.map((r) =>
                  QUANTITIES.map((q) => (
                    <th key={`${r.parametrization}-${q}`} scope="col">
                      {q}
                    </th>
                  )),
                )}
              </tr>
            </>
          ) : (
            <tr>
              <th scope="col">Tensor</th>
              <th scope="col">Shape</th>
              <th scope="col">m</th>
              {QUANTITIES.map((q) => (
                <th key={q} scope="col">
                  {q}
                </th>
              ))}
            </tr>
          )}
        </thead>
        <tbody>
          {groups[0].map((g, i) => (
            <tr key={g.key} data-group={g.key}>
              <th scope="row" title={g.members.join(', ')}>
                {g.label}
                {g.members.length > 1 && <span className="muted"> ×{g.members.length}</span>}
                {g.note && <span className="muted"> ({g.note})</span>}
              </th>
              <td>[{g.shape.join(' × ')}]</td>
              <td>
                <Num r={g.widthMult} />
              </td>
              {groups.map((gs, j) => {
                const h = gs[i];
                return (
                  <Fragment key={results[j].parametrization}>
                    <td>
                      <Num r={h.initStd} />
                      {h.queryInitStd !== undefined && (
                        <span className="muted"> (q: {formatValue(h.queryInitStd)})</span>
                      )}
                    </td>
                    <td>
                      <Num r={h.lr} />
                    </td>
                    {showEps && (
                      <td>
                        <Num r={h.eps} />
                      </td>
                    )}
                    <td>
                      <Num r={h.weightDecay} />
                    </td>
                    {showUpdate && <td>{h.update}</td>}
                  </Fragment>
                );
              })}
            </tr>
          ))}
        </tbody>
        <tbody className="transfer-globals">
          <tr>
            <th scope="rowgroup" colSpan={3 + QUANTITIES.length * results.length}>
              Global multipliers
            </th>
          </tr>
          {GLOBAL_ROWS.map((row) => (
            <tr key={row.key} data-global={row.key}>
              <th scope="row" colSpan={3}>
                {row.label}
              </th>
              {results.map((r) => (
                <td key={r.parametrization} colSpan={QUANTITIES.length}>
                  <Num r={{ min: r.multipliers[row.key], max: r.multipliers[row.key] }} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="transfer-notes muted">
        Weight decay is PyTorch AdamW&apos;s per-tensor value (each step decays by lr · wd), so lr ·
        wd stays η · λ for every tensor and width.
      </p>
      {results.flatMap((r) => r.notes).length > 0 && (
        <ul className="transfer-notes muted">
          {[...new Set(results.flatMap((r) => r.notes))].map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
