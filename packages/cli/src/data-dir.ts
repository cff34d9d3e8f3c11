/** Where the local stack keeps its data, as the ops commands find it (without creating anything there). */
import { resolve } from 'node:path';

export function dataDirOf(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(option ?? (env.D2V_DATA_DIR || '.local/data'));
}
