export { Conv2d, type Conv2dConfig } from './conv2d.js';
export { SeparableConv2d, type SeparableConv2dConfig } from './separable-conv2d.js';
export { MaxPool2d, type MaxPool2dConfig } from './max-pool2d.js';
export { BatchNorm, type BatchNormConfig } from './batch-norm.js';
export { registerCustomLayers } from './register.js';
export { type LayerGeometry, type GeometricLayer, isGeometricLayer } from './geometry.js';
