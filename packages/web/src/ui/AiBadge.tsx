import { Sparkles } from 'lucide-react';

/** The profile grid's AI marker (ProfileVideo.aiGenerated). */
export function AiBadge() {
  return (
    <span className="ai-badge" title="Made with AI">
      <Sparkles className="icon" aria-hidden="true" />
      AI
    </span>
  );
}
