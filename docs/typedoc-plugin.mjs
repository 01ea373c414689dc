// @ts-check
/**
 * TypeDoc plugin for the API reference (`npm run docs:api`): names each entry point by its
 * import specifier (`packages/models/src/node/index.ts` → `@patchfx/models/node`) instead of
 * its path, so the reference reads like the imports users write.
 */
import { Converter, ReflectionKind } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const mod of context.project.getReflectionsByKind(ReflectionKind.Module)) {
      const m = /^([a-z][a-z0-9-]*)\/src(?:\/(.+))?$/.exec(mod.name);
      if (m) mod.name = `@patchfx/${m[1]}${m[2] ? `/${m[2]}` : ''}`;
    }
  });
}
