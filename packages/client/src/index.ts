/**
 * @d2v/client — the typed client SDK of draft2video. `createLocalClient` talks to the local stack's HTTP API;
 * `createFirebaseClient` (from `@d2v/client/firebase`, so that the Firebase SDK is loaded only where used) talks
 * to Auth, Firestore, Storage and the `videoPlayback` function. Both return a `D2vClient`.
 */
export * from './types';
export * from './errors';
export { createLocalClient, type LocalClientOptions } from './local';
export { errorFromResponse } from './http';
export { REOPEN_DELAYS_MS } from './live';
export { routes, pageQuery } from './routes';
export { shownProgress } from './progress';
export { CLIENT_WRITABLE, UPLOAD_LIMITS, actionWrite, newRequestWrite, scriptEditWrite, scriptRequestWrite, uploadTarget } from './firebase-writes';
