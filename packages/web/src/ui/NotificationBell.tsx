import { useEffect, useState } from 'react';
import { Bell } from 'lucide-react';
import { useSession } from '../session';
import { useAsync } from '../hooks/useAsync';
import { href } from '../router';

/** Issue #13: what the signed-in person was told (a video ready or failed), with the unread count on the bell. */
export function NotificationBell({ refreshMs = 5000 }: { refreshMs?: number }) {
  const { client } = useSession();
  const [open, setOpen] = useState(false);
  const [tick, setTick] = useState(0);
  const inbox = useAsync(() => client.listNotifications(), [tick]);
  useEffect(() => {
    if (refreshMs <= 0) return undefined;
    const timer = setInterval(() => setTick((t) => t + 1), refreshMs);
    return () => clearInterval(timer);
  }, [refreshMs]);
  const unread = inbox.data?.unread ?? 0;
  return (
    <div className="notification-bell">
      <button type="button" className="btn btn-secondary" aria-expanded={open} aria-label={unread ? `Notifications, ${unread} unread` : 'Notifications'} onClick={() => setOpen((o) => !o)}>
        <Bell className="icon" aria-hidden="true" />
        {unread > 0 && <span className="badge" data-testid="unread">{unread}</span>}
      </button>
      {open && (
        <div role="region" aria-label="Notifications" className="notification-list card">
          {!inbox.data?.notifications.length && <p className="meta">Nothing yet.</p>}
          <ul>
            {inbox.data?.notifications.map((n) => (
              <li key={n.id} className={n.read ? 'read' : 'unread'}>
                <a href={href({ name: 'video', requestId: n.requestId })}>
                  <strong>{n.title}</strong>
                </a>
                <p>{n.body}</p>
              </li>
            ))}
          </ul>
          {unread > 0 && (
            <button type="button" className="btn btn-secondary" onClick={() => void client.markNotificationsRead().then(() => setTick((t) => t + 1))}>
              Mark all read
            </button>
          )}
        </div>
      )}
    </div>
  );
}
