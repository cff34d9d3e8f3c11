/**
 * Where the ffmpeg and ffprobe executables are. The npm installer packages ship static binaries, so offline
 * installs and Cloud Functions deploys both have them; FFMPEG_PATH / FFPROBE_PATH override (a system ffmpeg,
 * a newer build). Resolved lazily so that importing this package never fails on a machine without the
 * platform-specific binary package, and so tests may change the environment before the first call.
 */

interface InstallerModule {
  path: string;
}

function fromEnvOrInstaller(envName: string, installer: () => InstallerModule): string {
  const override = process.env[envName]?.trim();
  if (override) return override;
  return installer().path;
}

export function ffmpegPath(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return fromEnvOrInstaller('FFMPEG_PATH', () => require('@ffmpeg-installer/ffmpeg') as InstallerModule);
}

export function ffprobePath(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return fromEnvOrInstaller('FFPROBE_PATH', () => require('@ffprobe-installer/ffprobe') as InstallerModule);
}
