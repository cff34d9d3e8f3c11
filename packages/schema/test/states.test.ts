import { STATE_MACHINE, VIDEO_STATES, canCancel, canRetry, canTransition, isTerminal, stateDiagramMermaid } from '../src';

describe('state machine (data)', () => {
  it('describes every state and only names known states as successors', () => {
    expect(Object.keys(STATE_MACHINE).sort()).toEqual([...VIDEO_STATES].sort());
    for (const s of VIDEO_STATES) for (const n of STATE_MACHINE[s].next) expect(VIDEO_STATES).toContain(n);
  });

  it('follows the happy path of a text draft and of a draft with images', () => {
    const text = ['pending', 'validating', 'queued', 'submitting', 'dreaming', 'downloading', 'processing', 'ready', 'posted'] as const;
    const images = ['validating', 'keyframe_queued', 'keyframe_dreaming', 'queued'] as const;
    for (const path of [text, images]) for (let i = 1; i < path.length; i++) expect(canTransition(path[i - 1]!, path[i]!)).toBe(true);
  });

  it('refuses skipping ahead, going backwards and leaving deleted', () => {
    expect(canTransition('pending', 'dreaming')).toBe(false);
    expect(canTransition('dreaming', 'queued')).toBe(false);
    expect(canTransition('posted', 'ready')).toBe(false);
    for (const s of VIDEO_STATES) expect(canTransition('deleted', s)).toBe(false);
  });

  it('lets every working state fail, be cancelled or be deleted', () => {
    for (const s of VIDEO_STATES.filter((x) => !isTerminal(x))) {
      expect(canTransition(s, 'failed')).toBe(true);
      expect(canTransition(s, 'cancelled')).toBe(true);
      expect(canTransition(s, 'deleted')).toBe(true);
      expect(canCancel(s)).toBe(true);
    }
  });

  it('makes cancelled terminal: only deletion leaves it (a cancelled video is made again, not retried)', () => {
    expect(isTerminal('cancelled')).toBe(true);
    expect(STATE_MACHINE.cancelled.next).toEqual(['deleted']);
    expect(canRetry('cancelled', true)).toBe(false);
    for (const s of ['ready', 'posted', 'failed', 'cancelled', 'deleted'] as const) expect(canCancel(s)).toBe(false);
  });

  it('lets a request go from validating straight to ready (a content-cache hit), and nowhere else skip the work', () => {
    expect(canTransition('validating', 'ready')).toBe(true);
    for (const s of ['pending', 'keyframe_queued', 'queued', 'submitting', 'dreaming', 'downloading'] as const) expect(canTransition(s, 'ready')).toBe(false);
  });

  it('never lowers the progress along the happy path', () => {
    const path = ['pending', 'validating', 'keyframe_queued', 'keyframe_dreaming', 'queued', 'submitting', 'dreaming', 'downloading', 'processing', 'ready'] as const;
    for (let i = 1; i < path.length; i++) expect(STATE_MACHINE[path[i]!].progress).toBeGreaterThanOrEqual(STATE_MACHINE[path[i - 1]!].progress);
  });

  it('allows retry only of a failed request whose error is retryable', () => {
    expect(canRetry('failed', true)).toBe(true);
    expect(canRetry('failed', false)).toBe(false);
    expect(canRetry('failed', undefined)).toBe(false);
    expect(canRetry('ready', true)).toBe(false);
  });

  it('draws every transition in the Mermaid diagram (working-state exits as one note)', () => {
    const diagram = stateDiagramMermaid();
    for (const s of VIDEO_STATES)
      for (const n of STATE_MACHINE[s].next) {
        const exit = !isTerminal(s) && (n === 'failed' || n === 'cancelled' || n === 'deleted');
        expect(diagram.includes(`  ${s} --> ${n}\n`) || diagram.endsWith(`  ${s} --> ${n}`)).toBe(!exit);
      }
    expect(diagram).toContain('every working state can also go to failed, cancelled or deleted');
  });

  it('is drawn in the README exactly as the data says', () => {
    const readme = require('node:fs').readFileSync(require('node:path').join(__dirname, '../../../README.md'), 'utf8') as string;
    expect(readme).toContain(stateDiagramMermaid());
  });
});
