import { LUMA_ASPECT_RATIOS, LUMA_DURATIONS, LUMA_RESOLUTIONS, LUMA_VIDEO_MODELS, VISIBILITIES, type VideoOptionsInput } from '@d2v/schema';

export type VideoOptionsForm = Required<Pick<VideoOptionsInput, 'model' | 'aspectRatio' | 'resolution' | 'duration' | 'loop' | 'autoPost' | 'visibility' | 'fresh'>> & { caption: string };

export const DEFAULT_OPTIONS: VideoOptionsForm = {
  model: 'ray-2',
  aspectRatio: '9:16',
  resolution: '1080p',
  duration: '5s',
  loop: false,
  autoPost: false,
  visibility: 'public',
  fresh: false,
  caption: '',
};

/** The request options a client may send (VideoOptionsSchema), as a form. */
export function CreateOptions({ value, onChange, disabled, forScript = false }: { value: VideoOptionsForm; onChange(next: VideoOptionsForm): void; disabled?: boolean; forScript?: boolean }) {
  const set = <K extends keyof VideoOptionsForm>(key: K, v: VideoOptionsForm[K]) => onChange({ ...value, [key]: v });
  return (
    <fieldset className="options" disabled={disabled}>
      <legend>Video options</legend>
      <div className="field-grid">
        <label>
          Model
          <select value={value.model} onChange={(e) => set('model', e.target.value as VideoOptionsForm['model'])}>
            {LUMA_VIDEO_MODELS.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label>
          Aspect ratio
          <select value={value.aspectRatio} onChange={(e) => set('aspectRatio', e.target.value as VideoOptionsForm['aspectRatio'])}>
            {LUMA_ASPECT_RATIOS.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label>
          Resolution
          <select value={value.resolution} onChange={(e) => set('resolution', e.target.value as VideoOptionsForm['resolution'])}>
            {LUMA_RESOLUTIONS.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label>
          Visibility
          <select value={value.visibility} onChange={(e) => set('visibility', e.target.value as VideoOptionsForm['visibility'])}>
            {VISIBILITIES.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
      </div>
      {/* A script's shots have their own lengths. */}
      {!forScript && <div className="field-row" role="radiogroup" aria-label="Duration">
        <span className="field-label">Duration</span>
        {LUMA_DURATIONS.map((d) => (
          <label key={d} className="chip">
            <input type="radio" name="duration" value={d} checked={value.duration === d} onChange={() => set('duration', d)} />
            {d}
          </label>
        ))}
      </div>}
      <div className="field-row">
        <label className="check">
          <input type="checkbox" checked={value.loop} onChange={(e) => set('loop', e.target.checked)} />
          Loop seamlessly
        </label>
        <label className="check">
          <input type="checkbox" checked={value.autoPost} onChange={(e) => set('autoPost', e.target.checked)} />
          Post when ready
        </label>
        <label className="check">
          <input type="checkbox" checked={value.fresh} onChange={(e) => set('fresh', e.target.checked)} />
          Make a new one (do not reuse an identical earlier video)
        </label>
      </div>
      {value.autoPost && (
        <label className="wide">
          Caption
          <input type="text" maxLength={2200} value={value.caption} onChange={(e) => set('caption', e.target.value)} placeholder="Shown under the post" />
        </label>
      )}
    </fieldset>
  );
}

/** The form as the request's `options` (no empty caption; `fresh` only when asked for). */
export function toVideoOptions(form: VideoOptionsForm): VideoOptionsInput {
  const { caption, fresh, ...rest } = form;
  const options: VideoOptionsInput = fresh ? { ...rest, fresh: true } : rest;
  return form.autoPost && caption.trim() ? { ...options, caption: caption.trim() } : options;
}
