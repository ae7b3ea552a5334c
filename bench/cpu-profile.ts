/**
 * Reads a V8 `.cpuprofile` (what `node --cpu-prof` writes) and sums self time by function, by
 * module and by npm package. A bundle built without minification keeps esbuild's
 * `// path/to/module.ts` comments before each module: those attribute a line of the bundle to
 * the module it came from, so a single-file bundle still reports per source file.
 */

/** The parts of a `.cpuprofile` this reads (Chrome DevTools protocol `Profiler.Profile`). */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
      readonly columnNumber: number;
    };
    readonly children?: readonly number[];
  }[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Where each module of a bundle starts: line numbers (0-based) of esbuild's path comments. */
export type ModuleMap = readonly { readonly line: number; readonly module: string }[];

/** The module comments of an unminified esbuild bundle, in line order. */
export function moduleMapOf(source: string): ModuleMap {
  const map: { line: number; module: string }[] = [];
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const match = /^\/\/ ((?:\.\.\/)*[\w@.-][\w@./+-]*\.(?:[cm]?[jt]s|json))$/.exec(lines[i] ?? '');
    if (match?.[1]) map.push({ line: i, module: match[1].replace(/^(\.\.\/)+/, '') });
  }
  return map;
}

const moduleAt = (map: ModuleMap, line: number): string | undefined => {
  let lo = 0;
  let hi = map.length - 1;
  let found: string | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const entry = map[mid] as ModuleMap[number];
    if (entry.line <= line) {
      found = entry.module;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
};

/** `@smithy/core`, `node:internal`, `(own code)`, `(v8)` and so on. */
export function packageOf(module: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(module)?.[1];
  if (pkg) return pkg;
  if (module.startsWith('node:')) return 'node:internal';
  if (module.startsWith('(')) return module;
  return '(own code)';
}

export interface SelfTime {
  readonly key: string;
  readonly ms: number;
  readonly share: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Of the total, the time the thread was busy (not `(idle)`). */
  readonly busyMs: number;
  readonly byFunction: readonly SelfTime[];
  readonly byModule: readonly SelfTime[];
  readonly byPackage: readonly SelfTime[];
  /** Native and V8 frames (writes, microtasks…) by the JavaScript function that called them. */
  readonly nativeByCaller: readonly SelfTime[];
}

/**
 * Self time per function (`name module:line`), per module and per package, largest first;
 * shares are of the busy time. `bundles` maps a script URL to the module map of that file.
 */
export function summarizeProfile(
  profile: CpuProfile,
  bundles: ReadonlyMap<string, ModuleMap> = new Map(),
  top = 25,
): ProfileSummary {
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i += 1) {
    const id = profile.samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const nativeByCaller = new Map<string, number>();
  const parents = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parents.set(child, node.id);
  const nodesById = new Map(profile.nodes.map((node) => [node.id, node]));
  const add = (table: Map<string, number>, key: string, us: number) =>
    table.set(key, (table.get(key) ?? 0) + us);
  let totalUs = 0;
  let idleUs = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    totalUs += us;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const map = bundles.get(url);
    const module =
      (map && moduleAt(map, lineNumber)) ||
      (url === ''
        ? `(${functionName.replace(/[()]/g, '') || 'v8'})`
        : url.replace(/^file:\/\//, ''));
    const label = (fn: string, mod: string, line: number) =>
      `${fn || '(anonymous)'} ${mod}:${line + 1}`;
    add(byFunction, label(functionName, module, lineNumber), us);
    if (url === '') {
      let parent = nodesById.get(parents.get(node.id) ?? -1);
      while (parent && parent.callFrame.url === '' && parents.has(parent.id)) {
        parent = nodesById.get(parents.get(parent.id) ?? -1);
      }
      const frame = parent?.callFrame;
      const callerModule = frame
        ? (bundles.get(frame.url) &&
            moduleAt(bundles.get(frame.url) as ModuleMap, frame.lineNumber)) ||
          frame.url.replace(/^file:\/\//, '') ||
          '(root)'
        : '(root)';
      add(
        nativeByCaller,
        `${functionName} ← ${frame ? label(frame.functionName, callerModule, frame.lineNumber) : '(root)'}`,
        us,
      );
    }
    add(byModule, module, us);
    add(byPackage, packageOf(module), us);
  }
  const busyUs = totalUs - idleUs;
  const ranked = (table: Map<string, number>): SelfTime[] =>
    [...table]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, us]) => ({ key, ms: us / 1000, share: busyUs > 0 ? us / busyUs : 0 }));
  return {
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    byFunction: ranked(byFunction),
    byModule: ranked(byModule),
    byPackage: ranked(byPackage),
    nativeByCaller: ranked(nativeByCaller),
  };
}
