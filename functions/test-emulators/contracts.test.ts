/**
 * The same DocumentStore / BlobStore contract suites the local stack's adapters pass (packages/core/test/
 * contracts), run against the Firebase adapters on the Firestore and Storage emulators. Runs only under
 * `npm run test:emulators` (Java 21); type-checked everywhere.
 *
 * Signing V4 URLs needs a service-account key: a throwaway RSA key is generated here (the emulator never checks
 * signatures; the contract checks the URL's shape).
 */
import { generateKeyPairSync } from 'node:crypto';
import { cert, deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';
import { getStorage } from 'firebase-admin/storage';
import { describeDocumentStoreContract } from '../../packages/core/test/contracts/documentStore.contract';
import { describeBlobStoreContract } from '../../packages/core/test/contracts/blobStore.contract';
import { FirestoreDocumentStore, configureFirestore } from '../src/adapters/firestore-store';
import { StorageBlobStore } from '../src/adapters/storage-blobs';

const PROJECT = 'demo-draft2video';

if (!process.env.FIRESTORE_EMULATOR_HOST || !(process.env.FIREBASE_STORAGE_EMULATOR_HOST ?? process.env.STORAGE_EMULATOR_HOST)) {
  throw new Error('contracts.test.ts needs the Firestore and Storage emulators (run `npm run test:emulators`).');
}

const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

let app: App;
beforeAll(() => {
  app = initializeApp(
    {
      projectId: PROJECT,
      storageBucket: `${PROJECT}.appspot.com`,
      credential: cert({ projectId: PROJECT, clientEmail: `contracts@${PROJECT}.iam.gserviceaccount.com`, privateKey }),
    },
    'contracts',
  );
  configureFirestore(getFirestore(app));
});
afterAll(async () => {
  await deleteApp(app);
});

describeDocumentStoreContract('FirestoreDocumentStore on the Firestore emulator', async () => ({
  store: new FirestoreDocumentStore(getFirestore(app)),
  cleanup: async () => undefined, // each test works under its own random root collection
}));

describeBlobStoreContract('StorageBlobStore on the Storage emulator', async () => ({
  blobs: new StorageBlobStore(getStorage(app).bucket()),
  cleanup: async () => undefined, // each test writes under its own random prefix
}));
