/**
 * Runs before every test file: activates the backend this project was given (`provide`),
 * through the same `useBackend` apps use.
 */
import * as tf from '@tensorflow/tfjs-core';
import { inject } from 'vitest';
import { useBackend } from '@patchfx/models/backend';
import '@patchfx/test-utils'; // declares inject('backend')

tf.env().set('PROD', true); // quiet tfjs's "install tfjs-node" banner
await useBackend(inject('backend'));
