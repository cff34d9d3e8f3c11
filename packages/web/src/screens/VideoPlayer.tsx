import { useEffect, useRef, useState } from 'react';
import { Pause, Play, Volume2, VolumeX } from 'lucide-react';
import { useMedia, type MediaRef } from '../hooks/useMedia';
import { Button } from '../ui/Button';

function clock(s: number): string {
  if (!Number.isFinite(s)) return '0:00';
  const whole = Math.floor(s);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

/**
 * A real <video> on a signed playback link — the owner's (GET /v1/requests/:id/video/link) or a post audience's
 * (GET /v1/posts/:postId/video/link) — which the element loads with HTTP ranges as it plays and seeks (decrypted
 * on the way out, only the segments asked for), with its poster and controls of our own — play/pause, a seek
 * slider, mute — that a keyboard reaches. A link that expired while the page stayed open is asked for again.
 */
export function VideoPlayer({ requestId, postId, width, height }: { requestId?: string; postId?: string; width?: number; height?: number }) {
  const media: MediaRef | undefined = postId ? { postId } : requestId ? { requestId } : undefined;
  const video = useMedia(media, 'video');
  const poster = useMedia(media, 'poster');
  const ref = useRef<HTMLVideoElement>(null);
  const resumeAt = useRef(0);
  const [failed, setFailed] = useState(false);
  const [playing, setPlaying] = useState(false);
  const [muted, setMuted] = useState(false);
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState(0);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const sync = () => {
      setPlaying(!el.paused && !el.ended);
      setMuted(el.muted);
      setTime(el.currentTime);
      setDuration(Number.isFinite(el.duration) ? el.duration : 0);
    };
    const events = ['play', 'pause', 'ended', 'timeupdate', 'seeked', 'loadedmetadata', 'durationchange', 'volumechange'];
    events.forEach((e) => el.addEventListener(e, sync));
    return () => events.forEach((e) => el.removeEventListener(e, sync));
  }, [video.url]);

  const toggle = () => {
    const el = ref.current;
    if (!el) return;
    if (el.paused || el.ended) void el.play().catch(() => undefined);
    else el.pause();
  };

  return (
    <figure className="player" aria-label="Video preview">
      <div className="player-frame" style={width && height ? { aspectRatio: `${width} / ${height}` } : undefined}>
        {video.url && !failed ? (
          <video
            ref={ref}
            src={video.url}
            poster={poster.url}
            preload="metadata"
            playsInline
            onClick={toggle}
            data-testid="preview-video"
            onLoadedMetadata={(e) => {
              if (resumeAt.current > 0) e.currentTarget.currentTime = resumeAt.current;
              resumeAt.current = 0;
            }}
            onError={(e) => {
              // Only an expired link is worth a new one; any other failure would fail again.
              const expired = video.expiresAt !== undefined && Date.parse(video.expiresAt) - Date.now() < 30_000;
              if (!expired) return setFailed(true);
              resumeAt.current = e.currentTarget.currentTime;
              video.refresh();
            }}
          />
        ) : (
          <p className="player-placeholder" role={video.error || failed ? 'alert' : undefined} aria-live="polite">
            {failed ? 'The video could not be played.' : video.error ?? 'Loading the video…'}
          </p>
        )}
      </div>
      <div className="player-controls">
        <Button icon={playing ? Pause : Play} onClick={toggle} disabled={!video.url} aria-label={playing ? 'Pause' : 'Play'} className="icon-only">
          {playing ? 'Pause' : 'Play'}
        </Button>
        <input
          type="range"
          className="seek"
          aria-label="Seek"
          min={0}
          max={duration || 0}
          step={0.1}
          value={Math.min(time, duration || 0)}
          disabled={!duration}
          aria-valuetext={`${clock(time)} of ${clock(duration)}`}
          onChange={(e) => {
            const to = Number(e.target.value);
            // The thumb follows at once; the element reports its own time again once it has seeked.
            setTime(to);
            if (ref.current) ref.current.currentTime = to;
          }}
        />
        <span className="time" aria-hidden="true">
          {clock(time)} / {clock(duration)}
        </span>
        <Button
          icon={muted ? VolumeX : Volume2}
          aria-pressed={muted}
          aria-label="Mute"
          className="icon-only"
          disabled={!video.url}
          onClick={() => {
            if (ref.current) ref.current.muted = !ref.current.muted;
          }}
        >
          Mute
        </Button>
      </div>
    </figure>
  );
}
