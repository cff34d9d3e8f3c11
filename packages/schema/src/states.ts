/**
 * The video request state machine, as data. Every runtime and every handler reads it from here;
 * nothing else decides which transition is legal.
 *
 *   pending → validating → (keyframe_queued → keyframe_dreaming →) queued → submitting → dreaming
 *           → downloading → processing → ready → posted
 *   validating → dreaming (a script request: its shots are generated as child requests; downloading joins them)
 *   validating → ready (the content cache: an identical earlier video of the same person is reused, no Luma call)
 *   any working state → failed (error.retryable says whether "retry" may bring it back; after Luma completed the
 *   video, failed → downloading fetches it again instead of creating another)
 *   any working state → cancelled (the person's "cancel"; terminal: a cancelled video is made again, not retried)
 *   anything but deleted → deleted
 */
export const VIDEO_STATES = [
  'pending',
  'validating',
  'keyframe_queued',
  'keyframe_dreaming',
  'queued',
  'submitting',
  'dreaming',
  'downloading',
  'processing',
  'ready',
  'posted',
  'failed',
  'cancelled',
  'deleted',
] as const;

export type VideoState = (typeof VIDEO_STATES)[number];

export interface StateSpec {
  /** What a person sees while the request is here. */
  readonly label: string;
  /** Overall progress (0–1) when the request enters this state; the progress bar never goes back. */
  readonly progress: number;
  /** States this one may move to. */
  readonly next: readonly VideoState[];
  /** The pipeline has nothing more to do on its own (an action from the person may still move it). */
  readonly terminal: boolean;
  /** A request stuck here past its deadline is failed by the sweeper. */
  readonly hasDeadline: boolean;
}

/** Where every working state may go besides its own successors: a failure, the person's cancel, a deletion. */
const WORKING_EXITS = ['failed', 'cancelled', 'deleted'] as const;

export const STATE_MACHINE: Readonly<Record<VideoState, StateSpec>> = {
  pending: { label: 'Waiting to start', progress: 0, next: ['validating', ...WORKING_EXITS], terminal: false, hasDeadline: true },
  validating: { label: 'Checking the draft', progress: 0.02, next: ['keyframe_queued', 'queued', 'dreaming', 'ready', ...WORKING_EXITS], terminal: false, hasDeadline: true },
  keyframe_queued: { label: 'Sending the keyframe to Luma', progress: 0.05, next: ['keyframe_dreaming', ...WORKING_EXITS], terminal: false, hasDeadline: true },
  // keyframe_dreaming → validating: Luma could not fetch the draft's images (our signed URL expired or its server
  // was down); the plan is made again with fresh URLs (a few times at most); Luma refunded the failed generation.
  keyframe_dreaming: { label: 'Luma is drawing the keyframe', progress: 0.08, next: ['queued', 'validating', ...WORKING_EXITS], terminal: false, hasDeadline: true },
  queued: { label: 'Waiting for a Luma slot', progress: 0.15, next: ['submitting', ...WORKING_EXITS], terminal: false, hasDeadline: true },
  submitting: { label: 'Sending to Luma', progress: 0.18, next: ['dreaming', 'queued', ...WORKING_EXITS], terminal: false, hasDeadline: true },
  dreaming: { label: 'Luma is dreaming', progress: 0.2, next: ['downloading', ...WORKING_EXITS], terminal: false, hasDeadline: true },
  downloading: { label: 'Fetching the video', progress: 0.7, next: ['processing', ...WORKING_EXITS], terminal: false, hasDeadline: true },
  processing: { label: 'Compressing and encrypting', progress: 0.75, next: ['ready', ...WORKING_EXITS], terminal: false, hasDeadline: true },
  ready: { label: 'Saved (not posted)', progress: 1, next: ['posted', 'deleted'], terminal: true, hasDeadline: false },
  posted: { label: 'Posted', progress: 1, next: ['deleted'], terminal: true, hasDeadline: false },
  // failed → downloading: the retry of a failure after Luma completed the video fetches it again, never bills again.
  failed: { label: 'Failed', progress: 1, next: ['keyframe_queued', 'queued', 'downloading', 'deleted'], terminal: true, hasDeadline: false },
  cancelled: { label: 'Cancelled', progress: 1, next: ['deleted'], terminal: true, hasDeadline: false },
  deleted: { label: 'Deleted', progress: 1, next: [], terminal: true, hasDeadline: false },
};

export function canTransition(from: VideoState, to: VideoState): boolean {
  return STATE_MACHINE[from].next.includes(to);
}

export function isTerminal(state: VideoState): boolean {
  return STATE_MACHINE[state].terminal;
}

/** States in which Luma (not us) holds the work: the poller watches these. */
export const LUMA_WAITING_STATES: readonly VideoState[] = ['keyframe_dreaming', 'dreaming'];

/** The states a person's "cancel" stops (every working state); a finished video is deleted instead. */
export function canCancel(state: VideoState): boolean {
  return !STATE_MACHINE[state].terminal;
}

/**
 * A failed request may be retried by its owner only when its error says so (quota, timeouts, Luma outages),
 * never when the draft itself was refused (that would bill again for the same refusal).
 */
export function canRetry(state: VideoState, retryable: boolean | undefined): boolean {
  return state === 'failed' && retryable === true;
}

/**
 * The state machine as a Mermaid diagram (the README embeds this exact text; a test keeps them equal).
 * The exits every working state has (→ failed, → cancelled, → deleted) are drawn once as a note to keep it readable.
 */
export function stateDiagramMermaid(): string {
  const lines = ['stateDiagram-v2', '  [*] --> pending'];
  for (const from of VIDEO_STATES) {
    const working = !STATE_MACHINE[from].terminal;
    for (const to of STATE_MACHINE[from].next) {
      if (working && (WORKING_EXITS as readonly string[]).includes(to)) continue;
      lines.push(`  ${from} --> ${to}`);
    }
  }
  lines.push('  deleted --> [*]', '  note left of failed: every working state can also go to failed, cancelled or deleted');
  return lines.join('\n');
}
