#!/usr/bin/env node
/**
 * Standalone runner: `node packages/luma-sim/dist/main.js` starts the sim from LUMA_SIM_* variables and prints
 * the values to export for a client (LUMAAI_BASE_URL, LUMAAI_API_KEY). Ctrl-C closes it cleanly.
 */
import { simulatorOptionsFromEnv, SIMULATOR_ENV_VARS } from './config-env';
import { startLumaSimulator } from './simulator';

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    console.log('Luma Dream Machine simulator. Environment variables:');
    for (const [name, meaning] of Object.entries(SIMULATOR_ENV_VARS)) console.log(`  ${name.padEnd(32)} ${meaning}`);
    return;
  }
  const options = simulatorOptionsFromEnv(process.env);
  const verbose = process.env.LUMA_SIM_VERBOSE === '1';
  const sim = await startLumaSimulator({
    port: 4010,
    ...options,
    log: (level, message, fields) => {
      if (level === 'debug' && !verbose) return;
      console.error(`[${level}] ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`);
    },
  });
  console.log(`LUMAAI_BASE_URL=${sim.url}`);
  console.log(`LUMAAI_API_KEY=${(options.apiKeys ?? ['sim-key'])[0]}`);
  console.log(`# seed ${sim.seed}, assets in ${sim.assetDir}`);
  const stop = () => {
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
