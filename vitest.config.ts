import { defineConfig } from 'vitest/config';
import { projects } from './vitest.workspace.ts';

export default defineConfig({
  resolve: { conditions: ['@patchfx/source'] },
  ssr: { resolve: { conditions: ['@patchfx/source'] } },
  test: {
    projects,
    pool: 'forks',
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
