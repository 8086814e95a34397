/**
 * The GPT on the GPU: parameters, activations and every op of one training step (forward,
 * hand-written backward), prepared once and encoded into one compute pass per step.
 *
 * Several runs of the same shape (e.g. the learning rates of one width) can be stacked: their
 * parameters sit run-major in one flat buffer (see layout.ts), their activations are stacked
 * along the rows, matmuls walk the runs as a batch dimension, and the ops that carry
 * per-run parameters (embedding, layernorms) are dispatched once per run on views.
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
import { prepareGeluBackward, prepareGeluForward } from '../ops/gelu';
import { prepareLayerNormBackward, prepareLayerNormForward } from '../ops/layernorm';
import { prepareMatmul } from '../ops/matmul';
import { prepareResidualAdd } from '../ops/residual';
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
    const t = (shape: number[], label: string, dtype: 'f32' | 'u32' = 'f32') => {
      const x = createTensor(ctx, shape, dtype, label);
      this.owned.push(x);
      return x;
    };
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

  /** View of parameter (or gradient) `name` of run 0, long enough for all runs' copies. */
  private stacked(flat: GpuTensor, name: string): GpuTensor {
    const slot = slotOf(this.layout, name);
    return viewOf(flat, slot.offset, [flat.length - slot.offset]);
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

  private async build(): Promise<void> {
    const ctx = this.ctx;
    const {
      width: d,
      depth: L,
      vocab: V,
      mlpHidden: F,
      heads: H,
      headSize: Dh,
      context: T,
    } = this.dims;
    const { inputMult, attnScale, residualMult, readoutMult } = this.options.multipliers;
    const K = this.runs;
    const R = this.rows;
    const KR = K * R;
    const eps = this.options.lnEps ?? DEFAULT_LN_EPS;
    const biases = this.dims.biases;
    const P = this.params;
    const G = this.grads;
    const stride = this.layout.runStride;
    const t = (shape: number[], label: string) => {
      const x = createTensor(ctx, shape, 'f32', label);
      this.owned.push(x);
      return x;
    };
    const fwd = this.forwardOps;
    const bwd: PreparedOp[] = [];
    const act = this.activations;

    // y[K·R, n] = x[K·R, k] · W_k (+ b_k), one matmul over the stacked runs.
    const linear = (
      x: GpuTensor,
      w: string,
      b: string | undefined,
      y: GpuTensor,
      k: number,
      n: number,
    ) =>
      prepareMatmul(ctx, {
        a: x,
        b: this.stacked(P, w),
        c: y,
        m: R,
        k,
        n,
        batch: K,
        strideA: R * k,
        strideB: stride,
        strideC: R * n,
        label: `linear ${w}`,
      }).then(async (op) => {
        const ops = [op];
        // Bias per run: a rank-1 matmul ones[R,1] · b[1,n] accumulated into y.
        if (b) ops.push(await this.biasAdd(b, y, n));
        return ops;
      });
    // Backward of linear: dx (alpha-scaled, overwrite or accumulate), dW and db into grads.
    const linearBack = async (
      x: GpuTensor,
      w: string,
      b: string | undefined,
      dy: GpuTensor,
      dx: GpuTensor | undefined,
      k: number,
      n: number,
      alpha = 1,
    ) => {
      const ops: PreparedOp[] = [];
      if (dx) {
        ops.push(
          await prepareMatmul(ctx, {
            a: dy,
            b: this.stacked(P, w),
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
          }),
        );
      }
      ops.push(
        await prepareMatmul(ctx, {
          a: x,
          b: dy,
          c: this.stacked(G, w),
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
          await prepareMatmul(ctx, {
            a: await this.ones(),
            b: dy,
            c: this.stacked(G, b),
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
    };
    const layerNorm = async (
      x: GpuTensor,
      gain: string,
      bias: string,
      y: GpuTensor,
      mean: GpuTensor,
      rstd: GpuTensor,
    ) => {
      const ops: PreparedOp[] = [];
      for (let k = 0; k < K; k++) {
        ops.push(
          await prepareLayerNormForward(ctx, {
            x: this.rowsOf(x, k, d),
            gain: this.ofRun(P, gain, k),
            bias: biases ? this.ofRun(P, bias, k) : undefined,
            y: this.rowsOf(y, k, d),
            mean: this.rowsOf(mean, k, 1),
            rstd: this.rowsOf(rstd, k, 1),
            rows: R,
            width: d,
            eps,
            label: `layernorm ${gain} run ${k}`,
          }),
        );
      }
      return ops;
    };
    // dx = LN'(dy) + dx (accumulating into the residual stream's gradient).
    const layerNormBack = async (
      x: GpuTensor,
      gain: string,
      bias: string,
      mean: GpuTensor,
      rstd: GpuTensor,
      dy: GpuTensor,
      dx: GpuTensor,
      dxBeta: number,
    ) => {
      const ops: PreparedOp[] = [];
      for (let k = 0; k < K; k++) {
        ops.push(
          await prepareLayerNormBackward(ctx, {
            x: this.rowsOf(x, k, d),
            gain: this.ofRun(P, gain, k),
            mean: this.rowsOf(mean, k, 1),
            rstd: this.rowsOf(rstd, k, 1),
            dy: this.rowsOf(dy, k, d),
            dx: this.rowsOf(dx, k, d),
            dgain: this.ofRun(G, gain, k),
            dbias: biases ? this.ofRun(G, bias, k) : undefined,
            rows: R,
            width: d,
            dxBeta,
            label: `layernorm backward ${gain} run ${k}`,
          }),
        );
      }
      return ops;
    };

    // ---- forward ----
    for (let k = 0; k < K; k++) {
      fwd.push(
        await prepareEmbeddingForward(ctx, {
          tokens: this.tokens,
          tokEmb: this.ofRun(P, 'tok_emb', k),
          posEmb: this.ofRun(P, 'pos_emb', k),
          out: this.rowsOf(act.embedding, k, d),
          batch: this.batch,
          seq: T,
          vocab: V,
          dim: d,
          posRows: T,
          alpha: inputMult,
          label: `embedding run ${k}`,
        }),
      );
    }
    interface BlockState {
      xIn: GpuTensor;
      xMid: GpuTensor;
      h1: GpuTensor;
      mean1: GpuTensor;
      rstd1: GpuTensor;
      o: GpuTensor;
      lse: GpuTensor;
      h2: GpuTensor;
      mean2: GpuTensor;
      rstd2: GpuTensor;
      u: GpuTensor;
      g: GpuTensor;
    }
    const blocks: BlockState[] = [];
    let x = act.embedding;
    for (let l = 0; l < L; l++) {
      const p = `blocks.${l}.`;
      const s: BlockState = {
        xIn: x,
        xMid: t([KR, d], `x_mid.${l}`),
        h1: t([KR, d], `h1.${l}`),
        mean1: t([KR], `mean1.${l}`),
        rstd1: t([KR], `rstd1.${l}`),
        o: t([KR, d], `o.${l}`),
        lse: t([K * this.batch, H, T], `lse.${l}`),
        h2: t([KR, d], `h2.${l}`),
        mean2: t([KR], `mean2.${l}`),
        rstd2: t([KR], `rstd2.${l}`),
        u: t([KR, F], `u.${l}`),
        g: t([KR, F], `g.${l}`),
      };
      blocks.push(s);
      const bias = (name: string) => (biases ? p + name : undefined);
      fwd.push(...(await layerNorm(x, p + 'ln1.gain', p + 'ln1.bias', s.h1, s.mean1, s.rstd1)));
      fwd.push(
        ...(await linear(s.h1, p + 'attn.qkv', bias('attn.qkv_bias'), act.qkv[l], d, 3 * d)),
      );
      fwd.push(
        await prepareAttentionForward(ctx, {
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
        ...(await linear(s.o, p + 'attn.out', bias('attn.out_bias'), act.attnOutput[l], d, d)),
      );
      fwd.push(
        await prepareResidualAdd(ctx, {
          a: x,
          b: act.attnOutput[l],
          out: s.xMid,
          scale: residualMult,
        }),
      );
      fwd.push(
        ...(await layerNorm(s.xMid, p + 'ln2.gain', p + 'ln2.bias', s.h2, s.mean2, s.rstd2)),
      );
      fwd.push(...(await linear(s.h2, p + 'mlp.in', bias('mlp.in_bias'), s.u, d, F)));
      fwd.push(await prepareGeluForward(ctx, { x: s.u, y: s.g }));
      fwd.push(...(await linear(s.g, p + 'mlp.out', bias('mlp.out_bias'), act.mlpOutput[l], F, d)));
      fwd.push(
        await prepareResidualAdd(ctx, {
          a: s.xMid,
          b: act.mlpOutput[l],
          out: act.blockOutput[l],
          scale: residualMult,
        }),
      );
      x = act.blockOutput[l];
    }
    const hf = t([KR, d], 'hf');
    const meanF = t([KR], 'mean_f');
    const rstdF = t([KR], 'rstd_f');
    fwd.push(...(await layerNorm(x, 'ln_f.gain', 'ln_f.bias', hf, meanF, rstdF)));
    const readout = this.dims.tiedReadout ? 'tok_emb' : 'readout';
    fwd.push(
      await prepareMatmul(ctx, {
        a: hf,
        b: this.stacked(P, readout),
        c: act.logits,
        m: R,
        k: d,
        n: V,
        batch: K,
        // A tied readout reads tok_emb [V, d] as its transpose.
        transB: this.dims.tiedReadout,
        strideA: R * d,
        strideB: stride,
        strideC: R * V,
        label: 'readout',
      }),
    );
    const dLogits = t([KR, V], 'd_logits');
    this.lossOp = await prepareCrossEntropy(ctx, {
      logits: act.logits,
      targets: this.targets,
      rows: KR,
      vocab: V,
      dLogits,
      runs: K,
      logitScale: readoutMult,
      label: 'cross-entropy',
    });
    fwd.push(this.lossOp);

    // ---- backward ----
    const dhf = t([KR, d], 'd_hf');
    const dRes = t([KR, d], 'd_res');
    if (this.dims.tiedReadout) {
      // dHf = dLogits · tok_emb;  d tok_emb = dLogits^T · hf (the embedding adds to it below).
      bwd.push(
        await prepareMatmul(ctx, {
          a: dLogits,
          b: this.stacked(P, 'tok_emb'),
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
        await prepareMatmul(ctx, {
          a: dLogits,
          b: hf,
          c: this.stacked(G, 'tok_emb'),
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
      bwd.push(...(await linearBack(hf, 'readout', undefined, dLogits, dhf, d, V)));
    }
    bwd.push(...(await layerNormBack(x, 'ln_f.gain', 'ln_f.bias', meanF, rstdF, dhf, dRes, 0)));
    const dG = t([KR, F], 'd_g');
    const dU = t([KR, F], 'd_u');
    const dH = t([KR, d], 'd_h');
    const dO = t([KR, d], 'd_o');
    const dQkv = t([KR, 3 * d], 'd_qkv');
    for (let l = L - 1; l >= 0; l--) {
      const p = `blocks.${l}.`;
      const s = blocks[l];
      const bias = (name: string) => (biases ? p + name : undefined);
      // x_out = x_mid + r · mlp(LN2(x_mid)): the branch sees r · dRes.
      bwd.push(
        ...(await linearBack(
          s.g,
          p + 'mlp.out',
          bias('mlp.out_bias'),
          dRes,
          dG,
          F,
          d,
          residualMult,
        )),
      );
      bwd.push(await prepareGeluBackward(ctx, { x: s.u, dy: dG, dx: dU }));
      bwd.push(...(await linearBack(s.h2, p + 'mlp.in', bias('mlp.in_bias'), dU, dH, d, F)));
      bwd.push(
        ...(await layerNormBack(
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
        ...(await linearBack(
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
        await prepareAttentionBackward(ctx, {
          qkv: act.qkv[l],
          out: s.o,
          lse: s.lse,
          dout: dO,
          dqkv: dQkv,
          batch: K * this.batch,
          heads: H,
          headSize: Dh,
          context: T,
          scale: attnScale,
        }),
      );
      bwd.push(
        ...(await linearBack(s.h1, p + 'attn.qkv', bias('attn.qkv_bias'), dQkv, dH, d, 3 * d)),
      );
      bwd.push(
        ...(await layerNormBack(
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
    }
    for (let k = 0; k < K; k++) {
      bwd.push(
        await prepareEmbeddingBackward(ctx, {
          tokens: this.tokens,
          dOut: this.rowsOf(dRes, k, d),
          dTok: this.ofRun(G, 'tok_emb', k),
          dPos: this.ofRun(G, 'pos_emb', k),
          batch: this.batch,
          seq: T,
          vocab: V,
          dim: d,
          posRows: T,
          alpha: inputMult,
          // A tied readout already wrote its part of d tok_emb.
          beta: this.dims.tiedReadout ? 1 : 0,
          label: `embedding backward run ${k}`,
        }),
      );
    }
    this.backwardOps.push(...bwd);
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

  /** y[k] += ones[R, 1] · bias_k[1, n] for every run k. */
  private async biasAdd(bias: string, y: GpuTensor, n: number): Promise<PreparedOp> {
    return prepareMatmul(this.ctx, {
      a: await this.ones(),
      b: this.stacked(this.params, bias),
      c: y,
      m: this.rows,
      k: 1,
      n,
      batch: this.runs,
      strideA: 0,
      strideB: this.layout.runStride,
      strideC: this.rows * n,
      beta: 1,
      label: `bias ${bias}`,
    });
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
