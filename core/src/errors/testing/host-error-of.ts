import { HostError } from '../host-error.js';

/** The HostError `run` rejects with; fails the test when it resolves or rejects with anything else. */
export async function hostErrorOf(run: Promise<unknown>): Promise<HostError> {
  const error = await run.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!HostError.isInstance(error)) throw new Error(`expected a HostError, got ${String(error)}`);
  return error;
}
