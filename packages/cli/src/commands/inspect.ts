import type { Command } from 'commander';
import { IdSchema } from '@d2v/schema';
import { dataDirOf } from '../data-dir';
import { firestoreForProject } from '../firebase-store';
import { readFirestoreStory, type FirestoreReader } from '../inspect/firebase-source';
import { readLocalStory } from '../inspect/local-source';
import { assembleStory, formatStory } from '../inspect/story';
import { EXIT_OK, EXIT_UNUSABLE, runReporting } from '../output';

export interface InspectOptions {
  project?: string;
  dataDir?: string;
  json?: boolean;
}

export function registerInspectCommand(program: Command): void {
  program
    .command('inspect <requestId>')
    .description("one request's whole story in time order: transitions, task attempts, Luma calls and answers, callbacks, events, log lines")
    .option('--project <projectId>', 'read a Firebase project (Firestore, plus the Cloud Logging filter for the rest) instead of the local stack')
    .option('--data-dir <dir>', 'the local stack data dir (default $D2V_DATA_DIR or .local/data)')
    .option('--json', 'print the story as JSON')
    .action(async (requestId: string, opts: InspectOptions) => {
      process.exitCode = await runInspect(requestId, opts);
    });
}

export async function runInspect(requestId: string, opts: InspectOptions, env: NodeJS.ProcessEnv = process.env, write: (text: string) => void = (t) => void process.stdout.write(t)): Promise<number> {
  return runReporting({ write }, async (out) => {
    if (!IdSchema.safeParse(requestId).success) {
      out.write(`${JSON.stringify({ error: { code: 'INVALID_REQUEST', message: `"${requestId}" is not a request id (letters, digits, "_" and "-").` } })}\n`);
      out.exit(EXIT_UNUSABLE);
      return;
    }
    const sources = opts.project
      ? await readFirestoreStory(firestoreForProject(opts.project) as unknown as FirestoreReader, opts.project, requestId)
      : await readLocalStory(dataDirOf(opts.dataDir, env), requestId);
    const story = assembleStory(requestId, sources);
    out.write(opts.json ? `${JSON.stringify(story, null, 2)}\n` : formatStory(story));
    out.exit(story.request ? EXIT_OK : EXIT_UNUSABLE);
  });
}
