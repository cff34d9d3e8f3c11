import { ChartColumn, FileText, ListVideo } from 'lucide-react';
import { DEMO_USERS, SessionProvider, useSession } from './session';
import { href, useRoute, type Route } from './router';
import { DraftsList } from './screens/DraftsList';
import { DraftDetail } from './screens/DraftDetail';
import { Generation } from './screens/Generation';
import { MyVideos } from './screens/MyVideos';
import { ScriptEditor } from './screens/ScriptEditor';
import { Ops } from './screens/Ops';

const NAV = [
  { route: { name: 'drafts' }, label: 'Drafts', icon: FileText, match: ['drafts', 'draft', 'script'] },
  { route: { name: 'videos' }, label: 'My videos', icon: ListVideo, match: ['videos', 'video'] },
  { route: { name: 'ops' }, label: 'Ops', icon: ChartColumn, match: ['ops'] },
] as const satisfies readonly { route: Route; label: string; icon: unknown; match: readonly Route['name'][] }[];

function Header({ route }: { route: Route }) {
  const { user, switchUser } = useSession();
  return (
    <header className="app-header">
      <a className="brand" href={href({ name: 'drafts' })}>
        <span className="brand-mark" aria-hidden="true">▶</span> draft2video
      </a>
      <nav aria-label="Main">
        <ul>
          {NAV.map((item) => {
            const current = (item.match as readonly string[]).includes(route.name);
            return (
              <li key={item.label}>
                <a href={href(item.route)} aria-current={current ? 'page' : undefined}>
                  <item.icon className="icon" aria-hidden="true" />
                  {item.label}
                </a>
              </li>
            );
          })}
        </ul>
      </nav>
      <label className="user-switch">
        <span>Signed in as</span>
        <select value={user.uid} onChange={(e) => switchUser(e.target.value)}>
          {DEMO_USERS.map((u) => (
            <option key={u.uid} value={u.uid}>
              {u.displayName}
            </option>
          ))}
        </select>
      </label>
    </header>
  );
}

function Screen({ route }: { route: Route }) {
  const { user } = useSession();
  // A new user sees their own data from scratch: keyed by uid, every screen remounts on a switch.
  switch (route.name) {
    case 'drafts':
      return <DraftsList key={user.uid} />;
    case 'draft':
      return <DraftDetail key={user.uid} draftId={route.draftId} />;
    case 'video':
      return <Generation key={`${user.uid}/${route.requestId}`} requestId={route.requestId} />;
    case 'videos':
      return <MyVideos key={user.uid} />;
    case 'script':
      return <ScriptEditor key={`${user.uid}/${route.scriptId}`} scriptId={route.scriptId} />;
    case 'ops':
      return <Ops />;
  }
}

export function App() {
  const route = useRoute();
  return (
    <SessionProvider>
      {/* Not an in-page anchor: the hash holds the route. */}
      <button type="button" className="skip-link" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <Header route={route} />
      <main id="main" tabIndex={-1}>
        <Screen route={route} />
      </main>
    </SessionProvider>
  );
}
