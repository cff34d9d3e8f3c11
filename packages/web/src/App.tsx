import { ChartColumn, FileText, ListVideo, Rss, UserRound } from 'lucide-react';
import { DEMO_USERS, SessionProvider, useSession } from './session';
import { NotificationBell } from './ui/NotificationBell';
import { href, useRoute, type Route } from './router';
import { DraftsList } from './screens/DraftsList';
import { DraftDetail } from './screens/DraftDetail';
import { Generation } from './screens/Generation';
import { MyVideos } from './screens/MyVideos';
import { ScriptEditor } from './screens/ScriptEditor';
import { Ops } from './screens/Ops';
import { Feed } from './screens/Feed';
import { PostView } from './screens/PostView';
import { Profile } from './screens/Profile';

interface NavItem {
  route: Route;
  label: string;
  icon: typeof Rss;
  current(route: Route): boolean;
}

/** The header's links; "Profile" is the signed-in person's own grid. */
function navFor(uid: string): NavItem[] {
  return [
    { route: { name: 'feed' }, label: 'Feed', icon: Rss, current: (r) => r.name === 'feed' || r.name === 'post' || (r.name === 'profile' && r.uid !== uid) },
    { route: { name: 'drafts' }, label: 'Drafts', icon: FileText, current: (r) => r.name === 'drafts' || r.name === 'draft' || r.name === 'script' },
    { route: { name: 'videos' }, label: 'My videos', icon: ListVideo, current: (r) => r.name === 'videos' || r.name === 'video' },
    { route: { name: 'profile', uid }, label: 'Profile', icon: UserRound, current: (r) => r.name === 'profile' && r.uid === uid },
    { route: { name: 'ops' }, label: 'Ops', icon: ChartColumn, current: (r) => r.name === 'ops' },
  ];
}

function Header({ route }: { route: Route }) {
  const { user, switchUser } = useSession();
  return (
    <header className="app-header">
      <a className="brand" href={href({ name: 'drafts' })}>
        <span className="brand-mark" aria-hidden="true">▶</span> draft2video
      </a>
      <nav aria-label="Main">
        <ul>
          {navFor(user.uid).map((item) => {
            const current = item.current(route);
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
      <NotificationBell key={user.uid} />
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
    case 'feed':
      return <Feed key={`${user.uid}/${route.size}`} pageSize={route.size} />;
    case 'post':
      return <PostView key={`${user.uid}/${route.postId}`} postId={route.postId} />;
    case 'profile':
      return <Profile key={`${user.uid}/${route.uid}/${route.size}`} uid={route.uid} pageSize={route.size} />;
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
