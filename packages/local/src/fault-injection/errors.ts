/**
 * Errors shaped like the ones the real services' client libraries throw, so the code under test meets what it
 * meets in production (functions/src/adapters/errors.ts classifies these shapes for the Firebase adapters):
 * Firestore's gRPC status errors, Cloud Storage's JSON API errors, firebase-admin's task-queue errors.
 */

/** google.rpc.Code values Firestore answers with under load. */
const GRPC = { DEADLINE_EXCEEDED: 4, ABORTED: 10, UNAVAILABLE: 14 } as const;
const GRPC_MESSAGES: Record<keyof typeof GRPC, string> = {
  ABORTED: 'Too much contention on these documents. Please try again.',
  UNAVAILABLE: 'The service is currently unavailable.',
  DEADLINE_EXCEEDED: 'Deadline exceeded.',
};

/** An injected failure: tests can tell it from a real bug. */
export interface InjectedFault {
  injected: true;
}

export function firestoreError(status: keyof typeof GRPC): Error & InjectedFault & { code: number; details: string } {
  const details = GRPC_MESSAGES[status];
  return Object.assign(new Error(`${GRPC[status]} ${status}: ${details}`), { code: GRPC[status], details, injected: true as const });
}

/** What @google-cloud/storage throws for a 503 from the JSON API. */
export function storageError(): Error & InjectedFault & { code: number } {
  return Object.assign(new Error('We encountered an internal error. Please try again.'), {
    code: 503,
    errors: [{ reason: 'backendError', message: 'We encountered an internal error. Please try again.' }],
    injected: true as const,
  });
}

/** What firebase-admin's TaskQueue.enqueue throws when Cloud Tasks is unavailable. */
export function tasksError(): Error & InjectedFault & { code: string } {
  const code = 'functions/unavailable';
  const message = 'The service is currently unavailable.';
  return Object.assign(new Error(message), { code, errorInfo: { code, message }, injected: true as const });
}

export function isInjectedFault(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as Partial<InjectedFault>).injected === true;
}
