/**
 * CloudTasksQueue through the real firebase-admin task-queue client, against a small HTTP server speaking the
 * Cloud Tasks emulator's REST route (CLOUD_TASKS_EMULATOR_HOST) with its named-task semantics (409 for a name
 * already queued). Proves what goes over the wire: region-qualified queue, hashed task name, schedule time,
 * JSON payload — and that a duplicate is swallowed while any other failure surfaces.
 * (scripts/check-functions.sh runs the same adapter against the real Tasks emulator.)
 */
import './helpers/env';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { getFunctions } from 'firebase-admin/functions';
import { CloudTasksQueue, cloudTaskId } from '../src/adapters/cloud-tasks';
import { TASK_FUNCTION_NAMES } from '../src/config';

interface Received {
  url: string;
  task: { name?: string; scheduleTime?: string; httpRequest: { body: string; url: string } };
}

let server: Server;
let app: App;
let received: Received[] = [];
const names = new Set<string>();
let failNext: number | undefined;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let s = '';
    req.on('data', (c) => (s += c));
    req.on('end', () => resolve(s));
  });
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = JSON.parse(await readBody(req)) as { task: Received['task'] };
    if (failNext) {
      res.writeHead(failNext, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { status: 'PERMISSION_DENIED', message: 'denied' } }));
      failNext = undefined;
      return;
    }
    const name = body.task.name;
    if (name && names.has(name)) {
      res.writeHead(409, { 'content-type': 'text/plain' });
      res.end('A task with the same name already exists');
      return;
    }
    if (name) names.add(name);
    received.push({ url: req.url ?? '', task: body.task });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ task: body.task }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  process.env.CLOUD_TASKS_EMULATOR_HOST = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  app = initializeApp({ projectId: 'demo-draft2video', serviceAccountId: 'tasks@demo-draft2video.iam.gserviceaccount.com' }, 'cloud-tasks-test');
});

afterAll(async () => {
  delete process.env.CLOUD_TASKS_EMULATOR_HOST;
  await deleteApp(app);
  await new Promise<void>((r) => server.close(() => r()));
});

beforeEach(() => {
  received = [];
});

const queue = () => new CloudTasksQueue(getFunctions(app), 'europe-west1', TASK_FUNCTION_NAMES);

it('enqueues to the region-qualified queue of the right function, with a hashed name and the JSON payload', async () => {
  await queue().enqueue('submit', { uid: 'u1', requestId: 'r1', stage: 'video' }, { id: 'submit-abc' });
  expect(received).toHaveLength(1);
  expect(received[0]!.url).toBe('/projects/demo-draft2video/locations/europe-west1/queues/submitTask/tasks');
  expect(received[0]!.task.name).toBe(
    `projects/demo-draft2video/locations/europe-west1/queues/submitTask/tasks/${cloudTaskId('submit-abc')}`,
  );
  const payload = JSON.parse(Buffer.from(received[0]!.task.httpRequest.body, 'base64').toString('utf8'));
  expect(payload).toEqual({ data: { uid: 'u1', requestId: 'r1', stage: 'video' } });
});

it('maps each core queue to its task function', async () => {
  await queue().enqueue('poll', { uid: 'u1', requestId: 'r1' });
  await queue().enqueue('download', { uid: 'u1', requestId: 'r1' });
  expect(received.map((r) => r.url.split('/')[6])).toEqual(['pollTask', 'downloadTask']);
  expect(received.every((r) => r.task.name === undefined)).toBe(true);
});

it('schedules delayed tasks', async () => {
  const before = Date.now();
  await queue().enqueue('poll', { uid: 'u1', requestId: 'r2', attempt: 3 }, { id: 'poll-r2-3', delaySeconds: 10 });
  const at = Date.parse(received[0]!.task.scheduleTime!);
  expect(at).toBeGreaterThanOrEqual(before + 9_000);
  expect(at).toBeLessThanOrEqual(Date.now() + 11_000);
});

it('swallows a duplicate (named task already exists) — the second enqueue of the same id is a no-op', async () => {
  await queue().enqueue('submit', { uid: 'u1', requestId: 'r3' }, { id: 'dup-1' });
  await expect(queue().enqueue('submit', { uid: 'u1', requestId: 'r3' }, { id: 'dup-1' })).resolves.toBeUndefined();
  expect(received).toHaveLength(1);
});

it('lets any other failure through (so the caller retries)', async () => {
  failNext = 403;
  await expect(queue().enqueue('submit', { uid: 'u1', requestId: 'r4' }, { id: 'x-4' })).rejects.toThrow(/denied/);
});
