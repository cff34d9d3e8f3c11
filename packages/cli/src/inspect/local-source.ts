/**
 * A request's story from the local stack's data dir: the SQLite file (request document, transition log, task and
 * trigger attempts, analytics events) and the pino log `d2v.log`. Opens the database next to a running stack
 * (WAL lets readers in) or after it stopped.
 */
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LocalDatabase, SqliteDocumentStore, SqliteEventSink, listDeliveryAttempts } from '@d2v/local';
import { readTransitionLog } from '@d2v/core';
import type { VideoRequest } from '@d2v/schema';
import { CommandUsageError } from '../output';
import type { LogRecord, StorySources } from './story';

export function localDatabaseFile(dataDir: string): string {
  return join(dataDir, 'd2v.sqlite');
}

/** Opens the data dir's database, or explains that there is none. */
export function openLocalDatabase(dataDir: string): LocalDatabase {
  const file = localDatabaseFile(dataDir);
  if (!existsSync(file)) throw new CommandUsageError('NO_LOCAL_DATA', `No local stack data in ${dataDir} (no d2v.sqlite): run \`npm start\` first, or set D2V_DATA_DIR to its data dir.`);
  return new LocalDatabase({ file });
}

/** The request wherever its owner is: ids are unique across users. */
export async function findRequest(store: SqliteDocumentStore, requestId: string): Promise<VideoRequest | null> {
  const found = await store.query<VideoRequest>({ collection: 'videoRequests', group: true, where: [{ field: 'requestId', op: '==', value: requestId }], limit: 2 });
  return found[0]?.data ?? null;
}

export async function readLocalStory(dataDir: string, requestId: string, logFile = join(dataDir, 'd2v.log')): Promise<StorySources> {
  const db = openLocalDatabase(dataDir);
  try {
    const store = new SqliteDocumentStore({ db });
    const request = await findRequest(store, requestId);
    const transitions = request
      ? await readTransitionLog(store, { uid: request.uid, requestId })
      : [];
    const notes: string[] = [];
    const logs = existsSync(logFile) ? await readLogLines(logFile, requestId) : (notes.push(`no log file at ${logFile}`), []);
    return {
      request,
      transitions,
      attempts: listDeliveryAttempts(db, { requestId }),
      events: await new SqliteEventSink({ db }).list({ requestId }),
      logs,
      notes,
    };
  } finally {
    db.close();
  }
}

/** The JSON lines of a pino log that name the request (field `requestId`), in file order. */
export async function readLogLines(file: string, requestId: string): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.includes(requestId)) continue;
    try {
      const record = JSON.parse(line) as LogRecord;
      if (record.requestId === requestId) out.push(record);
    } catch {
      // a torn last line of a log still being written
    }
  }
  return out;
}
