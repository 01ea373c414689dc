/**
 * Statistics over repeated runs (seeds): mean ± sample standard deviation, and a paired
 * difference's mean with a two-sided Student-t confidence interval (what `npm run fidelity`
 * reports for patchfx against PyTorch on the same seeds).
 */

/**
 * Mean and sample standard deviation (n − 1; 0 for one value).
 *
 * @example
 * ```ts doctest
 * import { meanStd } from '@patchfx/metrics';
 * meanStd([1, 2, 3]); // => { mean: 2, std: 1, n: 3 }
 * ```
 */
export function meanStd(values: readonly number[]): { mean: number; std: number; n: number } {
  const n = values.length;
  if (n === 0) throw new Error('meanStd: no values');
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const ss = values.reduce((a, b) => a + (b - mean) ** 2, 0);
  return { mean, std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0, n };
}

/** ln Γ(x), Lanczos (g = 7, 9 terms; relative error < 1e-13 for x > 0). */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the regularised incomplete beta function (modified Lentz). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b). */
function incompleteBeta(a: number, b: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x),
  );
  return x < (a + 1) / (a + b + 2)
    ? (front * betaFraction(a, b, x)) / a
    : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / 2, 0.5, df / (df + t * t));
  return t >= 0 ? 1 - tail : tail;
}

/** The `p` quantile of Student's t with `df` degrees of freedom (bisection on the CDF). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`studentTQuantile: p must be in (0, 1), got ${p}`);
  if (!(df > 0)) throw new Error(`studentTQuantile: df must be > 0, got ${df}`);
  let lo = -1e6;
  let hi = 1e6;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, Math.abs(lo)); i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** A paired difference over seeds: mean, sample std, and the t-interval of the mean. */
export interface PairedDifference {
  readonly n: number;
  readonly mean: number;
  readonly std: number;
  /** Confidence level of [lo, hi]. */
  readonly confidence: number;
  /** Null with fewer than two pairs (no spread to estimate). */
  readonly lo: number | null;
  readonly hi: number | null;
}

/**
 * `a[i] − b[i]` over pairs (the same seed on both sides): mean ± t(1 − α/2, n − 1) · s / √n.
 * @throws When the lists differ in length or are empty.
 */
export function pairedDifference(
  a: readonly number[],
  b: readonly number[],
  confidence = 0.95,
): PairedDifference {
  if (a.length !== b.length || a.length === 0)
    throw new Error(
      `pairedDifference: needs two lists of one length ≥ 1, got ${a.length} and ${b.length}`,
    );
  const d = a.map((v, i) => v - b[i]);
  const { mean, std, n } = meanStd(d);
  if (n < 2) return { n, mean, std, confidence, lo: null, hi: null };
  const half = (studentTQuantile(1 - (1 - confidence) / 2, n - 1) * std) / Math.sqrt(n);
  return { n, mean, std, confidence, lo: mean - half, hi: mean + half };
}
