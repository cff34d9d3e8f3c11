/**
 * The Firebase implementation of the core's ports, built once per function instance, lazily: each port is
 * made on first use, and its heavy modules (firebase-admin/firestore, Storage, Pub/Sub, ffmpeg) are required
 * only then. A webhook instance therefore never loads ffmpeg or reads the video KEK, and a function that
 * does not bind a secret never touches the port that needs it.
 *
 * Tests swap the whole set with `setPortsForTesting(ports)` — the local stack's adapters behind the same
 * interfaces — and never mock firebase-admin.
 */
import { tmpdir } from 'node:os';
import { buildCoreConfig, createLogger, Incarnation, type CoreConfig, type Ports } from '@d2v/core';
import type { App } from 'firebase-admin/app';
import type { Firestore } from 'firebase-admin/firestore';
import {
  ALERT_CREDITS_DAYS_LEFT,
  ALERT_RATE_LIMITED_MIN_CALLS,
  ALERT_RATE_LIMITED_PERCENT,
  ALERT_SLOT_USAGE_PERCENT,
  ANALYTICS_TOPIC,
  DEFAULT_ANALYTICS_TOPIC,
  DEFAULT_REGION,
  IMAGE_HOST_ALLOW_LIST,
  LUMA_WEBHOOK_SECRET,
  LUMAAI_API_KEY,
  LUMAAI_BASE_URL,
  LOW_CREDITS_CENTS,
  CREDITS_FLOOR_CENTS,
  DAILY_BUDGET_CENTS,
  LUMA_MAX_CONCURRENT,
  LUMA_CREATES_PER_MINUTE,
  LUMA_PHOTON_MAX_CONCURRENT,
  LUMA_PHOTON_CREATES_PER_MINUTE,
  POLL_INTERVAL_SECONDS,
  QUOTA_IN_FLIGHT,
  QUOTA_PER_DAY,
  REQUEST_DEADLINE_MINUTES,
  STATS_SHARDS,
  STEP_LEASE_SECONDS,
  TASK_FUNCTION_NAMES,
  WEBHOOK_BASE_URL,
  defaultWebhookBaseUrl,
  paramValue,
  projectId,
  runtimeRegion,
  secretValue,
} from './config';

import { logs } from './logs';

// ---------------------------------------------------------------------------------------------------------------
// Core config from params and secrets

/** The core's config from this runtime's params/secrets (missing params fall back to their defaults). */
export function buildCoreConfigFromParams(env: NodeJS.ProcessEnv = process.env): CoreConfig {
  const region = env.D2V_REGION || runtimeRegion() || DEFAULT_REGION;
  const project = projectId(env);
  return buildCoreConfig({
    webhookBaseUrl: paramValue(WEBHOOK_BASE_URL, '', env) || defaultWebhookBaseUrl(region, project, env),
    webhookSecret: secretValue(LUMA_WEBHOOK_SECRET, env),
    requestDeadlineMs: paramValue(REQUEST_DEADLINE_MINUTES, 30, env) * 60_000,
    pollIntervalSeconds: paramValue(POLL_INTERVAL_SECONDS, 10, env),
    stepLeaseMs: paramValue(STEP_LEASE_SECONDS, 60, env) * 1000,
    imageHostAllowList: paramValue(IMAGE_HOST_ALLOW_LIST, [] as string[], env),
    statsShards: paramValue(STATS_SHARDS, 4, env),
    lowCreditsCents: paramValue(LOW_CREDITS_CENTS, 2000, env),
    creditsFloorCents: paramValue(CREDITS_FLOOR_CENTS, 0, env),
    dailyBudgetCents: paramValue(DAILY_BUDGET_CENTS, 0, env),
    alertCreditsDaysLeft: paramValue(ALERT_CREDITS_DAYS_LEFT, 3, env),
    lumaMaxConcurrent: paramValue(LUMA_MAX_CONCURRENT, 10, env),
    lumaCreatesPerMinute: paramValue(LUMA_CREATES_PER_MINUTE, 20, env),
    lumaPhotonMaxConcurrent: paramValue(LUMA_PHOTON_MAX_CONCURRENT, 40, env),
    lumaPhotonCreatesPerMinute: paramValue(LUMA_PHOTON_CREATES_PER_MINUTE, 80, env),
    alertSlotUsage: paramValue(ALERT_SLOT_USAGE_PERCENT, 90, env) / 100,
    alertRateLimitedRate: paramValue(ALERT_RATE_LIMITED_PERCENT, 20, env) / 100,
    alertRateLimitedMinCalls: paramValue(ALERT_RATE_LIMITED_MIN_CALLS, 20, env),
    maxInFlightPerUser: paramValue(QUOTA_IN_FLIGHT, 10, env),
    maxRequestsPerDay: paramValue(QUOTA_PER_DAY, 200, env),
    // Error Reporting's serviceContext: the function (Cloud Run service) and its revision.
    serviceName: env.K_SERVICE || 'draft2video',
    serviceVersion: env.K_REVISION ?? '',
  });
}

// ---------------------------------------------------------------------------------------------------------------
// firebase-admin, initialised once

let adminApp: App | undefined;
let firestore: Firestore | undefined;

export function adminAppInstance(): App {
  if (!adminApp) {
    const { getApps, initializeApp } = require('firebase-admin/app') as typeof import('firebase-admin/app');
    adminApp = getApps()[0] ?? initializeApp();
  }
  return adminApp;
}

export function firestoreInstance(): Firestore {
  if (!firestore) {
    const { getFirestore } = require('firebase-admin/firestore') as typeof import('firebase-admin/firestore');
    const { configureFirestore } = require('./adapters/firestore-store') as typeof import('./adapters/firestore-store');
    firestore = configureFirestore(getFirestore(adminAppInstance()));
  }
  return firestore;
}

// ---------------------------------------------------------------------------------------------------------------
// Lazy ports

/** Defines `obj[key]` as a getter that builds the value once and then keeps it. */
function lazy<T extends object, K extends keyof T>(obj: T, key: K, make: () => T[K]): void {
  Object.defineProperty(obj, key, {
    configurable: true,
    enumerable: true,
    get() {
      const value = make();
      Object.defineProperty(obj, key, { value, enumerable: true, configurable: false, writable: false });
      return value;
    },
  });
}

export function buildFirebasePorts(): Ports {
  const log = createLogger({
    base: { service: 'draft2video', ...(process.env.K_SERVICE ? { function: process.env.K_SERVICE } : {}) },
  });
  // Instances know nothing of each other: another instance's lease lives until it lapses (othersAreDead: false).
  const liveness = new Incarnation({ othersAreDead: false });
  const ports = { clock: { now: () => Date.now() }, log, tmpDir: tmpdir(), liveness } as Partial<Ports> as Ports;

  lazy(ports, 'config', () => buildCoreConfigFromParams());
  lazy(ports, 'store', () => {
    const { FirestoreDocumentStore } = require('./adapters/firestore-store') as typeof import('./adapters/firestore-store');
    return new FirestoreDocumentStore(firestoreInstance());
  });
  lazy(ports, 'blobs', () => {
    const { getStorage } = require('firebase-admin/storage') as typeof import('firebase-admin/storage');
    const { StorageBlobStore } = require('./adapters/storage-blobs') as typeof import('./adapters/storage-blobs');
    return new StorageBlobStore(getStorage(adminAppInstance()).bucket());
  });
  lazy(ports, 'tasks', () => {
    const { getFunctions } = require('firebase-admin/functions') as typeof import('firebase-admin/functions');
    const { CloudTasksQueue } = require('./adapters/cloud-tasks') as typeof import('./adapters/cloud-tasks');
    return new CloudTasksQueue(getFunctions(adminAppInstance()), runtimeRegion(), TASK_FUNCTION_NAMES, log);
  });
  lazy(ports, 'events', () => {
    const { PubSub } = require('@google-cloud/pubsub') as typeof import('@google-cloud/pubsub');
    const { PubSubEventSink } = require('./adapters/pubsub-events') as typeof import('./adapters/pubsub-events');
    return new PubSubEventSink(new PubSub({ projectId: projectId() }), paramValue(ANALYTICS_TOPIC, DEFAULT_ANALYTICS_TOPIC));
  });
  lazy(ports, 'luma', () => {
    const { LumaClient } = require('@d2v/luma') as typeof import('@d2v/luma');
    return new LumaClient({
      apiKey: secretValue(LUMAAI_API_KEY),
      baseUrl: paramValue(LUMAAI_BASE_URL, '') || undefined,
      logger: log,
    });
  });
  lazy(ports, 'push', () => {
    // Issue #13: the owner's devices hear of each outcome through FCM (built on the first notification).
    const { getMessaging } = require('firebase-admin/messaging') as typeof import('firebase-admin/messaging');
    const { FcmPush } = require('./adapters/fcm-push') as typeof import('./adapters/fcm-push');
    return new FcmPush(getMessaging(adminAppInstance()), ports.store);
  });
  lazy(ports, 'media', () => {
    // Reads VIDEO_KEK / VIDEO_KEK_ID (secret + param, both environment variables at run time) and MEDIA_* knobs.
    const { createMedia, keyringFromEnv, mediaConfigFromEnv } = require('@d2v/media') as typeof import('@d2v/media');
    return createMedia({ config: mediaConfigFromEnv(), keyring: keyringFromEnv() });
  });

  log.debug({ region: runtimeRegion(), project: projectId() }, logs.portsBuilt);
  return ports;
}

// ---------------------------------------------------------------------------------------------------------------
// One set per instance, overridable in tests

let instancePorts: Ports | undefined;
let testPorts: Ports | undefined;
let generation = 0;

export function getPorts(): Ports {
  if (testPorts) return testPorts;
  instancePorts ??= buildFirebasePorts();
  return instancePorts;
}

/** Replaces the ports every trigger uses (pass `undefined` to go back to the Firebase ones). */
export function setPortsForTesting(ports: Ports | undefined): void {
  testPorts = ports;
  generation++;
}

/** Changes whenever the ports are swapped, so memoised consumers (the handlers) can rebuild. */
export function portsGeneration(): number {
  return generation;
}
