/** `npm run emulator -- [--port 3001] [--no-rates | --rates GetMeeting=10:20] [--event-target URL]` */
import { parseEmulatorConfig, USAGE } from './config';
import { createChimeEmulator } from './emulator';

const die = (error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
};

async function main(): Promise<void> {
  const config = parseEmulatorConfig(process.env, process.argv.slice(2));
  if (!config) return void process.stdout.write(USAGE);
  const emulator = createChimeEmulator({ ...config, logger: (line) => console.log(line) });
  const { url } = await emulator.start(config.port);
  const rates = config.rates === false ? 'off' : 'on';
  console.log(`Chime SDK Meetings emulator listening on ${url}`);
  console.log(
    `Rates: ${rates} (${url}/_emulator/rates); events: ${config.eventTarget ?? 'no target'}`,
  );
  console.log(
    `Admin API: ${url}/_emulator/faults, ${url}/_emulator/calls/stats, ${url}/_emulator/seed, ${url}/_emulator/reset`,
  );
  const shutdown = (signal: NodeJS.Signals) => {
    console.log(`${signal} received, stopping the Chime emulator`);
    emulator.stop().then(() => process.exit(0), die);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch(die);
