/** Settings of the emulator CLI (`main.ts`). */
export interface EmulatorConfig {
  readonly port: number;
  readonly region: string;
  readonly accountId: string;
}

/** The port the CLI listens on when `CHIME_EMULATOR_PORT` is unset. */
export const DEFAULT_PORT = 3001;

/**
 * Reads the CLI settings from the environment, failing fast with the variable's name:
 * `CHIME_EMULATOR_PORT` (default 3001), `CHIME_EMULATOR_REGION` (default us-east-1) and
 * `CHIME_EMULATOR_ACCOUNT_ID` (default 123456789012).
 */
export function parseEmulatorConfig(
  env: Readonly<Record<string, string | undefined>>,
): EmulatorConfig {
  const rawPort = env.CHIME_EMULATOR_PORT?.trim() || String(DEFAULT_PORT);
  const port = /^\d+$/.test(rawPort) ? Number(rawPort) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new Error(`CHIME_EMULATOR_PORT must be a port number from 0 to 65535, got ${rawPort}`);
  }
  const region = env.CHIME_EMULATOR_REGION?.trim() || 'us-east-1';
  const accountId = env.CHIME_EMULATOR_ACCOUNT_ID?.trim() || '123456789012';
  if (!/^\d{12}$/.test(accountId)) {
    throw new Error('CHIME_EMULATOR_ACCOUNT_ID must be 12 digits');
  }
  return Object.freeze({ port, region, accountId });
}
