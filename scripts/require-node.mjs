// Run before `npm test` and `npm start` (and by `npm ci` through .npmrc's engine-strict, which
// stops before node_modules is touched): one line instead of a later, obscure failure.
// Plain JavaScript that any Node since 12 can parse. The floor is package.json's engines range:
// the @sparticuz/chromium devDependency needs 22.17 within the 22 line.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 17) || major === 23) {
  process.stderr.write(
    `Node.js 22 is required (22.17 or later; this is ${process.version}): see .nvmrc and the README's prerequisites.\n`,
  );
  process.exit(1);
}
