import { ArrowDown, ArrowUp, Trash2 } from 'lucide-react';
import { Button } from '../ui/Button';
import { CAMERA_MOVE_IDS, SCRIPT_LIMITS, SHOT_LABELS, SHOT_TYPES, cameraLabel, type CameraMoveId, type FormCheck, type SceneForm, type ShotType } from '../script-form';

export interface SceneFieldsProps {
  scene: SceneForm;
  n: number;
  count: number;
  errors: FormCheck['fields'][string] | undefined;
  disabled: boolean;
  onChange(patch: Partial<SceneForm>): void;
  onMove(by: -1 | 1): void;
  onRemove(): void;
}

/** One shot of the script: its prompt, length, camera move and framing, and moving or removing it. */
export function SceneFields({ scene, n, count, errors, disabled, onChange, onMove, onRemove }: SceneFieldsProps) {
  const id = (field: string) => `${scene.key}-${field}`;
  const problem = (field: 'description' | 'durationMs' | 'camera' | 'shot') =>
    errors?.[field] ? { 'aria-invalid': true as const, 'aria-describedby': id(`${field}-error`) } : {};
  const note = (field: 'description' | 'durationMs' | 'camera' | 'shot') =>
    errors?.[field] ? (
      <span id={id(`${field}-error`)} className="error-inline">
        {errors[field]}
      </span>
    ) : null;
  return (
    <li className="card scene" aria-labelledby={id('title')} data-testid="scene">
      <header>
        <h2 id={id('title')}>Shot {n}</h2>
        <div className="scene-tools">
          <Button id={id('up')} icon={ArrowUp} className="icon-only" aria-label={`Move shot ${n} up`} disabled={disabled || n === 1} onClick={() => onMove(-1)}>
            Move up
          </Button>
          <Button id={id('down')} icon={ArrowDown} className="icon-only" aria-label={`Move shot ${n} down`} disabled={disabled || n === count} onClick={() => onMove(1)}>
            Move down
          </Button>
          <Button icon={Trash2} variant="danger" className="icon-only" aria-label={`Remove shot ${n}`} disabled={disabled || count === 1} onClick={onRemove}>
            Remove
          </Button>
        </div>
      </header>
      <div className="field">
        <label htmlFor={id('prompt')}>
          <span className="sr-only">Shot {n} </span>Prompt
        </label>
        <textarea
          id={id('prompt')}
          rows={3}
          maxLength={SCRIPT_LIMITS.maxDescription}
          value={scene.description}
          disabled={disabled}
          onChange={(e) => onChange({ description: e.target.value })}
          {...problem('description')}
        />
        {note('description')}
      </div>
      <div className="scene-fields">
        <div className="field">
          <label htmlFor={id('duration')}>
            <span className="sr-only">Shot {n} </span>Duration (seconds)
          </label>
          <input
            id={id('duration')}
            type="number"
            inputMode="decimal"
            min={SCRIPT_LIMITS.minSceneMs / 1000}
            max={SCRIPT_LIMITS.maxSceneMs / 1000}
            step={0.1}
            value={scene.seconds}
            disabled={disabled}
            onChange={(e) => onChange({ seconds: e.target.value })}
            {...problem('durationMs')}
          />
          {note('durationMs')}
        </div>
        <div className="field">
          <label htmlFor={id('camera')}>
            <span className="sr-only">Shot {n} </span>Camera
          </label>
          <select id={id('camera')} value={scene.camera} disabled={disabled} onChange={(e) => onChange({ camera: e.target.value as CameraMoveId })} {...problem('camera')}>
            {CAMERA_MOVE_IDS.map((move) => (
              <option key={move} value={move}>
                {cameraLabel(move)}
              </option>
            ))}
          </select>
          {note('camera')}
        </div>
        <div className="field">
          <label htmlFor={id('framing')}>
            <span className="sr-only">Shot {n} </span>Framing
          </label>
          <select id={id('framing')} value={scene.shot} disabled={disabled} onChange={(e) => onChange({ shot: e.target.value as ShotType })} {...problem('shot')}>
            {SHOT_TYPES.map((shot) => (
              <option key={shot} value={shot}>
                {SHOT_LABELS[shot]}
              </option>
            ))}
          </select>
          {note('shot')}
        </div>
      </div>
      {scene.from && <p className="meta">From the draft: {scene.from}</p>}
    </li>
  );
}
