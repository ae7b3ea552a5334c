import { parseArgs } from 'node:util';
import { parseEventTarget } from './events';
import { parseRateSpec, type RateOverrides } from './rate-limits';

/** Settings of the emulator CLI (`main.ts`). */
export interface EmulatorConfig {
  readonly port: number;
  readonly region: string;
  readonly accountId: string;
  /** `false`: no rate limiting; otherwise overrides of the published defaults. */
  readonly rates: false | RateOverrides;
  readonly eventTarget?: string;
}

const DEFAULT_PORT = 3001;

/** The CLI's usage text. */
export const USAGE = `Usage: npm run emulator -- [options]

  --port <n>             Port on 127.0.0.1 (env CHIME_EMULATOR_PORT, default ${DEFAULT_PORT}; 0 picks one)
  --no-rates             Do not enforce Chime's API rates (env CHIME_EMULATOR_RATES=off)
  --rates <spec>         Override buckets, e.g. GetMeeting=10:20,MeetingManagement=5
                         (rate per second[:burst]; env CHIME_EMULATOR_RATES)
  --event-target <url>   POST meeting events to this loopback URL (env CHIME_EMULATOR_EVENT_TARGET)
  --help                 Print this text
`;

const fail = (message: string): never => {
  throw new Error(message);
};

/** Runs `parse`, naming the setting in any failure. */
function setting<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    return fail(`${name}: ${(error as Error).message}`);
  }
}

/**
 * Reads the CLI settings from flags and the environment (flags win), failing fast with the
 * setting's name: `CHIME_EMULATOR_PORT` (default 3001), `CHIME_EMULATOR_REGION` (default
 * us-east-1), `CHIME_EMULATOR_ACCOUNT_ID` (default 123456789012), `CHIME_EMULATOR_RATES`
 * (`off`, or a bucket spec; default on at AWS's defaults) and `CHIME_EMULATOR_EVENT_TARGET`.
 * Returns `undefined` when `--help` was asked for.
 */
export function parseEmulatorConfig(
  env: Readonly<Record<string, string | undefined>>,
  argv: readonly string[] = [],
): EmulatorConfig | undefined {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      rates: { type: 'string' },
      'no-rates': { type: 'boolean' },
      'event-target': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return undefined;
  const rawPort = values.port?.trim() || env.CHIME_EMULATOR_PORT?.trim() || String(DEFAULT_PORT);
  if (!/^\d+$/.test(rawPort) || Number(rawPort) > 65535) {
    fail(`CHIME_EMULATOR_PORT must be a port number from 0 to 65535, got ${rawPort}`);
  }
  const accountId = env.CHIME_EMULATOR_ACCOUNT_ID?.trim() || '123456789012';
  if (!/^\d{12}$/.test(accountId)) fail('CHIME_EMULATOR_ACCOUNT_ID must be 12 digits');
  if (values['no-rates'] && values.rates !== undefined) fail('Use --no-rates or --rates, not both');
  const rawRates = values['no-rates']
    ? 'off'
    : (values.rates ?? env.CHIME_EMULATOR_RATES?.trim() ?? '');
  const rawTarget = values['event-target'] ?? env.CHIME_EMULATOR_EVENT_TARGET?.trim();
  return Object.freeze({
    port: Number(rawPort),
    region: env.CHIME_EMULATOR_REGION?.trim() || 'us-east-1',
    accountId,
    rates: /^(off|false|0)$/i.test(rawRates)
      ? false
      : /^(on|true|1|)$/i.test(rawRates)
        ? {}
        : setting('--rates / CHIME_EMULATOR_RATES', () => parseRateSpec(rawRates)),
    ...(rawTarget
      ? {
          eventTarget: setting('--event-target / CHIME_EMULATOR_EVENT_TARGET', () =>
            parseEventTarget(rawTarget),
          ),
        }
      : {}),
  });
}
