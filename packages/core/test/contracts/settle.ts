/** Rejection, whether the call throws synchronously or returns a rejected promise (shared by the contract suites). */
export async function settle(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
