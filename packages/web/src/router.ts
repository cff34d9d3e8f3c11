import { useEffect, useState } from 'react';

/** The console's screens, addressed in the URL hash so that the stack serves one file for all of them. */
export type Route =
  | { name: 'drafts' }
  | { name: 'draft'; draftId: string }
  | { name: 'video'; requestId: string }
  | { name: 'videos' }
  | { name: 'script'; scriptId: string; draftId?: string }
  | { name: 'ops' };

export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(search);
  if (parts[0] === 'drafts' && parts[1]) return { name: 'draft', draftId: parts[1] };
  if (parts[0] === 'videos' && parts[1]) return { name: 'video', requestId: parts[1] };
  if (parts[0] === 'videos') return { name: 'videos' };
  if (parts[0] === 'scripts' && parts[1]) return { name: 'script', scriptId: parts[1], draftId: params.get('draft') ?? undefined };
  if (parts[0] === 'ops') return { name: 'ops' };
  return { name: 'drafts' };
}

export function href(route: Route): string {
  const e = encodeURIComponent;
  switch (route.name) {
    case 'drafts':
      return '#/drafts';
    case 'draft':
      return `#/drafts/${e(route.draftId)}`;
    case 'video':
      return `#/videos/${e(route.requestId)}`;
    case 'videos':
      return '#/videos';
    case 'script':
      return `#/scripts/${e(route.scriptId)}${route.draftId ? `?draft=${e(route.draftId)}` : ''}`;
    case 'ops':
      return '#/ops';
  }
}

export function navigate(route: Route): void {
  window.location.hash = href(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
