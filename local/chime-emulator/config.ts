import { parseArgs } from 'node:util';
import { parseEventTarget } from './events';
import { parseRateSpec } from './rate-limits';

const DEFAULT_PORT = 3001;

export const USAGE = `Usage: npm run emulator -- [options]

  --port <n>             Port on 127.0.0.1 (env CHIME_EMULATOR_PORT, default ${DEFAULT_PORT}; 0 picks one)
  --no-rates             Do not enforce Chime's API rates (env CHIME_EMULATOR_RATES=off)
  --rates <spec>         Override buckets, e.g. GetMeeting=10:20,MeetingManagement=5
                         (rate per second[:burst]; env CHIME_EMULATOR_RATES)
  --event-target <url>   POST meeting events to this loopback URL (env CHIME_EMULATOR_EVENT_TARGET)
  --help                 Print this text
`;

function setting<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new Error(`${name}: ${(error as Error).message}`);
  }
}

/** Flags win over variables (the README's "Run it"); `undefined` for `--help`. */
export function parseEmulatorConfig(
  env: Readonly<Record<string, string | undefined>>,
  argv: readonly string[] = [],
) {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string' },
      rates: { type: 'string' },
      'no-rates': { type: 'boolean' },
      'event-target': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return undefined;
  const port = values.port?.trim() || env.CHIME_EMULATOR_PORT?.trim() || String(DEFAULT_PORT);
  if (!/^\d+$/.test(port) || Number(port) > 65535) {
    throw new Error(`CHIME_EMULATOR_PORT must be a port number from 0 to 65535, got ${port}`);
  }
  const accountId = env.CHIME_EMULATOR_ACCOUNT_ID?.trim() || '123456789012';
  if (!/^\d{12}$/.test(accountId)) throw new Error('CHIME_EMULATOR_ACCOUNT_ID must be 12 digits');
  if (values['no-rates'] && values.rates !== undefined) {
    throw new Error('Use --no-rates or --rates, not both');
  }
  const rates = values['no-rates']
    ? 'off'
    : (values.rates ?? env.CHIME_EMULATOR_RATES?.trim() ?? '');
  const target = values['event-target'] ?? env.CHIME_EMULATOR_EVENT_TARGET?.trim();
  return Object.freeze({
    port: Number(port),
    region: env.CHIME_EMULATOR_REGION?.trim() || 'us-east-1',
    accountId,
    rates: /^(off|false|0)$/i.test(rates)
      ? (false as const)
      : /^(on|true|1|)$/i.test(rates)
        ? {}
        : setting('--rates / CHIME_EMULATOR_RATES', () => parseRateSpec(rates)),
    ...(target && {
      eventTarget: setting('--event-target / CHIME_EMULATOR_EVENT_TARGET', () =>
        parseEventTarget(target),
      ),
    }),
  });
}
