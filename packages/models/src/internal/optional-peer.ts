/**
 * Optional peer packages (backends, onnxruntime): imported by computed name only when used, so
 * that neither Node nor a bundler needs them installed, with one error class for a missing one.
 */

/** An optional peer package that is not installed. The message says what to install. */
export class MissingPeerError extends Error {}

/** Whether `e`, thrown by `import(spec)`, means that `spec` is not installed. */
function isMissingModule(e: unknown, spec: string): boolean {
  const err = e as { code?: string; message?: string };
  return (
    err?.code === 'ERR_MODULE_NOT_FOUND' ||
    err?.code === 'MODULE_NOT_FOUND' ||
    (typeof err?.message === 'string' &&
      err.message.includes(spec) &&
      /Cannot find|not found|Failed to resolve/i.test(err.message))
  );
}

/**
 * Imports the first installed package of `specs`.
 *
 * @param specs - Package names, tried in order.
 * @param missing - The message of the {@link MissingPeerError} thrown when none is installed.
 * @returns The module, and which package it came from.
 * @throws {@link MissingPeerError} when none is installed; any other import error as it is.
 */
export async function importOptionalPeer(
  specs: readonly string[],
  missing: string,
): Promise<{ module: unknown; spec: string }> {
  let lastError: unknown;
  for (const spec of specs) {
    try {
      return { module: await import(/* @vite-ignore */ spec), spec };
    } catch (e) {
      if (!isMissingModule(e, spec)) throw e;
      lastError = e;
    }
  }
  throw new MissingPeerError(missing, { cause: lastError });
}
