import { Globe, Lock, Users } from 'lucide-react';
import type { Visibility } from '@d2v/schema';

const LOOK: Record<Visibility, { label: string; icon: typeof Globe }> = {
  public: { label: 'Public', icon: Globe },
  followers: { label: 'Followers', icon: Users },
  private: { label: 'Private', icon: Lock },
};

/** Who can see a post or grid entry; the word is always there (colour and icon only repeat it). */
export function VisibilityBadge({ visibility }: { visibility: Visibility }) {
  const { label, icon: Icon } = LOOK[visibility];
  return (
    <span className={`visibility-badge visibility-${visibility}`} title={`Visible to: ${label.toLowerCase()}`}>
      <Icon className="icon" aria-hidden="true" />
      <span className="sr-only">Visible to: </span>
      {label}
    </span>
  );
}
