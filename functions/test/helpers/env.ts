/**
 * What the Cloud Functions runtime would have in its environment, set before any trigger module loads
 * (the Storage trigger reads the default bucket from FIREBASE_CONFIG when it is defined). Import first.
 */
export const TEST_PROJECT = 'demo-draft2video';
export const TEST_BUCKET = 'demo-draft2video.appspot.com';
export const TEST_WEBHOOK_SECRET = 'test-webhook-secret-0123456789abcdef';

process.env.GCLOUD_PROJECT = TEST_PROJECT;
process.env.FIREBASE_CONFIG = JSON.stringify({ projectId: TEST_PROJECT, storageBucket: TEST_BUCKET });
// Quiet runtime logs in tests unless asked for.
process.env.LOG_LEVEL ??= 'silent';
