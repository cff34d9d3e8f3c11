/**
 * `@d2v/prompt/script-schema`: the browser-safe part of the package — the script's schema, its limits, the camera
 * moves and framings a scene may use, and `checkScript`/`parseScript`. No Node imports (the prompt builder's
 * blocklist hashes with node:crypto), so the web console bundles this entry and validates an edited script live
 * with the rules the server applies.
 */
export * from './script/types';
export { checkScript, parseScript, type ScriptCheck, type ScriptIssue } from './script/parse';
export { describeIssues } from './script/issues';
export { CAMERA_MOVES, CAMERA_MOVE_IDS, type CameraMove, type CameraMoveId } from './camera';
