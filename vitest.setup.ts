/**
 * Runs before every test file: activates the backend this project was given (`provide`),
 * through the same `useBackend` apps use.
 */
import { inject } from 'vitest';
import { useBackend } from '@patchfx/models/backend';
import '@patchfx/test-utils'; // declares inject('backend')

await useBackend(inject('backend'));
