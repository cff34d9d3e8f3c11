/**
 * The core's playback HTTP surface (@d2v/core playback/) bound to this instance's ports, for the `videoPlayback`
 * function. Built on the first request, in the pipeline chunk (pipeline.ts re-exports it): the ports stay lazy,
 * so a poster request never loads the media chunk or reads the KEK, and nothing here runs on a cold start.
 *
 * The ID-token verifier is a port of its own (adapters/id-tokens.ts): firebase-admin's in production, a test's
 * own under `setIdTokenVerifierForTesting` (tests have no Google signing keys).
 */
import { createPlayback, createPlaybackHttp, type PlaybackHttp } from '@d2v/core';
import {
  DEFAULT_PLAYBACK_MAX_RANGE_BYTES,
  DEFAULT_REGION,
  PLAYBACK_BASE_URL,
  PLAYBACK_FUNCTION_NAME,
  PLAYBACK_LINK_SECRET,
  PLAYBACK_MAX_RANGE_BYTES,
  defaultFunctionUrl,
  paramValue,
  projectId,
  runtimeRegion,
  secretValue,
} from './config';
import { FirebaseIdTokenVerifier, type IdTokenVerifier } from './adapters/id-tokens';
import { adminAppInstance, getPorts, portsGeneration } from './ports';

let verifier: IdTokenVerifier | undefined;
let testVerifier: IdTokenVerifier | undefined;
let http: PlaybackHttp | undefined;
let builtFor = -1;

function idTokenVerifier(): IdTokenVerifier {
  if (testVerifier) return testVerifier;
  if (!verifier) {
    const { getAuth } = require('firebase-admin/auth') as typeof import('firebase-admin/auth');
    verifier = new FirebaseIdTokenVerifier(getAuth(adminAppInstance()));
  }
  return verifier;
}

/** Replaces the ID-token verifier (pass `undefined` to go back to firebase-admin's). */
export function setIdTokenVerifierForTesting(next: IdTokenVerifier | undefined): void {
  testVerifier = next;
}

/** Where signed links point: PLAYBACK_BASE_URL (a string param: its environment variable), else this function's URL. */
export function playbackBaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env[PLAYBACK_BASE_URL.name]?.trim();
  return explicit || defaultFunctionUrl(PLAYBACK_FUNCTION_NAME, runtimeRegion() || DEFAULT_REGION, projectId(env), env);
}

export function getPlaybackHttp(): PlaybackHttp {
  const gen = portsGeneration();
  if (!http || builtFor !== gen) {
    const ports = getPorts();
    http = createPlaybackHttp({
      playback: createPlayback(ports, { maxRangeBytes: paramValue(PLAYBACK_MAX_RANGE_BYTES, DEFAULT_PLAYBACK_MAX_RANGE_BYTES) }),
      authenticate: (token) => idTokenVerifier().verify(token),
      linkSecret: secretValue(PLAYBACK_LINK_SECRET),
      publicBaseUrl: () => playbackBaseUrl(),
      clock: ports.clock,
      log: ports.log,
      // The raw Cloud Run URL keeps the function's name in the path; cloudfunctions.net strips it.
      pathPrefixes: [PLAYBACK_FUNCTION_NAME],
    });
    builtFor = gen;
  }
  return http;
}
