// A Jest reporter that lists the slowest test files after the run, so a slow file is seen
// where it is introduced. Plain ESM: Jest loads reporters without transforming them.
import { relative } from 'node:path';

export default class SlowFilesReporter {
  /** @param {unknown} _globalConfig @param {{ count?: number }} [options] */
  constructor(_globalConfig, options = {}) {
    this.count = options.count ?? 10;
  }

  /** @param {unknown} _contexts @param {{ testResults: { testFilePath: string, perfStats: { runtime: number } }[] }} results */
  onRunComplete(_contexts, results) {
    const files = results.testResults
      .map((file) => ({
        path: relative(process.cwd(), file.testFilePath),
        ms: file.perfStats.runtime,
      }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, this.count);
    if (files.length < 2) return;
    const lines = files.map(({ path, ms }) => `  ${(ms / 1000).toFixed(1).padStart(6)} s  ${path}`);
    process.stderr.write(`\nSlowest test files:\n${lines.join('\n')}\n`);
  }
}
