import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Sparkles } from 'lucide-react';
import type { D2vClient, RequestDoc, RequestWatcher } from '@d2v/client';
import { Button } from '../../src/ui/Button';
import { ProgressBar } from '../../src/ui/ProgressBar';
import { SessionProvider } from '../../src/session';
import { Generation } from '../../src/screens/Generation';

afterEach(cleanup);

describe('Button', () => {
  it('while loading: spinner, busy, its loading text, and presses ignored', () => {
    const onClick = vi.fn();
    const { rerender } = render(<Button icon={Sparkles} onClick={onClick} loading loadingText="Creating…">Create AI Video</Button>);
    const button = screen.getByRole('button', { name: 'Creating…' });
    expect(button.getAttribute('aria-busy')).toBe('true');
    expect(button.querySelector('.spin')).not.toBeNull();
    fireEvent.click(button);
    expect(onClick).not.toHaveBeenCalled();
    rerender(<Button icon={Sparkles} onClick={onClick}>Create AI Video</Button>);
    fireEvent.click(screen.getByRole('button', { name: 'Create AI Video' }));
    expect(onClick).toHaveBeenCalledTimes(1);
    rerender(<Button icon={Sparkles} onClick={onClick} disabled>Create AI Video</Button>);
    expect((screen.getByRole('button') as HTMLButtonElement).disabled).toBe(true);
  });
});

describe('ProgressBar', () => {
  it('reports percent to assistive tech and clamps', () => {
    render(<ProgressBar value={0.734} label="Generation progress" />);
    const bar = screen.getByRole('progressbar', { name: 'Generation progress' });
    expect(bar.getAttribute('aria-valuenow')).toBe('73');
    cleanup();
    render(<ProgressBar value={3} label="p" />);
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
  });
});

/** A D2vClient stand-in at the component boundary (FAKE: no server here); the browser suite uses the real one. */
function fakeClient(doc: Partial<RequestDoc>) {
  const requestAction = vi.fn(async () => ({ actionId: 'a1' }));
  const client = {
    transport: 'local',
    uid: 'demo-user',
    watchRequest: (_id: string, w: RequestWatcher) => {
      queueMicrotask(() => w.onRequest({ requestId: 'r1', draftId: 'demo-sunrise', options: {}, transitionCount: 0, ...doc } as RequestDoc));
      return () => undefined;
    },
    requestAction,
  } as unknown as D2vClient;
  return { client, requestAction };
}

describe('Generation view on a failed request', () => {
  it('shows the error sentence and a Retry that sends {type: "retry"} when the error is retryable', async () => {
    const { client, requestAction } = fakeClient({ state: 'failed', progress: 0.66, error: { code: 'LUMA_UNAVAILABLE', message: 'The video service is unavailable; try again in a few minutes.', retryable: true } });
    render(<SessionProvider makeClient={() => client}><Generation requestId="r1" /></SessionProvider>);
    await screen.findByText('The video service is unavailable; try again in a few minutes.');
    expect(screen.getByTestId('state-label').textContent).toBe('Failed');
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(requestAction).toHaveBeenCalledWith('r1', { type: 'retry' }));
  });

  it('offers no Retry when retrying cannot help, and says why', async () => {
    const { client } = fakeClient({ state: 'failed', progress: 1, error: { code: 'DRAFT_EMPTY', message: 'The draft has no text or images to make a video from.', retryable: false } });
    render(<SessionProvider makeClient={() => client}><Generation requestId="r1" /></SessionProvider>);
    await screen.findByText('The draft has no text or images to make a video from.');
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull();
    expect(screen.getByText(/Retrying would not help/)).toBeTruthy();
  });
});
