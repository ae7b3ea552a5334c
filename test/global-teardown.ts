import { rmSync } from 'node:fs';

/** Removes the suite's one synthesized assembly (see global-setup.ts). */
export default function globalTeardown(): void {
  const dir = process.env.CHIME_BFF_SYNTH_DIR;
  if (dir) rmSync(dir, { recursive: true, force: true });
}
