/**
 * Every parametrization the lab trains, as data: one row per parametrization with the exponent of
 * each width rule per tensor role, the forward multipliers' exponents, its depth rule and its
 * label. The rules (rules.ts, optimizers.ts) are functions that read this table, and the Python
 * port reads the same table as JSON (python/mup_lab/schemas/parametrizations.json, written by
 * scripts/python-schemas.ts and carried by the PyTorch trainer zip). A new parametrization is a
 * new name in PARAMETRIZATION_NAMES and a row in PARAMETRIZATION_TABLE.
 *
 * m = fan_in / base_fan_in of the tensor (1 for embeddings, whose fan-in is the vocabulary or the
 * context); mOut = fan_out / base_fan_out; L = depth / base_depth; d_head the head size.
 */
import { z } from 'zod';
import type { TensorRole } from './shapes';

/** Every parametrization: the one list of names (its order is the order pages and CLI list). */
const PARAMETRIZATION_NAMES = ['sp', 'mup'] as const;

const quotedNames = PARAMETRIZATION_NAMES.map((n) => `"${n}"`);
/** '"sp" or "mup"' (or '"a", "b" or "c"'), for messages. */
export const PARAMETRIZATION_CHOICES = `${quotedNames.slice(0, -1).join(', ')} or ${quotedNames.at(-1)}`;

export const parametrizationSchema = z.enum(PARAMETRIZATION_NAMES, {
  error: `Parametrization must be ${PARAMETRIZATION_CHOICES}`,
});
export type Parametrization = z.infer<typeof parametrizationSchema>;
export const PARAMETRIZATIONS: readonly Parametrization[] = parametrizationSchema.options;

/** The exponent e of a rule x · m^e, per tensor role. */
export type RoleExponents = Readonly<Record<TensorRole, number>>;

/** An exponent of L that is linear in the depth option α: L^(perAlpha·α + constant). */
export interface DepthExponent {
  perAlpha: number;
  constant: number;
}

/**
 * How Muon scales its orthogonalized update of a fan_in x fan_out matrix (optimizers.ts
 * MUON_UPDATE_SCALES): Moonlight's RMS matching 0.2·√max(fan_in, fan_out), or the spectral
 * condition √(fan_out/fan_in).
 */
export type MuonUpdateRule = 'rms-match' | 'spectral';

export interface ParametrizationRow {
  /** The short name the page, the CLI and the export show (SP, µP). */
  label: string;
  /** The label with what it stands for, where there is room (the form's choices). */
  title: string;
  /**
   * Init std σ·m^e of each matrix role. Gains start at 1 and biases at 0 under every
   * parametrization (role 'vector' is not read); zeroReadout and zeroQuery start at 0.
   */
  initStd: RoleExponents;
  /** AdamW's learning rate η·m^e per role (× the depth rule inside blocks). */
  adamLr: RoleExponents;
  /** AdamW's ε·m^e per role (× the depth rule inside blocks). */
  adamEps: RoleExponents;
  /** SGD's learning rate η · m^m · mOut^mOut per role (microsoft/mup's MuSGD under µP). */
  sgdLr: Readonly<Record<TensorRole, { m: number; mOut: number }>>;
  /** Muon's factor on its orthogonalized update (its learning rate is η: rules.ts). */
  muonUpdate: MuonUpdateRule;
  /** Logits × α_out · m^e (m = d / d_base). */
  readoutMult: number;
  /**
   * Attention logits × α_attn · d_head^e, normalised to α_attn/√d_base at the base head size (so
   * that every parametrization is the same model at the base shape): α_attn/√d_base ·
   * (d_head/d_base)^e.
   */
  attentionHeadSize: number;
  /**
   * Depth scaling with the depth option α (hp.depthAlpha, DEPTH_SCALINGS in rules.ts), or null:
   * depthAlpha is ignored and every depth factor is 1. α = 0 turns it off under every row. Each
   * factor inside a residual block is L^(perAlpha·α + constant).
   */
  depth: {
    /** Each residual branch's output. */
    residual: DepthExponent;
    /** AdamW's (and Muon's) learning rate of every tensor inside a block. */
    adamLr: DepthExponent;
    /** AdamW's ε of every tensor inside a block. */
    adamEps: DepthExponent;
    /** SGD's learning rate of every tensor inside a block. */
    sgdLr: DepthExponent;
  } | null;
  /** Where the rules come from. */
  source: string;
}

const noWidthFactor: RoleExponents = {
  embedding: 0,
  position: 0,
  hidden: 0,
  readout: 0,
  vector: 0,
};

/**
 * The table (docs/ARCHITECTURE.md, "The µP rules as implemented"; rules.ts says why each choice).
 * At m = 1, mOut = 1, L = 1 and d_head = d_base every row gives the tuned values themselves.
 */
export const PARAMETRIZATION_TABLE: Readonly<Record<Parametrization, ParametrizationRow>> = {
  sp: {
    label: 'SP',
    title: 'SP (standard)',
    initStd: { embedding: 0, position: 0, hidden: -0.5, readout: -0.5, vector: 0 },
    adamLr: noWidthFactor,
    adamEps: noWidthFactor,
    sgdLr: {
      embedding: { m: 0, mOut: 0 },
      position: { m: 0, mOut: 0 },
      hidden: { m: 0, mOut: 0 },
      readout: { m: 0, mOut: 0 },
      vector: { m: 0, mOut: 0 },
    },
    muonUpdate: 'rms-match',
    readoutMult: 0,
    attentionHeadSize: -0.5,
    depth: null,
    source: 'standard parametrization: fan-in init, every tensor at the tuned learning rate',
  },
  mup: {
    label: 'µP',
    title: 'µP',
    initStd: { embedding: 0, position: 0, hidden: -0.5, readout: 0, vector: 0 },
    adamLr: { embedding: 0, position: 0, hidden: -1, readout: 0, vector: 0 },
    adamEps: { embedding: 0, position: 0, hidden: -1, readout: 0, vector: 0 },
    sgdLr: {
      embedding: { m: 0, mOut: 1 },
      position: { m: 0, mOut: 1 },
      hidden: { m: -1, mOut: 1 },
      readout: { m: 1, mOut: 0 },
      vector: { m: 0, mOut: 1 },
    },
    muonUpdate: 'spectral',
    readoutMult: -1,
    attentionHeadSize: -1,
    depth: {
      residual: { perAlpha: -1, constant: 0 },
      adamLr: { perAlpha: 1, constant: -1 },
      adamEps: { perAlpha: -1, constant: 0 },
      sgdLr: { perAlpha: 2, constant: -1 },
    },
    source:
      "Tensor Programs V (Table 8, Appendix B); microsoft/mup's MuReadout, MuAdamW and MuSGD; " +
      'depth: Tensor Programs VI and CompleteP (Dey et al. 2025)',
  },
};

/** The one label map: SP, µP. */
export const PARAMETRIZATION_LABELS: Readonly<Record<Parametrization, string>> = Object.fromEntries(
  PARAMETRIZATIONS.map((p) => [p, PARAMETRIZATION_TABLE[p].label]),
) as Record<Parametrization, string>;

/**
 * x · b^e, computed as x / b (or √b) for negative exponents and x · b (or √b) for positive ones,
 * so that the common exponents give the same floating-point result as writing them out
 * (σ/√m, ε/m, η·m); the Python port computes it the same way (rules.py scaled).
 */
export function scaled(x: number, b: number, e: number): number {
  if (e === 0) return x;
  const power = (k: number) => (k === 1 ? b : k === 0.5 ? Math.sqrt(b) : Math.pow(b, k));
  return e < 0 ? x / power(-e) : x * power(e);
}

/** L^(perAlpha·α + constant), or 1 when depth scaling is off (α = 0) or `rule` is absent. */
export function depthFactor(rule: DepthExponent | undefined, alpha: number, L: number): number {
  if (rule === undefined || alpha === 0) return 1;
  return Math.pow(L, rule.perAlpha * alpha + rule.constant);
}

/** The table's file in python/mup_lab/schemas (python/mup_lab/rules.py reads it). */
export const PARAMETRIZATION_TABLE_FILE = 'parametrizations.json';

/** The JSON python/mup_lab reads the table from (python/mup_lab/rules.py). */
export function parametrizationTableJson(): Record<string, unknown> {
  return {
    format: 'mup-lab/parametrizations',
    version: 1,
    parametrizations: PARAMETRIZATION_TABLE,
  };
}
