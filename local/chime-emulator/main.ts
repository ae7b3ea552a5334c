/**
 * Runs the Chime SDK Meetings emulator on a laptop:
 * `npx tsx local/chime-emulator/main.ts` (port from `CHIME_EMULATOR_PORT`, default 3001).
 */
import { parseEmulatorConfig } from './config';
import { createChimeEmulator } from './emulator';

async function main(): Promise<void> {
  const config = parseEmulatorConfig(process.env);
  const emulator = createChimeEmulator({
    region: config.region,
    accountId: config.accountId,
    logger: (line) => console.log(line),
  });
  const { url } = await emulator.start(config.port);
  console.log(`Chime SDK Meetings emulator listening on ${url}`);
  console.log(`Admin API: ${url}/_emulator/faults, ${url}/_emulator/calls, ${url}/_emulator/reset`);

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received, stopping the Chime emulator`);
    emulator.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
