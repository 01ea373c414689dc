/**
 * Spatial geometry of a layer on the main path: what the receptive-field analysis reads.
 * Square kernels, equal strides and symmetric padding, as every reference layer has.
 */
export interface LayerGeometry {
  /** Kernel (or pooling window) size in pixels. */
  readonly kernel: number;
  /** Stride in pixels. */
  readonly stride: number;
  /** Symmetric padding in pixels on every side. */
  readonly pad: number;
}

/** A layer that changes spatial geometry. */
export interface GeometricLayer {
  geometry(): LayerGeometry;
}

/** Whether a layer reports its geometry. */
export function isGeometricLayer(layer: unknown): layer is GeometricLayer {
  return typeof (layer as Partial<GeometricLayer>)?.geometry === 'function';
}

/**
 * Output size of a floor-mode conv/pool along one axis (PyTorch's formula); `null` (any size,
 * as in a symbolic shape) stays `null`.
 */
export function convOutputSize(size: number, g: LayerGeometry): number;
export function convOutputSize(size: number | null, g: LayerGeometry): number | null;
export function convOutputSize(size: number | null, g: LayerGeometry): number | null {
  return size == null ? null : Math.floor((size + 2 * g.pad - g.kernel) / g.stride) + 1;
}
