import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { D2vClient, RequestDoc, VersionView } from '@d2v/client';
import type { Notification } from '@d2v/schema';
import { SessionProvider } from '../../src/session';
import { Versions } from '../../src/screens/Versions';
import { NotificationBell } from '../../src/ui/NotificationBell';

afterEach(cleanup);

const ORIGINAL = { requestId: 'r1', draftId: 'demo-sunrise', state: 'posted', options: { resolution: '540p', aspectRatio: '16:9' }, transitionCount: 9 } as unknown as RequestDoc;
const view = (requestId: string, type: VersionView['type'], state: VersionView['state'], inPost: boolean): VersionView => ({ requestId, type, state, inPost, outputs: null, error: null, createdAt: '2026-01-01T00:00:00Z' });

/** A D2vClient stand-in at the component boundary (FAKE: no server here); the local SDK test drives the real one. */
function fakeClient(overrides: Partial<D2vClient>): D2vClient {
  return { transport: 'local', uid: 'demo-user', ...overrides } as unknown as D2vClient;
}

describe('Versions on the preview', () => {
  it('sends each follow-up with what it needs (the next resolution, the other screen shape)', async () => {
    const followUp = vi.fn(async () => ({ actionId: 'a1' }));
    const client = fakeClient({ followUp, listVersions: vi.fn(async () => [view('r1', 'original', 'posted', true)]) });
    render(<SessionProvider makeClient={() => client}><Versions doc={ORIGINAL} /></SessionProvider>);
    fireEvent.click(screen.getByRole('button', { name: 'Sharper (720p)' }));
    await waitFor(() => expect(followUp).toHaveBeenCalledWith('r1', { type: 'upscale', resolution: '720p' }));
    // One at a time: the buttons wait for the pipeline's answer to this action.
    expect((screen.getByRole('button', { name: 'Reframe to 9:16' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('shows the answer to its action: a refusal with its sentence', async () => {
    const client = fakeClient({ followUp: vi.fn(async () => ({ actionId: 'a2' })), listVersions: vi.fn(async () => []) });
    const { rerender } = render(<SessionProvider makeClient={() => client}><Versions doc={ORIGINAL} /></SessionProvider>);
    fireEvent.click(screen.getByRole('button', { name: 'Reframe to 9:16' }));
    await waitFor(() => expect((screen.getByRole('button', { name: 'Add sound' }) as HTMLButtonElement).disabled).toBe(true));
    const refused = { ...ORIGINAL, lastActionResult: { id: 'a2', type: 'reframe', ok: false, code: 'FOLLOW_UP_SAME_RATIO', message: 'This video is already 16:9: pick another aspect ratio to reframe it to.' } } as RequestDoc;
    rerender(<SessionProvider makeClient={() => client}><Versions doc={refused} /></SessionProvider>);
    await screen.findByText('This video is already 16:9: pick another aspect ratio to reframe it to.');
    expect((screen.getByRole('button', { name: 'Add sound' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('lists the versions, marks the one in the post, and offers the others for the post', async () => {
    const useVersion = vi.fn(async () => ({ actionId: 'a3' }));
    const listVersions = vi.fn(async () => [view('r1', 'original', 'posted', true), view('fu-1', 'upscale', 'ready', false), view('fu-2', 'extend', 'dreaming', false)]);
    render(<SessionProvider makeClient={() => fakeClient({ listVersions, useVersion })}><Versions doc={{ ...ORIGINAL, versions: [{}, {}] } as unknown as RequestDoc} /></SessionProvider>);
    const sharper = await screen.findByTestId('version-upscale');
    expect(screen.getByTestId('version-original').textContent).toContain('in the post');
    // A version still being made cannot be shown yet.
    expect(screen.getByTestId('version-extend').querySelector('button')).toBeNull();
    fireEvent.click(sharper.querySelector('button')!);
    await waitFor(() => expect(useVersion).toHaveBeenCalledWith('r1', 'fu-1'));
  });
});

describe('NotificationBell', () => {
  const note = (id: string, read: boolean): Notification => ({ id, uid: 'demo-user', requestId: id.split('_')[0]!, outcome: 'ready', title: `Video ${id} is ready`, body: 'It is ready to watch, post or keep.', createdAt: '2026-01-01T00:00:00Z', read });

  it('shows the unread count, opens the list, and marks all read', async () => {
    let notifications = [note('r1_ready', false), note('r2_ready', false), note('r0_ready', true)];
    const markNotificationsRead = vi.fn(async () => {
      notifications = notifications.map((n) => ({ ...n, read: true }));
    });
    const listNotifications = vi.fn(async () => ({ notifications, unread: notifications.filter((n) => !n.read).length }));
    render(<SessionProvider makeClient={() => fakeClient({ listNotifications, markNotificationsRead })}><NotificationBell refreshMs={0} /></SessionProvider>);
    expect((await screen.findByTestId('unread')).textContent).toBe('2');
    fireEvent.click(screen.getByRole('button', { name: 'Notifications, 2 unread' }));
    expect(screen.getByRole('region', { name: 'Notifications' }).querySelectorAll('li')).toHaveLength(3);
    fireEvent.click(screen.getByRole('button', { name: 'Mark all read' }));
    await waitFor(() => expect(screen.queryByTestId('unread')).toBeNull());
    expect(markNotificationsRead).toHaveBeenCalledTimes(1);
  });
});
