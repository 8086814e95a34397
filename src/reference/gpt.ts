/**
 * Float64 reference of the whole pre-LN GPT, forward and hand-written backward: the ground truth
 * that the GPU model's loss and every gradient are checked against, itself checked by finite
 * differences. Plain loops, written for clarity, not speed; imports nothing of ours.
 *
 * Layout (shared with the GPU model): activations are row-major [B*T, width]; weight matrices
 * are [in, out] so y = x W; the fused qkv matrix has columns q | k | v, each split into heads of
 * headSize consecutive columns; a tied readout uses tok_emb [vocab, width] transposed.
 *
 *   x = inputMult * (tok_emb[token] + pos_emb[t])
 *   per block:  x += residualMult * attn(LN1(x));  x += residualMult * mlp(LN2(x))
 *   logits = readoutMult * LN_f(x) W_readout;      loss = mean cross-entropy
 * attn: causal softmax(attnScale * q.k) v per head, then W_out; mlp: GELU(tanh) between W_in, W_out.
 */

export interface RefGptConfig {
  width: number;
  depth: number;
  heads: number;
  headSize: number;
  context: number;
  vocab: number;
  mlpHidden: number;
  tiedReadout: boolean;
  biases: boolean;
  inputMult: number;
  attnScale: number;
  residualMult: number;
  readoutMult: number;
  lnEps: number;
}

export type RefParams = Record<string, Float64Array>;

export interface RefGptResult {
  loss: number;
  grads: RefParams;
  /** Mean |x| per activation type, averaged over blocks (the coordinate check's statistics). */
  stats: Record<string, number>;
}

/** Names and shapes of every parameter, in the order the GPU model stores them. */
export function refGptParamShapes(c: RefGptConfig): Array<[string, number[]]> {
  const d = c.width;
  const out: Array<[string, number[]]> = [
    ['tok_emb', [c.vocab, d]],
    ['pos_emb', [c.context, d]],
  ];
  for (let l = 0; l < c.depth; l++) {
    const p = `blocks.${l}.`;
    out.push([p + 'ln1.gain', [d]]);
    if (c.biases) out.push([p + 'ln1.bias', [d]]);
    out.push([p + 'attn.qkv', [d, 3 * d]]);
    if (c.biases) out.push([p + 'attn.qkv_bias', [3 * d]]);
    out.push([p + 'attn.out', [d, d]]);
    if (c.biases) out.push([p + 'attn.out_bias', [d]]);
    out.push([p + 'ln2.gain', [d]]);
    if (c.biases) out.push([p + 'ln2.bias', [d]]);
    out.push([p + 'mlp.in', [d, c.mlpHidden]]);
    if (c.biases) out.push([p + 'mlp.in_bias', [c.mlpHidden]]);
    out.push([p + 'mlp.out', [c.mlpHidden, d]]);
    if (c.biases) out.push([p + 'mlp.out_bias', [d]]);
  }
  out.push(['ln_f.gain', [d]]);
  if (c.biases) out.push(['ln_f.bias', [d]]);
  if (!c.tiedReadout) out.push(['readout', [d, c.vocab]]);
  return out;
}

// ---- small dense helpers (row-major) ----

/** y[r, :] = x[r, :] W (+ b) for x [R, I], W [I, O]. */
function linear(
  x: Float64Array,
  w: Float64Array,
  b: Float64Array | undefined,
  R: number,
  I: number,
  O: number,
) {
  const y = new Float64Array(R * O);
  for (let r = 0; r < R; r++) {
    for (let o = 0; o < O; o++) {
      let s = b ? b[o] : 0;
      for (let i = 0; i < I; i++) s += x[r * I + i] * w[i * O + o];
      y[r * O + o] = s;
    }
  }
  return y;
}

/** Backward of linear: returns dx and accumulates dW, db. */
function linearBack(
  x: Float64Array,
  w: Float64Array,
  dy: Float64Array,
  dw: Float64Array,
  db: Float64Array | undefined,
  R: number,
  I: number,
  O: number,
) {
  const dx = new Float64Array(R * I);
  for (let r = 0; r < R; r++) {
    for (let i = 0; i < I; i++) {
      let s = 0;
      for (let o = 0; o < O; o++) s += dy[r * O + o] * w[i * O + o];
      dx[r * I + i] = s;
    }
    for (let o = 0; o < O; o++) {
      const g = dy[r * O + o];
      if (db) db[o] += g;
      for (let i = 0; i < I; i++) dw[i * O + o] += x[r * I + i] * g;
    }
  }
  return dx;
}

interface LnCache {
  xhat: Float64Array;
  rstd: Float64Array;
}

function layerNorm(
  x: Float64Array,
  g: Float64Array,
  b: Float64Array | undefined,
  R: number,
  D: number,
  eps: number,
) {
  const y = new Float64Array(R * D);
  const xhat = new Float64Array(R * D);
  const rstd = new Float64Array(R);
  for (let r = 0; r < R; r++) {
    let mean = 0;
    for (let i = 0; i < D; i++) mean += x[r * D + i];
    mean /= D;
    let v = 0;
    for (let i = 0; i < D; i++) v += (x[r * D + i] - mean) ** 2;
    const s = 1 / Math.sqrt(v / D + eps);
    rstd[r] = s;
    for (let i = 0; i < D; i++) {
      const h = (x[r * D + i] - mean) * s;
      xhat[r * D + i] = h;
      y[r * D + i] = h * g[i] + (b ? b[i] : 0);
    }
  }
  return { y, cache: { xhat, rstd } as LnCache };
}

function layerNormBack(
  dy: Float64Array,
  g: Float64Array,
  cache: LnCache,
  dg: Float64Array,
  db: Float64Array | undefined,
  R: number,
  D: number,
) {
  const dx = new Float64Array(R * D);
  for (let r = 0; r < R; r++) {
    let sumG = 0;
    let sumGX = 0;
    for (let i = 0; i < D; i++) {
      const gh = dy[r * D + i] * g[i];
      sumG += gh;
      sumGX += gh * cache.xhat[r * D + i];
      dg[i] += dy[r * D + i] * cache.xhat[r * D + i];
      if (db) db[i] += dy[r * D + i];
    }
    for (let i = 0; i < D; i++) {
      const gh = dy[r * D + i] * g[i];
      dx[r * D + i] = cache.rstd[r] * (gh - sumG / D - (cache.xhat[r * D + i] * sumGX) / D);
    }
  }
  return dx;
}

const GELU_C = Math.sqrt(2 / Math.PI);
function gelu(u: number): number {
  return 0.5 * u * (1 + Math.tanh(GELU_C * (u + 0.044715 * u ** 3)));
}
function geluGrad(u: number): number {
  const t = Math.tanh(GELU_C * (u + 0.044715 * u ** 3));
  return 0.5 * (1 + t) + 0.5 * u * (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * u * u);
}

function meanAbs(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i]);
  return s / x.length;
}

/** Causal attention over qkv [B*T, 3d]; returns o [B*T, d] and the probabilities per (b, h). */
function attention(qkv: Float64Array, c: RefGptConfig, B: number, T: number) {
  const d = c.width;
  const Dh = c.headSize;
  const o = new Float64Array(B * T * d);
  const probs: Float64Array[] = [];
  let logitAbs = 0;
  let logitCount = 0;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < c.heads; h++) {
      const P = new Float64Array(T * T);
      for (let i = 0; i < T; i++) {
        const qi = (b * T + i) * 3 * d + h * Dh;
        let max = -Infinity;
        for (let j = 0; j <= i; j++) {
          const kj = (b * T + j) * 3 * d + d + h * Dh;
          let s = 0;
          for (let e = 0; e < Dh; e++) s += qkv[qi + e] * qkv[kj + e];
          s *= c.attnScale;
          logitAbs += Math.abs(s);
          logitCount++;
          P[i * T + j] = s;
          if (s > max) max = s;
        }
        let z = 0;
        for (let j = 0; j <= i; j++) z += P[i * T + j] = Math.exp(P[i * T + j] - max);
        for (let j = 0; j <= i; j++) P[i * T + j] /= z;
        for (let e = 0; e < Dh; e++) {
          let s = 0;
          for (let j = 0; j <= i; j++)
            s += P[i * T + j] * qkv[(b * T + j) * 3 * d + 2 * d + h * Dh + e];
          o[(b * T + i) * d + h * Dh + e] = s;
        }
      }
      probs.push(P);
    }
  }
  return { o, probs, logitMeanAbs: logitAbs / Math.max(1, logitCount) };
}

function attentionBack(
  qkv: Float64Array,
  probs: Float64Array[],
  dO: Float64Array,
  c: RefGptConfig,
  B: number,
  T: number,
) {
  const d = c.width;
  const Dh = c.headSize;
  const dqkv = new Float64Array(qkv.length);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < c.heads; h++) {
      const P = probs[b * c.heads + h];
      for (let i = 0; i < T; i++) {
        const row = (b * T + i) * d + h * Dh;
        // dP_ij = dO_i . v_j ; dS_ij = P_ij (dP_ij - sum_k P_ik dP_ik)
        const dP = new Float64Array(i + 1);
        let dot = 0;
        for (let j = 0; j <= i; j++) {
          const vj = (b * T + j) * 3 * d + 2 * d + h * Dh;
          let s = 0;
          for (let e = 0; e < Dh; e++) {
            s += dO[row + e] * qkv[vj + e];
            dqkv[vj + e] += P[i * T + j] * dO[row + e];
          }
          dP[j] = s;
          dot += P[i * T + j] * s;
        }
        const qi = (b * T + i) * 3 * d + h * Dh;
        for (let j = 0; j <= i; j++) {
          const dS = P[i * T + j] * (dP[j] - dot) * c.attnScale;
          const kj = (b * T + j) * 3 * d + d + h * Dh;
          for (let e = 0; e < Dh; e++) {
            dqkv[qi + e] += dS * qkv[kj + e];
            dqkv[kj + e] += dS * qkv[qi + e];
          }
        }
      }
    }
  }
  return dqkv;
}

/** Loss, gradients of every parameter, and activation statistics for one batch. */
export function refGptForwardBackward(
  c: RefGptConfig,
  params: RefParams,
  tokens: ArrayLike<number>,
  targets: ArrayLike<number>,
  batch: number,
): RefGptResult {
  const B = batch;
  const T = tokens.length / B;
  if (!Number.isInteger(T) || T > c.context)
    throw new Error(`refGpt: ${tokens.length} tokens for batch ${B}`);
  const R = B * T;
  const d = c.width;
  const F = c.mlpHidden;
  const V = c.vocab;
  const P = (name: string) => {
    const p = params[name];
    if (!p) throw new Error(`refGpt: missing parameter ${name}`);
    return p;
  };
  const opt = (name: string) => (c.biases ? P(name) : undefined);
  const grads: RefParams = {};
  for (const [name, shape] of refGptParamShapes(c))
    grads[name] = new Float64Array(shape.reduce((a, b) => a * b, 1));
  const G = (name: string) => grads[name];
  const optG = (name: string) => (c.biases ? G(name) : undefined);
  const stats: Record<string, number> = {};
  const addStat = (k: string, v: number) => (stats[k] = (stats[k] ?? 0) + v / c.depth);

  // ---- forward ----
  const tok = P('tok_emb');
  const pos = P('pos_emb');
  let x = new Float64Array(R * d);
  for (let r = 0; r < R; r++) {
    const t = r % T;
    for (let i = 0; i < d; i++)
      x[r * d + i] = c.inputMult * (tok[tokens[r] * d + i] + pos[t * d + i]);
  }
  stats.embedding = meanAbs(x);

  interface BlockCache {
    xIn: Float64Array;
    ln1: LnCache;
    h1: Float64Array;
    qkv: Float64Array;
    probs: Float64Array[];
    o: Float64Array;
    xMid: Float64Array;
    ln2: LnCache;
    h2: Float64Array;
    u: Float64Array;
    g: Float64Array;
  }
  const caches: BlockCache[] = [];
  for (let l = 0; l < c.depth; l++) {
    const p = `blocks.${l}.`;
    const xIn = x;
    const { y: h1, cache: ln1 } = layerNorm(
      xIn,
      P(p + 'ln1.gain'),
      opt(p + 'ln1.bias'),
      R,
      d,
      c.lnEps,
    );
    const qkv = linear(h1, P(p + 'attn.qkv'), opt(p + 'attn.qkv_bias'), R, d, 3 * d);
    const { o, probs, logitMeanAbs } = attention(qkv, c, B, T);
    const a = linear(o, P(p + 'attn.out'), opt(p + 'attn.out_bias'), R, d, d);
    const xMid = new Float64Array(R * d);
    for (let i = 0; i < R * d; i++) xMid[i] = xIn[i] + c.residualMult * a[i];
    const { y: h2, cache: ln2 } = layerNorm(
      xMid,
      P(p + 'ln2.gain'),
      opt(p + 'ln2.bias'),
      R,
      d,
      c.lnEps,
    );
    const u = linear(h2, P(p + 'mlp.in'), opt(p + 'mlp.in_bias'), R, d, F);
    const g = u.map(gelu);
    const m = linear(g, P(p + 'mlp.out'), opt(p + 'mlp.out_bias'), R, F, d);
    const xOut = new Float64Array(R * d);
    for (let i = 0; i < R * d; i++) xOut[i] = xMid[i] + c.residualMult * m[i];
    addStat('attnLogits', logitMeanAbs);
    addStat('attnOutput', meanAbs(a));
    addStat('mlpOutput', meanAbs(m));
    addStat('blockOutput', meanAbs(xOut));
    caches.push({ xIn, ln1, h1, qkv, probs, o, xMid, ln2, h2, u, g });
    x = xOut;
  }
  const { y: hf, cache: lnf } = layerNorm(x, P('ln_f.gain'), opt('ln_f.bias'), R, d, c.lnEps);
  // Readout matrix as [d, V]; a tied readout reads tok_emb [V, d] transposed.
  const wr = c.tiedReadout ? transpose(tok, V, d) : P('readout');
  const logits = linear(hf, wr, undefined, R, d, V);
  for (let i = 0; i < logits.length; i++) logits[i] *= c.readoutMult;
  stats.readoutLogits = meanAbs(logits);

  let loss = 0;
  const dLogits = new Float64Array(R * V);
  for (let r = 0; r < R; r++) {
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, logits[r * V + v]);
    let z = 0;
    for (let v = 0; v < V; v++) z += Math.exp(logits[r * V + v] - max);
    const lse = max + Math.log(z);
    loss += lse - logits[r * V + targets[r]];
    for (let v = 0; v < V; v++) {
      const pr = Math.exp(logits[r * V + v] - lse);
      // d loss / d (pre-multiplier logits) = readoutMult * (p - onehot) / R
      dLogits[r * V + v] = (c.readoutMult * (pr - (v === targets[r] ? 1 : 0))) / R;
    }
  }
  loss /= R;

  // ---- backward ----
  const dwr = new Float64Array(d * V);
  const dhf = linearBack(hf, wr, dLogits, dwr, undefined, R, d, V);
  if (c.tiedReadout) {
    const t = transpose(dwr, d, V);
    for (let i = 0; i < t.length; i++) G('tok_emb')[i] += t[i];
  } else {
    G('readout').set(dwr);
  }
  let dx = layerNormBack(dhf, P('ln_f.gain'), lnf, G('ln_f.gain'), optG('ln_f.bias'), R, d);
  for (let l = c.depth - 1; l >= 0; l--) {
    const p = `blocks.${l}.`;
    const k = caches[l];
    // x_out = x_mid + r * mlp(LN2(x_mid))
    const dm = dx.map((v) => v * c.residualMult);
    const dg = linearBack(
      k.g,
      P(p + 'mlp.out'),
      dm,
      G(p + 'mlp.out'),
      optG(p + 'mlp.out_bias'),
      R,
      F,
      d,
    );
    const du = dg.map((v, i) => v * geluGrad(k.u[i]));
    const dh2 = linearBack(
      k.h2,
      P(p + 'mlp.in'),
      du,
      G(p + 'mlp.in'),
      optG(p + 'mlp.in_bias'),
      R,
      d,
      F,
    );
    const dxMid = layerNormBack(
      dh2,
      P(p + 'ln2.gain'),
      k.ln2,
      G(p + 'ln2.gain'),
      optG(p + 'ln2.bias'),
      R,
      d,
    );
    for (let i = 0; i < dx.length; i++) dxMid[i] += dx[i];
    // x_mid = x_in + r * attn(LN1(x_in))
    const da = dxMid.map((v) => v * c.residualMult);
    const dO = linearBack(
      k.o,
      P(p + 'attn.out'),
      da,
      G(p + 'attn.out'),
      optG(p + 'attn.out_bias'),
      R,
      d,
      d,
    );
    const dqkv = attentionBack(k.qkv, k.probs, dO, c, B, T);
    const dh1 = linearBack(
      k.h1,
      P(p + 'attn.qkv'),
      dqkv,
      G(p + 'attn.qkv'),
      optG(p + 'attn.qkv_bias'),
      R,
      d,
      3 * d,
    );
    const dxIn = layerNormBack(
      dh1,
      P(p + 'ln1.gain'),
      k.ln1,
      G(p + 'ln1.gain'),
      optG(p + 'ln1.bias'),
      R,
      d,
    );
    for (let i = 0; i < dx.length; i++) dxIn[i] += dxMid[i];
    dx = dxIn;
  }
  for (let r = 0; r < R; r++) {
    const t = r % T;
    for (let i = 0; i < d; i++) {
      const g = c.inputMult * dx[r * d + i];
      G('tok_emb')[tokens[r] * d + i] += g;
      G('pos_emb')[t * d + i] += g;
    }
  }
  return { loss, grads, stats };
}

function transpose(x: Float64Array, rows: number, cols: number): Float64Array {
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let col = 0; col < cols; col++) y[col * rows + r] = x[r * cols + col];
  return y;
}
