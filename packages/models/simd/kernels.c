/*
 * patchfx SIMD training kernels: WebAssembly SIMD128, NHWC float32.
 *
 * This module runs on the memory of tfjs-backend-wasm (imported, never owned): every pointer
 * below is a byte offset into that memory, given by the JavaScript side (a tensor's
 * `memoryOffset`, or scratch space it allocated with the backend's `_malloc`). Therefore the
 * module must not own anything in linear memory: no static data, no globals in memory, no
 * stack frames (build.sh checks all three on the linked module). Keep it that way: no arrays
 * on the stack, no address-taken locals, no recursion, no libc.
 *
 * Build with build.sh (Debian clang + lld); the output is committed as base64 in
 * src/kernels/simd/module.ts.
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name), visibility("default")))

typedef unsigned int u32;

static inline int imin(int a, int b) { return a < b ? a : b; }
static inline int imax(int a, int b) { return a > b ? a : b; }

/* Smallest j >= 0 with j*s >= v (v may be negative). */
static inline int first_at_least(int v, int s) {
  if (v <= 0) return 0;
  return (v + s - 1) / s;
}

static void fill_zero(float *p, u32 n) {
  u32 i = 0;
  v128_t z = wasm_f32x4_splat(0.0f);
  for (; i + 16 <= n; i += 16) {
    wasm_v128_store(p + i, z);
    wasm_v128_store(p + i + 4, z);
    wasm_v128_store(p + i + 8, z);
    wasm_v128_store(p + i + 12, z);
  }
  for (; i + 4 <= n; i += 4) wasm_v128_store(p + i, z);
  for (; i < n; i++) p[i] = 0.0f;
}

/* ------------------------------------------------------------------------------------------ */
/* Depthwise convolution, filter gradient (channel multiplier 1, dilation 1).                  */
/*                                                                                            */
/*   dw[a, b, ch] = Σ_{n, i, j} x[n, i·sh + a − pt, j·sw + b − pl, ch] · dy[n, i, j, ch]      */
/*                                                                                            */
/* For one output row (n, i), one tap (a, b) and 16 channels, the sum over j runs in four     */
/* independent vector accumulators over contiguous 64-byte runs of x and dy; the row of dy    */
/* and the kh rows of x it meets stay in cache while all taps and channel groups use them.    */
/* ------------------------------------------------------------------------------------------ */
EXPORT(dw_filter_grad)
void dw_filter_grad(const float *x, const float *dy, float *dw, int n, int h, int w, int c,
                    int oh, int ow, int kh, int kw, int sh, int sw, int pt, int pl) {
  fill_zero(dw, (u32)kh * (u32)kw * (u32)c);
  const u32 xstep = (u32)sw * (u32)c;
  for (int b = 0; b < n; b++) {
    for (int i = 0; i < oh; i++) {
      const float *dyrow = dy + ((u32)(b * oh + i) * (u32)ow) * (u32)c;
      for (int a = 0; a < kh; a++) {
        const int r = i * sh + a - pt;
        if (r < 0 || r >= h) continue;
        const float *xrow = x + ((u32)(b * h + r) * (u32)w) * (u32)c;
        for (int t = 0; t < kw; t++) {
          /* Columns j with 0 <= j·sw + t − pl < w. */
          const int j0 = first_at_least(pl - t, sw);
          const int j1 = imin(ow, (w - 1 - t + pl) / sw + 1);
          if (j0 >= j1) continue;
          float *out = dw + (u32)(a * kw + t) * (u32)c;
          const float *xs = xrow + (u32)(j0 * sw + t - pl) * (u32)c;
          const float *ds = dyrow + (u32)j0 * (u32)c;
          const int len = j1 - j0;
          int ch = 0;
          for (; ch + 16 <= c; ch += 16) {
            v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0, a2 = a0, a3 = a0;
            const float *px = xs + ch;
            const float *pd = ds + ch;
            for (int j = 0; j < len; j++) {
              a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(px), wasm_v128_load(pd)));
              a1 = wasm_f32x4_add(a1,
                                  wasm_f32x4_mul(wasm_v128_load(px + 4), wasm_v128_load(pd + 4)));
              a2 = wasm_f32x4_add(a2,
                                  wasm_f32x4_mul(wasm_v128_load(px + 8), wasm_v128_load(pd + 8)));
              a3 = wasm_f32x4_add(
                  a3, wasm_f32x4_mul(wasm_v128_load(px + 12), wasm_v128_load(pd + 12)));
              px += xstep;
              pd += c;
            }
            float *o = out + ch;
            wasm_v128_store(o, wasm_f32x4_add(wasm_v128_load(o), a0));
            wasm_v128_store(o + 4, wasm_f32x4_add(wasm_v128_load(o + 4), a1));
            wasm_v128_store(o + 8, wasm_f32x4_add(wasm_v128_load(o + 8), a2));
            wasm_v128_store(o + 12, wasm_f32x4_add(wasm_v128_load(o + 12), a3));
          }
          for (; ch + 4 <= c; ch += 4) {
            v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0;
            const float *px = xs + ch;
            const float *pd = ds + ch;
            int j = 0;
            for (; j + 2 <= len; j += 2) {
              a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(px), wasm_v128_load(pd)));
              a1 = wasm_f32x4_add(
                  a1, wasm_f32x4_mul(wasm_v128_load(px + xstep), wasm_v128_load(pd + c)));
              px += 2 * xstep;
              pd += 2 * c;
            }
            if (j < len) a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(px), wasm_v128_load(pd)));
            float *o = out + ch;
            wasm_v128_store(o, wasm_f32x4_add(wasm_v128_load(o), wasm_f32x4_add(a0, a1)));
          }
          for (; ch < c; ch++) {
            float s = 0.0f;
            const float *px = xs + ch;
            const float *pd = ds + ch;
            for (int j = 0; j < len; j++) {
              s += *px * *pd;
              px += xstep;
              pd += c;
            }
            out[ch] += s;
          }
        }
      }
    }
  }
}

/* ------------------------------------------------------------------------------------------ */
/* 2-D convolution, filter gradient (dilation 1): one GEMM over an im2col view of x,           */
/*                                                                                            */
/*   dw[(a·kw + t)·cin + ci, co] = Σ_rows im2col(x)[row, (a, t, ci)] · dy[row, co],           */
/*                                                                                            */
/* rows being the N·oh·ow output positions. The reduction over rows is long (tens of          */
/* thousands) and the output small, so the rows go in chunks of CHUNK: each chunk of im2col   */
/* is packed into panels of 4 columns and each chunk of dy into panels of 8 (zero-padded),    */
/* both from and into cache, and a 4×8 register tile of the (padded) output accumulates over  */
/* the chunk with 8 independent vector sums.                                                  */
/* ------------------------------------------------------------------------------------------ */
#define CHUNK 128

/* c[4×8 tile, row stride ldc] += Σ_r ap[r, 0..3]ᵀ · bp[r, 0..7]. */
static void tile_4x8(const float *ap, const float *bp, float *c, u32 ldc, int rows) {
  v128_t c00 = wasm_v128_load(c), c01 = wasm_v128_load(c + 4);
  v128_t c10 = wasm_v128_load(c + ldc), c11 = wasm_v128_load(c + ldc + 4);
  v128_t c20 = wasm_v128_load(c + 2 * ldc), c21 = wasm_v128_load(c + 2 * ldc + 4);
  v128_t c30 = wasm_v128_load(c + 3 * ldc), c31 = wasm_v128_load(c + 3 * ldc + 4);
  for (int r = 0; r < rows; r++) {
    const v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4);
    v128_t a = wasm_v128_load32_splat(ap);
    c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(a, b0));
    c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(a, b1));
    a = wasm_v128_load32_splat(ap + 1);
    c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(a, b0));
    c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(a, b1));
    a = wasm_v128_load32_splat(ap + 2);
    c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(a, b0));
    c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(a, b1));
    a = wasm_v128_load32_splat(ap + 3);
    c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(a, b0));
    c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(a, b1));
    ap += 4;
    bp += 8;
  }
  wasm_v128_store(c, c00);
  wasm_v128_store(c + 4, c01);
  wasm_v128_store(c + ldc, c10);
  wasm_v128_store(c + ldc + 4, c11);
  wasm_v128_store(c + 2 * ldc, c20);
  wasm_v128_store(c + 2 * ldc + 4, c21);
  wasm_v128_store(c + 3 * ldc, c30);
  wasm_v128_store(c + 3 * ldc + 4, c31);
}

/*
 * scratch: (CHUNK·kpad + CHUNK·npad + kpad·npad) floats, kpad = kh·kw·cin rounded up to 4,
 * npad = cout rounded up to 8.
 */
EXPORT(conv_filter_grad)
void conv_filter_grad(const float *x, const float *dy, float *dw, int n, int h, int w, int cin,
                      int oh, int ow, int cout, int kh, int kw, int sh, int sw, int pt, int pl,
                      float *scratch) {
  const int k = kh * kw * cin;
  const int kpad = (k + 3) & ~3;
  const int npad = (cout + 7) & ~7;
  float *ap = scratch;                      /* [kpad/4][CHUNK][4] */
  float *bp = ap + (u32)CHUNK * (u32)kpad;  /* [npad/8][CHUNK][8] */
  float *cp = bp + (u32)CHUNK * (u32)npad;  /* [kpad][npad] */
  fill_zero(cp, (u32)kpad * (u32)npad);
  const int total = n * oh * ow;
  const v128_t zero = wasm_f32x4_splat(0.0f);
  for (int r0 = 0; r0 < total; r0 += CHUNK) {
    const int rows = imin(CHUNK, total - r0);
    /* Pack the chunk of im2col(x): ap[kb][r][0..3] = columns 4kb..4kb+3 of row r0 + r. */
    for (int r = 0; r < rows; r++) {
      const int row = r0 + r;
      const int b = row / (oh * ow);
      const int rem = row - b * oh * ow;
      const int i = rem / ow;
      const int j = rem - i * ow;
      float *dst = ap + (u32)r * 4;
      if ((cin & 3) == 0) {
        for (int a = 0; a < kh; a++) {
          const int y = i * sh + a - pt;
          for (int t = 0; t < kw; t++) {
            const int xx = j * sw + t - pl;
            const int col0 = (a * kw + t) * cin;
            float *d = dst + (u32)col0 * CHUNK; /* panel col0/4, row r */
            if (y < 0 || y >= h || xx < 0 || xx >= w) {
              for (int ci = 0; ci < cin; ci += 4, d += 4 * CHUNK) wasm_v128_store(d, zero);
            } else {
              const float *src = x + ((u32)(b * h + y) * (u32)w + (u32)xx) * (u32)cin;
              for (int ci = 0; ci < cin; ci += 4, d += 4 * CHUNK)
                wasm_v128_store(d, wasm_v128_load(src + ci));
            }
          }
        }
      } else {
        int col = 0;
        for (int a = 0; a < kh; a++) {
          const int y = i * sh + a - pt;
          for (int t = 0; t < kw; t++) {
            const int xx = j * sw + t - pl;
            const int inside = y >= 0 && y < h && xx >= 0 && xx < w;
            const float *src = x + ((u32)(b * h + y) * (u32)w + (u32)xx) * (u32)cin;
            for (int ci = 0; ci < cin; ci++, col++)
              dst[(u32)(col >> 2) * (4 * CHUNK) + (u32)(col & 3)] = inside ? src[ci] : 0.0f;
          }
        }
        for (; col < kpad; col++) dst[(u32)(col >> 2) * (4 * CHUNK) + (u32)(col & 3)] = 0.0f;
      }
    }
    /* Pack the chunk of dy: bp[nb][r][0..7] = columns 8nb..8nb+7 of row r0 + r. */
    for (int r = 0; r < rows; r++) {
      const float *src = dy + (u32)(r0 + r) * (u32)cout;
      float *dst = bp + (u32)r * 8;
      int co = 0;
      for (; co + 8 <= cout; co += 8, dst += 8 * CHUNK) {
        wasm_v128_store(dst, wasm_v128_load(src + co));
        wasm_v128_store(dst + 4, wasm_v128_load(src + co + 4));
      }
      if (co < cout) {
        for (int q = 0; q < 8; q++) dst[q] = co + q < cout ? src[co + q] : 0.0f;
      }
    }
    for (int kb = 0; kb < kpad; kb += 4) {
      const float *apanel = ap + (u32)kb * CHUNK;
      for (int nb = 0; nb < npad; nb += 8)
        tile_4x8(apanel, bp + (u32)nb * CHUNK, cp + (u32)kb * (u32)npad + (u32)nb, (u32)npad,
                 rows);
    }
  }
  for (int q = 0; q < k; q++) {
    const float *src = cp + (u32)q * (u32)npad;
    float *dst = dw + (u32)q * (u32)cout;
    int co = 0;
    for (; co + 4 <= cout; co += 4) wasm_v128_store(dst + co, wasm_v128_load(src + co));
    for (; co < cout; co++) dst[co] = src[co];
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Max-pool gradient (dilation 1). Each dy goes to its window's maximum, the FIRST one in       */
/* row-major order on exact ties (strict >, as tfjs's cpu backend and PyTorch); NaN never wins; */
/* a window with no element above −∞ (or none inside the input) passes no gradient, as on cpu.  */
/* The argmax is recomputed from x, four channels per vector: the best value and its offset    */
/* are carried in two vectors, then the four gradients are added scalar-wise.                  */
/* ------------------------------------------------------------------------------------------ */
EXPORT(max_pool_grad)
void max_pool_grad(const float *x, const float *dy, float *dx, int n, int h, int w, int c,
                   int oh, int ow, int kh, int kw, int sh, int sw, int pt, int pl) {
  const u32 image = (u32)h * (u32)w * (u32)c;
  fill_zero(dx, (u32)n * image);
  const v128_t minus_inf = wasm_f32x4_splat(-__builtin_inff());
  const v128_t none = wasm_i32x4_splat(-1);
  for (int b = 0; b < n; b++) {
    const float *xi = x + (u32)b * image;
    float *dxi = dx + (u32)b * image;
    for (int i = 0; i < oh; i++) {
      const int r0 = i * sh - pt;
      const int rlo = imax(0, r0), rhi = imin(h, r0 + kh);
      for (int j = 0; j < ow; j++) {
        const int c0 = j * sw - pl;
        const int clo = imax(0, c0), chi = imin(w, c0 + kw);
        if (rlo >= rhi || clo >= chi) continue;
        const float *g = dy + ((u32)(b * oh + i) * (u32)ow + (u32)j) * (u32)c;
        int ch = 0;
        for (; ch + 8 <= c; ch += 8) {
          v128_t best0 = minus_inf, best1 = minus_inf;
          v128_t at0 = none, at1 = none;
          for (int r = rlo; r < rhi; r++) {
            for (int q = clo; q < chi; q++) {
              const int off = (r * w + q) * c + ch;
              const v128_t v0 = wasm_v128_load(xi + off);
              const v128_t v1 = wasm_v128_load(xi + off + 4);
              const v128_t m0 = wasm_f32x4_gt(v0, best0);
              const v128_t m1 = wasm_f32x4_gt(v1, best1);
              const v128_t o = wasm_i32x4_splat(off);
              best0 = wasm_v128_bitselect(v0, best0, m0);
              best1 = wasm_v128_bitselect(v1, best1, m1);
              at0 = wasm_v128_bitselect(o, at0, m0);
              at1 = wasm_v128_bitselect(o, at1, m1);
            }
          }
          int k;
          if ((k = wasm_i32x4_extract_lane(at0, 0)) >= 0) dxi[k] += g[ch];
          if ((k = wasm_i32x4_extract_lane(at0, 1)) >= 0) dxi[k + 1] += g[ch + 1];
          if ((k = wasm_i32x4_extract_lane(at0, 2)) >= 0) dxi[k + 2] += g[ch + 2];
          if ((k = wasm_i32x4_extract_lane(at0, 3)) >= 0) dxi[k + 3] += g[ch + 3];
          if ((k = wasm_i32x4_extract_lane(at1, 0)) >= 0) dxi[k + 4] += g[ch + 4];
          if ((k = wasm_i32x4_extract_lane(at1, 1)) >= 0) dxi[k + 5] += g[ch + 5];
          if ((k = wasm_i32x4_extract_lane(at1, 2)) >= 0) dxi[k + 6] += g[ch + 6];
          if ((k = wasm_i32x4_extract_lane(at1, 3)) >= 0) dxi[k + 7] += g[ch + 7];
        }
        for (; ch < c; ch++) {
          float best = -__builtin_inff();
          int at = -1;
          for (int r = rlo; r < rhi; r++) {
            for (int q = clo; q < chi; q++) {
              const int off = (r * w + q) * c + ch;
              if (xi[off] > best) {
                best = xi[off];
                at = off;
              }
            }
          }
          if (at >= 0) dxi[at] += g[ch];
        }
      }
    }
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Batch normalisation (training): x is [m, c] (all but the channel axis flattened).           */
/* ------------------------------------------------------------------------------------------ */

/* Rows per block: about 8K floats, so the second pass over a block reads from cache. */
static inline int block_rows(int c) { return imin(256, imax(8, 8192 / imax(c, 1))); }

/* acc[ch] += src[row, ch] for rows [0, rows). */
static void add_rows(float *acc, const float *src, int rows, int c) {
  for (int r = 0; r < rows; r++) {
    const float *s = src + (u32)r * (u32)c;
    int ch = 0;
    for (; ch + 4 <= c; ch += 4)
      wasm_v128_store(acc + ch, wasm_f32x4_add(wasm_v128_load(acc + ch), wasm_v128_load(s + ch)));
    for (; ch < c; ch++) acc[ch] += s[ch];
  }
}

/* acc[ch] += (src[row, ch] − centre[ch])² and res[ch] += src[row, ch] − centre[ch]. */
static void add_dev(float *acc, float *res, const float *src, const float *centre, int rows,
                    int c) {
  for (int r = 0; r < rows; r++) {
    const float *s = src + (u32)r * (u32)c;
    int ch = 0;
    for (; ch + 4 <= c; ch += 4) {
      const v128_t d = wasm_f32x4_sub(wasm_v128_load(s + ch), wasm_v128_load(centre + ch));
      wasm_v128_store(acc + ch, wasm_f32x4_add(wasm_v128_load(acc + ch), wasm_f32x4_mul(d, d)));
      wasm_v128_store(res + ch, wasm_f32x4_add(wasm_v128_load(res + ch), d));
    }
    for (; ch < c; ch++) {
      const float d = s[ch] - centre[ch];
      acc[ch] += d * d;
      res[ch] += d;
    }
  }
}

/*
 * Per-channel batch mean and biased variance of x [m, c], numerically sound in one sweep over
 * memory. Each block of rows is summed twice, the second time from cache: first for a rough
 * centre (its float mean), then for Σ(x − centre) and Σ(x − centre)², which are small numbers
 * free of cancellation; they give the block's exact mean and sum of squared deviations, and
 * blocks are merged in double precision with Chan et al.'s pairwise update. Then, if y is
 * non-null, y = (x − mean)·γ/√(var + ε) + β in a second sweep (gamma/beta may be null: 1, 0).
 *
 * scratch: 2c doubles + 3c floats, 8-byte aligned.
 */
EXPORT(bn_forward)
void bn_forward(const float *x, int m, int c, const float *gamma, const float *beta, float eps,
                float *mean_out, float *var_out, float *y, void *scratch) {
  double *mean = (double *)scratch;
  double *m2 = mean + c;
  float *centre = (float *)(m2 + c);
  float *bsq = centre + c;
  float *bres = bsq + c;
  for (int ch = 0; ch < c; ch++) mean[ch] = m2[ch] = 0.0;
  const int rows = block_rows(c);
  double count = 0.0;
  for (int r0 = 0; r0 < m; r0 += rows) {
    const int nr = imin(rows, m - r0);
    const float *blk = x + (u32)r0 * (u32)c;
    fill_zero(centre, (u32)c);
    fill_zero(bsq, (u32)c);
    fill_zero(bres, (u32)c);
    add_rows(centre, blk, nr, c);
    const float inv = 1.0f / (float)nr;
    for (int ch = 0; ch < c; ch++) centre[ch] *= inv;
    add_dev(bsq, bres, blk, centre, nr, c);
    const double nb = (double)nr;
    const double total = count + nb;
    const double wb = nb / total;
    const double cross = count * nb / total;
    for (int ch = 0; ch < c; ch++) {
      const double res = (double)bres[ch];
      const double bmean = (double)centre[ch] + res / nb;
      const double bm2 = (double)bsq[ch] - res * res / nb;
      const double delta = bmean - mean[ch];
      mean[ch] += delta * wb;
      m2[ch] += bm2 + delta * delta * cross;
    }
    count = total;
  }
  for (int ch = 0; ch < c; ch++) {
    const double v = m > 0 ? m2[ch] / (double)m : 0.0;
    mean_out[ch] = (float)mean[ch];
    var_out[ch] = (float)v;
    /* Reuse the block buffers for y's per-channel scale and offset. */
    centre[ch] = (float)((gamma ? (double)gamma[ch] : 1.0) / __builtin_sqrt(v + (double)eps));
    bsq[ch] = beta ? beta[ch] : 0.0f;
  }
  if (!y) return;
  /* (x − mean)·scale + β, centring first so that a large mean cancels exactly. */
  for (int r = 0; r < m; r++) {
    const float *s = x + (u32)r * (u32)c;
    float *d = y + (u32)r * (u32)c;
    int ch = 0;
    for (; ch + 4 <= c; ch += 4) {
      const v128_t centred = wasm_f32x4_sub(wasm_v128_load(s + ch), wasm_v128_load(mean_out + ch));
      wasm_v128_store(d + ch, wasm_f32x4_add(wasm_f32x4_mul(centred, wasm_v128_load(centre + ch)),
                                             wasm_v128_load(bsq + ch)));
    }
    for (; ch < c; ch++) d[ch] = (s[ch] - mean_out[ch]) * centre[ch] + bsq[ch];
  }
}

/*
 * Inference batch normalisation (tfjs's FusedBatchNorm with per-channel parameters):
 *   y = (x − mean)·scale/√(var + ε) + offset,
 * one pass. offset/scale may be null (0 and 1).
 *
 * scratch: c floats.
 */
EXPORT(bn_inference)
void bn_inference(const float *x, int m, int c, const float *mean, const float *var,
                  const float *offset, const float *scale, float eps, float *y, float *scratch) {
  float *k = scratch;
  for (int ch = 0; ch < c; ch++)
    k[ch] = (float)((scale ? (double)scale[ch] : 1.0) / __builtin_sqrt((double)var[ch] + (double)eps));
  const v128_t zero = wasm_f32x4_splat(0.0f);
  for (int r = 0; r < m; r++) {
    const float *s = x + (u32)r * (u32)c;
    float *d = y + (u32)r * (u32)c;
    int ch = 0;
    for (; ch + 4 <= c; ch += 4) {
      const v128_t centred = wasm_f32x4_sub(wasm_v128_load(s + ch), wasm_v128_load(mean + ch));
      const v128_t o = offset ? wasm_v128_load(offset + ch) : zero;
      wasm_v128_store(d + ch, wasm_f32x4_add(wasm_f32x4_mul(centred, wasm_v128_load(k + ch)), o));
    }
    for (; ch < c; ch++) d[ch] = (s[ch] - mean[ch]) * k[ch] + (offset ? offset[ch] : 0.0f);
  }
}

/*
 * Backward of training-mode batch normalisation, two sweeps: first Σdy and Σdy·(x − mean) per
 * channel (float blocks merged in double), giving dβ = Σdy and dγ = rstd·Σdy·(x − mean); then
 *   dx = γ·rstd·(dy − Σdy/m − x̂·dγ/m),  x̂ = (x − mean)·rstd,
 * written as dx = A·dy + B·(x − mean) + C per channel in one pass.
 *
 * scratch: 2c doubles + 5c floats, 8-byte aligned.
 */
EXPORT(bn_backward)
void bn_backward(const float *dy, const float *x, int m, int c, const float *mean,
                 const float *var, const float *gamma, float eps, float *dx, float *dgamma,
                 float *dbeta, void *scratch) {
  double *sdy = (double *)scratch;
  double *sdyx = sdy + c;
  float *bdy = (float *)(sdyx + c);
  float *bdyx = bdy + c;
  float *ka = bdyx + c;
  float *kb = ka + c;
  float *kc = kb + c;
  for (int ch = 0; ch < c; ch++) sdy[ch] = sdyx[ch] = 0.0;
  const int rows = block_rows(c);
  for (int r0 = 0; r0 < m; r0 += rows) {
    const int nr = imin(rows, m - r0);
    fill_zero(bdy, (u32)c);
    fill_zero(bdyx, (u32)c);
    for (int r = r0; r < r0 + nr; r++) {
      const float *g = dy + (u32)r * (u32)c;
      const float *s = x + (u32)r * (u32)c;
      int ch = 0;
      for (; ch + 4 <= c; ch += 4) {
        const v128_t gv = wasm_v128_load(g + ch);
        const v128_t d = wasm_f32x4_sub(wasm_v128_load(s + ch), wasm_v128_load(mean + ch));
        wasm_v128_store(bdy + ch, wasm_f32x4_add(wasm_v128_load(bdy + ch), gv));
        wasm_v128_store(bdyx + ch, wasm_f32x4_add(wasm_v128_load(bdyx + ch), wasm_f32x4_mul(gv, d)));
      }
      for (; ch < c; ch++) {
        bdy[ch] += g[ch];
        bdyx[ch] += g[ch] * (s[ch] - mean[ch]);
      }
    }
    for (int ch = 0; ch < c; ch++) {
      sdy[ch] += (double)bdy[ch];
      sdyx[ch] += (double)bdyx[ch];
    }
  }
  const double inv_m = m > 0 ? 1.0 / (double)m : 0.0;
  for (int ch = 0; ch < c; ch++) {
    const double rstd = 1.0 / __builtin_sqrt((double)var[ch] + (double)eps);
    const double g = gamma ? (double)gamma[ch] : 1.0;
    const double dg = sdyx[ch] * rstd;
    dbeta[ch] = (float)sdy[ch];
    dgamma[ch] = (float)dg;
    const double k = g * rstd;
    const double bcoef = -k * rstd * dg * inv_m;
    ka[ch] = (float)k;
    kb[ch] = (float)bcoef;
    kc[ch] = (float)(-k * sdy[ch] * inv_m);
  }
  for (int r = 0; r < m; r++) {
    const float *g = dy + (u32)r * (u32)c;
    const float *s = x + (u32)r * (u32)c;
    float *d = dx + (u32)r * (u32)c;
    int ch = 0;
    for (; ch + 4 <= c; ch += 4) {
      const v128_t centred = wasm_f32x4_sub(wasm_v128_load(s + ch), wasm_v128_load(mean + ch));
      const v128_t v = wasm_f32x4_add(
          wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(g + ch), wasm_v128_load(ka + ch)),
                         wasm_f32x4_mul(centred, wasm_v128_load(kb + ch))),
          wasm_v128_load(kc + ch));
      wasm_v128_store(d + ch, v);
    }
    for (; ch < c; ch++) d[ch] = g[ch] * ka[ch] + (s[ch] - mean[ch]) * kb[ch] + kc[ch];
  }
}
