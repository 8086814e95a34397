/**
 * The GPT on the GPU: parameters, activations and every op of one training step (forward,
 * hand-written backward), prepared once and encoded into one compute pass per step.
 *
 * Several runs of the same shape (e.g. the learning rates of one width) can be stacked: their
 * parameters sit run-major in one flat buffer (see layout.ts), their activations are stacked
 * along the rows, matmuls walk the runs as a batch dimension, layernorms take each run's gain
 * and bias at the run stride in one op, and the embedding is dispatched once per run on views.
 * Math and layout are those of src/reference/gpt.ts, which the tests hold this to.
 */
import {
  createTensor,
  releaseTensor,
  uploadTensor,
  viewOf,
  type GpuContext,
  type GpuTensor,
  type PreparedOp,
} from '../gpu';
import { gptTensors, headSizeOf, headsOf, mlpWidth, type GptShape } from '../mup/shapes';
import { prepareAttentionBackward, prepareAttentionForward } from '../ops/attention';
import { prepareCrossEntropy, type CrossEntropyOp } from '../ops/cross_entropy';
import { prepareEmbeddingBackward, prepareEmbeddingForward } from '../ops/embedding';
import { prepareLayerNormBackward, prepareLayerNormForward } from '../ops/layernorm';
import { prepareMatmul } from '../ops/matmul';
import { prepareMatmulGeluBackward, prepareMatmulGeluForward } from '../ops/matmulGelu';
import { prepareResidualLayerNorm } from '../ops/residualLayernorm';
import { planLayout, slotOf, type ParamLayout } from './layout';

export interface GptMultipliers {
  inputMult: number;
  attnScale: number;
  residualMult: number;
  readoutMult: number;
}

export interface GptGpuOptions {
  shape: GptShape;
  multipliers: GptMultipliers;
  /** Sequences per run per step. */
  batch: number;
  /** Runs stacked side by side (same shape and multipliers, own parameters). */
  runs?: number;
  /** Layernorm ε (default DEFAULT_LN_EPS). */
  lnEps?: number;
}

export const DEFAULT_LN_EPS = 1e-5;

/** Activations kept for the coordinate check, per block where it applies. */
export interface GptActivations {
  embedding: GpuTensor;
  qkv: GpuTensor[];
  attnOutput: GpuTensor[];
  mlpOutput: GpuTensor[];
  blockOutput: GpuTensor[];
  logits: GpuTensor;
}

export interface GptDims {
  width: number;
  depth: number;
  heads: number;
  headSize: number;
  context: number;
  vocab: number;
  mlpHidden: number;
  tiedReadout: boolean;
  biases: boolean;
}

export function gptDims(shape: GptShape): GptDims {
  return {
    width: shape.width,
    depth: shape.depth,
    heads: headsOf(shape),
    headSize: headSizeOf(shape),
    context: shape.context,
    vocab: shape.vocab,
    mlpHidden: mlpWidth(shape),
    tiedReadout: shape.tiedReadout,
    biases: shape.biases,
  };
}

/** What the backward of one block reads from its forward (per block, all runs stacked). */
interface BlockSaved {
  /** The block's input (the previous block's output, or the embedding). */
  xIn: GpuTensor;
  /** x after the attention branch. */
  xMid: GpuTensor;
  /** LN1(xIn), its row means and reciprocal standard deviations. */
  h1: GpuTensor;
  mean1: GpuTensor;
  rstd1: GpuTensor;
  /** Attention output (before attn.out) and its log-sum-exp per row and head. */
  o: GpuTensor;
  lse: GpuTensor;
  /** LN2(xMid) and its statistics. */
  h2: GpuTensor;
  mean2: GpuTensor;
  rstd2: GpuTensor;
  /** MLP pre-activation and GELU output. */
  u: GpuTensor;
  g: GpuTensor;
}

/** Where a layernorm's results go: its parameters' name (`ln_f`, `blocks.0.ln1`) and outputs. */
interface NormOutput {
  norm: string;
  y: GpuTensor;
  mean: GpuTensor;
  rstd: GpuTensor;
}

/** What the backward reads from the forward. */
interface ForwardSaved {
  blocks: BlockSaved[];
  /** Output of the last block (input of the final layernorm). */
  lastOutput: GpuTensor;
  /** LN_f(lastOutput) and its statistics. */
  hf: GpuTensor;
  meanF: GpuTensor;
  rstdF: GpuTensor;
  /** Gradient of the loss w.r.t. the logits, written by the cross-entropy. */
  dLogits: GpuTensor;
}

/** Gradient buffers reused by every block's backward. */
interface BlockGrads {
  /** The residual stream's gradient, accumulated through the blocks. */
  dRes: GpuTensor;
  /** The GELU backward's scratch, made on first use (only a 'separate' one writes it). */
  dG: () => GpuTensor;
  dU: GpuTensor;
  dH: GpuTensor;
  dO: GpuTensor;
  dQkv: GpuTensor;
}

export class GptGpu {
  readonly dims: GptDims;
  readonly layout: ParamLayout;
  readonly runs: number;
  readonly batch: number;
  /** Rows of one run's activations: batch × context. */
  readonly rows: number;
  readonly params: GpuTensor;
  readonly grads: GpuTensor;
  /** u32 [batch·context] inputs, shared by the stacked runs. */
  readonly tokens: GpuTensor;
  /** u32 [runs·batch·context] targets (the batch's targets repeated per run). */
  readonly targets: GpuTensor;
  readonly activations: GptActivations;
  readonly forwardOps: PreparedOp[] = [];
  readonly backwardOps: PreparedOp[] = [];
  /** Per-run mean loss [runs], written by the forward. */
  lossOp!: CrossEntropyOp;

  private readonly owned: GpuTensor[] = [];

  private constructor(
    private readonly ctx: GpuContext,
    readonly options: GptGpuOptions,
  ) {
    this.dims = gptDims(options.shape);
    this.runs = options.runs ?? 1;
    this.batch = options.batch;
    this.rows = options.batch * this.dims.context;
    if (this.runs > 1 && this.rows % 64 !== 0) {
      // Per-run views of row-stacked activations must start on 256-byte boundaries.
      throw new Error(
        `Stacking ${this.runs} runs needs batch × context to be a multiple of 64 (it is ${this.rows}); use stack 1 or change the batch`,
      );
    }
    this.layout = planLayout(gptTensors(options.shape), this.runs);
    const { width: d, depth: L, vocab: V } = this.dims;
    const KR = this.runs * this.rows;
    const t = (shape: number[], label: string, dtype?: 'u32') => this.scratch(shape, label, dtype);
    // Zero-filled so that the alignment padding between tensors stays 0 for ever.
    this.params = this.zeros([this.layout.totalSize], 'params');
    this.grads = this.zeros([this.layout.totalSize], 'grads');
    this.tokens = t([this.rows], 'tokens', 'u32');
    this.targets = t([KR], 'targets', 'u32');
    const perBlock = (shape: number[], label: string) =>
      Array.from({ length: L }, (_, l) => t(shape, `${label}.${l}`));
    this.activations = {
      embedding: t([KR, d], 'x0'),
      qkv: perBlock([KR, 3 * d], 'qkv'),
      attnOutput: perBlock([KR, d], 'attn_out'),
      mlpOutput: perBlock([KR, d], 'mlp_out'),
      blockOutput: perBlock([KR, d], 'block_out'),
      logits: t([KR, V], 'logits'),
    };
  }

  private zeros(shape: number[], label: string): GpuTensor {
    const n = shape.reduce((a, b) => a * b, 1);
    const x = uploadTensor(this.ctx, new Float32Array(n), shape, label);
    this.owned.push(x);
    return x;
  }

  static async create(ctx: GpuContext, options: GptGpuOptions): Promise<GptGpu> {
    const model = new GptGpu(ctx, options);
    await model.build();
    return model;
  }

  /** What the embedding's forward and backward of every run share: the tokens and the shape. */
  private embeddingShape() {
    const { context: T, vocab: V, width: d } = this.dims;
    return {
      tokens: this.tokens,
      batch: this.batch,
      seq: T,
      vocab: V,
      dim: d,
      posRows: T,
      alpha: this.options.multipliers.inputMult,
    };
  }

  /** View of parameter (or gradient) `name` of run 0, long enough for all runs' copies. */
  private stacked(flat: GpuTensor, name: string): GpuTensor {
    const slot = slotOf(this.layout, name);
    return viewOf(flat, slot.offset, [flat.length - slot.offset]);
  }

  /** View of parameter (or gradient) `name` from run 0's copy to the end of the last run's. */
  private allRuns(flat: GpuTensor, name: string): GpuTensor {
    const slot = slotOf(this.layout, name);
    return viewOf(flat, slot.offset, [(this.runs - 1) * this.layout.runStride + slot.size]);
  }

  /** View of parameter (or gradient) `name` of run k. */
  private ofRun(flat: GpuTensor, name: string, k: number): GpuTensor {
    const slot = slotOf(this.layout, name);
    return viewOf(flat, slot.offset + k * this.layout.runStride, slot.shape);
  }

  /** Rows of run k in a row-stacked activation of `cols` columns. */
  private rowsOf(x: GpuTensor, k: number, cols: number): GpuTensor {
    return viewOf(x, k * this.rows * cols, [this.rows, cols]);
  }

  /** An activation, gradient or input buffer owned (and released) by the model. */
  private scratch(shape: number[], label: string, dtype: 'f32' | 'u32' = 'f32'): GpuTensor {
    const x = createTensor(this.ctx, shape, dtype, label);
    this.owned.push(x);
    return x;
  }

  /** Plans the step: the forward (ending in the loss), then the backward in reverse. */
  private async build(): Promise<void> {
    const saved = await this.planForward();
    this.backwardOps.push(...(await this.planBackward(saved)));
  }

  // ---- Forward ------------------------------------------------------------------------------

  private async planForward(): Promise<ForwardSaved> {
    const { width: d, depth: L, vocab: V } = this.dims;
    const K = this.runs;
    const KR = K * this.rows;
    const act = this.activations;
    const fwd = this.forwardOps;
    for (let k = 0; k < K; k++) {
      fwd.push(
        await prepareEmbeddingForward(this.ctx, {
          ...this.embeddingShape(),
          tokEmb: this.ofRun(this.params, 'tok_emb', k),
          posEmb: this.ofRun(this.params, 'pos_emb', k),
          out: this.rowsOf(act.embedding, k, d),
          label: `embedding run ${k}`,
        }),
      );
    }
    // Each block's LN1 and the final LN_f read a residual sum: the op that writes it (the
    // previous block's output residual) also normalises it; only LN1 of block 0 stands alone.
    const blocks = Array.from({ length: L }, (_, l) =>
      this.blockBuffers(l, l === 0 ? act.embedding : act.blockOutput[l - 1]),
    );
    const hf = this.scratch([KR, d], 'hf');
    const meanF = this.scratch([KR], 'mean_f');
    const rstdF = this.scratch([KR], 'rstd_f');
    const first = blocks[0];
    fwd.push(
      ...(await this.layerNorm(
        act.embedding,
        'blocks.0.ln1.gain',
        'blocks.0.ln1.bias',
        first.h1,
        first.mean1,
        first.rstd1,
      )),
    );
    for (let l = 0; l < L; l++) {
      const next: NormOutput =
        l + 1 < L
          ? {
              norm: `blocks.${l + 1}.ln1`,
              y: blocks[l + 1].h1,
              mean: blocks[l + 1].mean1,
              rstd: blocks[l + 1].rstd1,
            }
          : { norm: 'ln_f', y: hf, mean: meanF, rstd: rstdF };
      await this.planBlockForward(l, blocks[l], next);
    }
    const x = act.blockOutput[L - 1];
    const readout = this.dims.tiedReadout ? 'tok_emb' : 'readout';
    fwd.push(
      await prepareMatmul(this.ctx, {
        a: hf,
        b: this.stacked(this.params, readout),
        c: act.logits,
        m: this.rows,
        k: d,
        n: V,
        batch: K,
        // A tied readout reads tok_emb [V, d] as its transpose.
        transB: this.dims.tiedReadout,
        strideA: this.rows * d,
        strideB: this.layout.runStride,
        strideC: this.rows * V,
        label: 'readout',
      }),
    );
    const dLogits = this.scratch([KR, V], 'd_logits');
    this.lossOp = await prepareCrossEntropy(this.ctx, {
      logits: act.logits,
      targets: this.targets,
      rows: KR,
      vocab: V,
      dLogits,
      runs: K,
      logitScale: this.options.multipliers.readoutMult,
      label: 'cross-entropy',
    });
    fwd.push(this.lossOp);
    return { blocks, lastOutput: x, hf, meanF, rstdF, dLogits };
  }

  /** The buffers block l's forward writes and its backward reads; xIn is its input. */
  private blockBuffers(l: number, xIn: GpuTensor): BlockSaved {
    const { width: d, mlpHidden: F, heads: H, context: T } = this.dims;
    const K = this.runs;
    const KR = K * this.rows;
    return {
      xIn,
      xMid: this.scratch([KR, d], `x_mid.${l}`),
      h1: this.scratch([KR, d], `h1.${l}`),
      mean1: this.scratch([KR], `mean1.${l}`),
      rstd1: this.scratch([KR], `rstd1.${l}`),
      o: this.scratch([KR, d], `o.${l}`),
      lse: this.scratch([K * this.batch, H, T], `lse.${l}`),
      h2: this.scratch([KR, d], `h2.${l}`),
      mean2: this.scratch([KR], `mean2.${l}`),
      rstd2: this.scratch([KR], `rstd2.${l}`),
      u: this.scratch([KR, F], `u.${l}`),
      g: this.scratch([KR, F], `g.${l}`),
    };
  }

  /**
   * Block l, whose LN1(x) is already in s.h1: x_mid = x + r · attn.out(attention(h1 · qkv)),
   * then x_out = x_mid + r · mlp.out(gelu(LN2(x_mid) · mlp.in)) (biases when the shape has them),
   * and `next` = the next layernorm of x_out (the next block's LN1, or LN_f).
   */
  private async planBlockForward(l: number, s: BlockSaved, next: NormOutput): Promise<void> {
    const { width: d, mlpHidden: F, heads: H, headSize: Dh, context: T } = this.dims;
    const { attnScale } = this.options.multipliers;
    const K = this.runs;
    const act = this.activations;
    const fwd = this.forwardOps;
    const p = `blocks.${l}.`;
    const bias = (name: string) => (this.dims.biases ? p + name : undefined);
    fwd.push(
      ...(await this.linear(s.h1, p + 'attn.qkv', bias('attn.qkv_bias'), act.qkv[l], d, 3 * d)),
    );
    fwd.push(
      await prepareAttentionForward(this.ctx, {
        qkv: act.qkv[l],
        out: s.o,
        lse: s.lse,
        batch: K * this.batch,
        heads: H,
        headSize: Dh,
        context: T,
        scale: attnScale,
      }),
    );
    fwd.push(
      ...(await this.linear(s.o, p + 'attn.out', bias('attn.out_bias'), act.attnOutput[l], d, d)),
    );
    fwd.push(
      await this.residualLayerNorm(s.xIn, act.attnOutput[l], s.xMid, {
        norm: p + 'ln2',
        y: s.h2,
        mean: s.mean2,
        rstd: s.rstd2,
      }),
    );
    // u = h2 · W_in + b and g = gelu(u) (u is kept for the backward).
    fwd.push(...(await this.linear(s.h2, p + 'mlp.in', bias('mlp.in_bias'), s.u, d, F, s.g)));
    fwd.push(
      ...(await this.linear(s.g, p + 'mlp.out', bias('mlp.out_bias'), act.mlpOutput[l], F, d)),
    );
    fwd.push(await this.residualLayerNorm(s.xMid, act.mlpOutput[l], act.blockOutput[l], next));
  }

  // ---- Backward -----------------------------------------------------------------------------

  /** The forward in reverse: readout and final layernorm, the blocks, the embedding. */
  private async planBackward(saved: ForwardSaved): Promise<PreparedOp[]> {
    const { width: d, vocab: V, mlpHidden: F } = this.dims;
    const K = this.runs;
    const R = this.rows;
    const KR = K * R;
    const stride = this.layout.runStride;
    const bwd: PreparedOp[] = [];
    const { hf, dLogits } = saved;
    const dhf = this.scratch([KR, d], 'd_hf');
    const dRes = this.scratch([KR, d], 'd_res');
    if (this.dims.tiedReadout) {
      // dHf = dLogits · tok_emb;  d tok_emb = dLogits^T · hf (the embedding adds to it below).
      bwd.push(
        await prepareMatmul(this.ctx, {
          a: dLogits,
          b: this.stacked(this.params, 'tok_emb'),
          c: dhf,
          m: R,
          k: V,
          n: d,
          batch: K,
          strideA: R * V,
          strideB: stride,
          strideC: R * d,
          label: 'dHf tied',
        }),
        await prepareMatmul(this.ctx, {
          a: dLogits,
          b: hf,
          c: this.stacked(this.grads, 'tok_emb'),
          m: V,
          k: R,
          n: d,
          batch: K,
          transA: true,
          strideA: R * V,
          strideB: R * d,
          strideC: stride,
          label: 'dW tied readout',
        }),
      );
    } else {
      bwd.push(...(await this.linearBack(hf, 'readout', undefined, dLogits, dhf, d, V)));
    }
    bwd.push(
      ...(await this.layerNormBack(
        saved.lastOutput,
        'ln_f.gain',
        'ln_f.bias',
        saved.meanF,
        saved.rstdF,
        dhf,
        dRes,
        0,
      )),
    );
    let dG: GpuTensor | undefined;
    const grads: BlockGrads = {
      dRes,
      // Only a 'separate' GELU backward writes dG: made when the first one asks, shared after.
      dG: () => (dG ??= this.scratch([KR, F], 'd_g')),
      dU: this.scratch([KR, F], 'd_u'),
      dH: this.scratch([KR, d], 'd_h'),
      dO: this.scratch([KR, d], 'd_o'),
      dQkv: this.scratch([KR, 3 * d], 'd_qkv'),
    };
    for (let l = this.dims.depth - 1; l >= 0; l--) {
      bwd.push(...(await this.planBlockBackward(l, saved.blocks[l], grads)));
    }
    bwd.push(...(await this.planEmbeddingBackward(dRes)));
    return bwd;
  }

  /** Block l backward; dRes holds the residual stream's gradient on entry and on exit. */
  private async planBlockBackward(
    l: number,
    s: BlockSaved,
    { dRes, dG, dU, dH, dO, dQkv }: BlockGrads,
  ): Promise<PreparedOp[]> {
    const { width: d, mlpHidden: F, heads: H, headSize: Dh, context: T } = this.dims;
    const { attnScale, residualMult } = this.options.multipliers;
    const act = this.activations;
    const p = `blocks.${l}.`;
    const bias = (name: string) => (this.dims.biases ? p + name : undefined);
    const bwd: PreparedOp[] = [];
    // x_out = x_mid + r · mlp(LN2(x_mid)): the branch sees r · dRes; its dX is dU = dG · gelu'(u).
    bwd.push(
      ...(await this.linearBack(
        s.g,
        p + 'mlp.out',
        bias('mlp.out_bias'),
        dRes,
        dU,
        F,
        d,
        residualMult,
        { u: s.u, dG },
      )),
    );
    bwd.push(...(await this.linearBack(s.h2, p + 'mlp.in', bias('mlp.in_bias'), dU, dH, d, F)));
    bwd.push(
      ...(await this.layerNormBack(
        s.xMid,
        p + 'ln2.gain',
        p + 'ln2.bias',
        s.mean2,
        s.rstd2,
        dH,
        dRes,
        1,
      )),
    );
    // x_mid = x_in + r · attn(LN1(x_in))
    bwd.push(
      ...(await this.linearBack(
        s.o,
        p + 'attn.out',
        bias('attn.out_bias'),
        dRes,
        dO,
        d,
        d,
        residualMult,
      )),
    );
    bwd.push(
      await prepareAttentionBackward(this.ctx, {
        qkv: act.qkv[l],
        out: s.o,
        lse: s.lse,
        dout: dO,
        dqkv: dQkv,
        batch: this.runs * this.batch,
        heads: H,
        headSize: Dh,
        context: T,
        scale: attnScale,
      }),
    );
    bwd.push(
      ...(await this.linearBack(s.h1, p + 'attn.qkv', bias('attn.qkv_bias'), dQkv, dH, d, 3 * d)),
    );
    bwd.push(
      ...(await this.layerNormBack(
        s.xIn,
        p + 'ln1.gain',
        p + 'ln1.bias',
        s.mean1,
        s.rstd1,
        dH,
        dRes,
        1,
      )),
    );
    return bwd;
  }

  /** d tok_emb and d pos_emb from the residual stream's gradient, per run. */
  private async planEmbeddingBackward(dRes: GpuTensor): Promise<PreparedOp[]> {
    const { width: d } = this.dims;
    const ops: PreparedOp[] = [];
    for (let k = 0; k < this.runs; k++) {
      ops.push(
        await prepareEmbeddingBackward(this.ctx, {
          ...this.embeddingShape(),
          dOut: this.rowsOf(dRes, k, d),
          dTok: this.ofRun(this.grads, 'tok_emb', k),
          dPos: this.ofRun(this.grads, 'pos_emb', k),
          // A tied readout already wrote its part of d tok_emb; d pos_emb starts afresh.
          beta: this.dims.tiedReadout ? 1 : 0,
          posBeta: 0,
          label: `embedding backward run ${k}`,
        }),
      );
    }
    return ops;
  }

  // ---- Layers (forward and backward over the stacked runs) ----------------------------------

  /**
   * y[K·R, n] = x[K·R, k] · W_k (+ b_k), one matmul over the stacked runs, each run's bias added
   * in its epilogue; with `g`, also g = gelu(y) (fused or a separate pass: src/ops/matmulGelu.ts).
   */
  private async linear(
    x: GpuTensor,
    w: string,
    b: string | undefined,
    y: GpuTensor,
    k: number,
    n: number,
    g?: GpuTensor,
  ): Promise<PreparedOp[]> {
    const R = this.rows;
    const stride = this.layout.runStride;
    const args = {
      a: x,
      b: this.stacked(this.params, w),
      c: y,
      m: R,
      k,
      n,
      batch: this.runs,
      strideA: R * k,
      strideB: stride,
      strideC: R * n,
      ...(b ? { bias: this.stacked(this.params, b), strideBias: stride } : {}),
      label: `linear ${w}`,
    };
    if (g) return prepareMatmulGeluForward(this.ctx, { ...args, g });
    return [await prepareMatmul(this.ctx, args)];
  }

  /**
   * Backward of linear: dx (alpha-scaled, overwritten), dW and db into the gradients. With
   * `gelu` (x = gelu(u)), dx is the GELU's input gradient dx · gelu'(u) instead (fused or via the
   * scratch dG: src/ops/matmulGelu.ts).
   */
  private async linearBack(
    x: GpuTensor,
    w: string,
    b: string | undefined,
    dy: GpuTensor,
    dx: GpuTensor | undefined,
    k: number,
    n: number,
    alpha = 1,
    gelu?: { u: GpuTensor; dG: () => GpuTensor },
  ): Promise<PreparedOp[]> {
    const R = this.rows;
    const K = this.runs;
    const stride = this.layout.runStride;
    const ops: PreparedOp[] = [];
    if (dx) {
      const args = {
        a: dy,
        b: this.stacked(this.params, w),
        c: dx,
        m: R,
        k: n,
        n: k,
        batch: K,
        transB: true,
        strideA: R * n,
        strideB: stride,
        strideC: R * k,
        alpha,
        label: `dX ${w}`,
      };
      if (gelu) ops.push(...(await prepareMatmulGeluBackward(this.ctx, { ...args, ...gelu })));
      else ops.push(await prepareMatmul(this.ctx, args));
    }
    ops.push(
      await prepareMatmul(this.ctx, {
        a: x,
        b: dy,
        c: this.stacked(this.grads, w),
        m: k,
        k: R,
        n,
        batch: K,
        transA: true,
        strideA: R * k,
        strideB: R * n,
        strideC: stride,
        alpha,
        label: `dW ${w}`,
      }),
    );
    if (b) {
      ops.push(
        await prepareMatmul(this.ctx, {
          a: await this.ones(),
          b: dy,
          c: this.stacked(this.grads, b),
          m: 1,
          k: R,
          n,
          batch: K,
          strideA: 0,
          strideB: R * n,
          strideC: stride,
          alpha,
          label: `db ${b}`,
        }),
      );
    }
    return ops;
  }

  /** y = LN(x), each run's rows with its own gain (and bias): one op over the stacked runs. */
  private async layerNorm(
    x: GpuTensor,
    gain: string,
    bias: string,
    y: GpuTensor,
    mean: GpuTensor,
    rstd: GpuTensor,
  ): Promise<PreparedOp[]> {
    return [
      await prepareLayerNormForward(this.ctx, {
        ...this.layerNormStack(gain, bias, this.params),
        x,
        y,
        mean,
        rstd,
        eps: this.options.lnEps ?? DEFAULT_LN_EPS,
        label: `layernorm ${gain}`,
      }),
    ];
  }

  /** x = a + r · b, then `out` = LN(x) with each run's parameters: one tuned op (fused or not). */
  private async residualLayerNorm(
    a: GpuTensor,
    b: GpuTensor,
    x: GpuTensor,
    out: NormOutput,
  ): Promise<PreparedOp> {
    return prepareResidualLayerNorm(this.ctx, {
      ...this.layerNormStack(`${out.norm}.gain`, `${out.norm}.bias`, this.params),
      a,
      b,
      scale: this.options.multipliers.residualMult,
      x,
      y: out.y,
      mean: out.mean,
      rstd: out.rstd,
      eps: this.options.lnEps ?? DEFAULT_LN_EPS,
      label: `residual layernorm ${out.norm}.gain`,
    });
  }

  /** dx = LN'(dy) + dxBeta · dx (1: accumulating into the residual stream's gradient). */
  private async layerNormBack(
    x: GpuTensor,
    gain: string,
    bias: string,
    mean: GpuTensor,
    rstd: GpuTensor,
    dy: GpuTensor,
    dx: GpuTensor,
    dxBeta: number,
  ): Promise<PreparedOp[]> {
    const grads = this.layerNormStack(gain, bias, this.grads);
    return [
      await prepareLayerNormBackward(this.ctx, {
        ...this.layerNormStack(gain, bias, this.params),
        x,
        mean,
        rstd,
        dy,
        dx,
        dgain: grads.gain,
        dbias: grads.bias,
        dxBeta,
        label: `layernorm backward ${gain}`,
      }),
    ];
  }

  /** A layernorm's shape over the stacked runs and its gain and bias (or their gradients) in `flat`. */
  private layerNormStack(gain: string, bias: string, flat: GpuTensor) {
    return {
      rows: this.runs * this.rows,
      width: this.dims.width,
      runs: this.runs,
      paramStride: this.layout.runStride,
      gain: this.allRuns(flat, gain),
      bias: this.dims.biases ? this.allRuns(flat, bias) : undefined,
    };
  }

  private onesTensor: GpuTensor | undefined;
  private async ones(): Promise<GpuTensor> {
    if (!this.onesTensor) {
      this.onesTensor = uploadTensor(
        this.ctx,
        new Float32Array(this.rows).fill(1),
        [this.rows],
        'ones',
      );
      this.owned.push(this.onesTensor);
    }
    return this.onesTensor;
  }

  /** All ops of one step without the optimizer, in order. */
  get stepOps(): PreparedOp[] {
    return [...this.forwardOps, ...this.backwardOps];
  }

  /** Uploads one batch: tokens [batch·context] shared by all runs, targets repeated per run. */
  writeBatch(tokens: Uint32Array, targets: Uint32Array): void {
    if (tokens.length !== this.rows || targets.length !== this.rows) {
      throw new Error(`writeBatch: expected ${this.rows} tokens and targets`);
    }
    const q = this.ctx.device.queue;
    q.writeBuffer(
      this.tokens.buffer,
      this.tokens.offset,
      tokens.buffer,
      tokens.byteOffset,
      tokens.byteLength,
    );
    for (let k = 0; k < this.runs; k++) {
      q.writeBuffer(
        this.targets.buffer,
        this.targets.offset + k * this.rows * 4,
        targets.buffer,
        targets.byteOffset,
        targets.byteLength,
      );
    }
  }

  /** Uploads all parameters (layout order, all runs). */
  writeParams(flat: Float32Array): void {
    if (flat.length !== this.layout.totalSize) throw new Error('writeParams: wrong length');
    this.ctx.device.queue.writeBuffer(
      this.params.buffer,
      this.params.offset,
      flat.buffer,
      flat.byteOffset,
      flat.byteLength,
    );
  }

  release(): void {
    for (const op of [...this.forwardOps, ...this.backwardOps]) op.release();
    this.forwardOps.length = 0;
    this.backwardOps.length = 0;
    for (const x of this.owned) releaseTensor(this.ctx, x);
    this.owned.length = 0;
  }
}
