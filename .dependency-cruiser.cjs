/**
 * Layer rules for Fleetdesk ("Bad layering" fails CI).
 *
 *   domain      imports nothing outside itself (no npm packages, no Node core modules)
 *   app         may import domain
 *   renderer    may import domain, and app/contract type-only; a feature
 *               (renderer/src/features/<f>/) imports no other feature, only
 *               renderer/src/shared/ and renderer/src/app/ (which composes features)
 *   main        may import app/host, app/host-electron and app/contract (their index.ts),
 *               never renderer or sync-server
 *   sync-server may import domain
 *
 * Inside a layer, each first-level folder is a bounded context; another context may
 * import only its index.ts. tools/layer-rules.test.ts proves these rules bite.
 */
const LAYERS = '(domain|app|renderer|main|sync-server)';
const TEST_FILE = '\\.test\\.tsx?$|\\.contract\\.ts$|/test-support/';

module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'domain/ imports nothing outside domain/: no npm packages, no Node or DOM APIs.',
      severity: 'error',
      from: { path: '^domain/', pathNot: TEST_FILE },
      to: { pathNot: '^domain/' },
    },
    {
      name: 'domain-tests-only-test-tools',
      comment: 'domain tests may add only the test runner and fast-check.',
      severity: 'error',
      from: { path: '^domain/.*(' + TEST_FILE + ')' },
      to: { pathNot: '^domain/|^node_modules/(vitest|fast-check|@vitest)/' },
    },
    {
      name: 'app-not-into-ui-shell-or-server',
      severity: 'error',
      from: { path: '^app/', pathNot: TEST_FILE },
      to: { path: '^(renderer|main|sync-server)/' },
    },
    {
      name: 'app-tests-only-server-launcher',
      comment:
        'Desktop-core tests run against the real sync server process, started by its test-support launcher.',
      severity: 'error',
      from: { path: '^app/.*(' + TEST_FILE + ')' },
      to: { path: '^(renderer|main)/|^sync-server/(?!test-support/)' },
    },
    {
      name: 'renderer-only-domain-and-contract',
      comment: 'renderer/ talks only to the operator API; it never reaches app internals or Node.',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: '^(main|sync-server)/|^app/(?!contract/index\\.ts$)' },
    },
    {
      name: 'renderer-contract-type-only',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: '^app/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'renderer-no-node',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'renderer-features-apart',
      comment:
        'A renderer feature imports no other feature: what features share lives in renderer/src/shared/, and renderer/src/app/ composes them.',
      severity: 'error',
      from: { path: '^renderer/src/features/([^/]+)/', pathNot: TEST_FILE },
      to: { path: '^renderer/src/features/', pathNot: '^renderer/src/features/$1/' },
    },
    {
      name: 'renderer-shared-below-features',
      comment:
        'renderer/src/shared/ is what features build on; it never imports a feature or the app.',
      severity: 'error',
      from: { path: '^renderer/src/shared/' },
      to: { path: '^renderer/src/(features|app)/' },
    },
    {
      name: 'main-only-app-host-and-contract',
      comment:
        'main/ is the thin Electron shell: app host/contract (and the key store, for safeStorage) only, never renderer.',
      severity: 'error',
      from: { path: '^main/', pathNot: TEST_FILE },
      to: {
        path: '^(renderer|sync-server)/|^app/(?!(host|host-electron|contract|keystore)/index\\.ts$)',
      },
    },
    {
      name: 'sync-server-only-domain',
      severity: 'error',
      from: { path: '^sync-server/' },
      to: { path: '^(app|renderer|main)/' },
    },
    {
      name: 'no-deep-import-across-contexts',
      comment:
        'Another bounded context is reached only through its index.ts (tests may use shared test-support).',
      severity: 'error',
      from: { path: '^' + LAYERS + '/([^/]+)/', pathNot: TEST_FILE },
      to: {
        path: '^' + LAYERS + '/[^/]+/.+',
        pathNot: ['^$1/$2/', '^' + LAYERS + '/[^/]+/index\\.tsx?$'],
      },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-dev-deps-in-production-code',
      severity: 'error',
      from: {
        path: '^(domain|app|main|renderer|sync-server)/',
        // Build configuration (vite.config.ts) runs at build time only, like the tests.
        pathNot: TEST_FILE + '|^[^/]+/bench/|\\.config\\.ts$',
      },
      to: {
        dependencyTypes: ['npm-dev'],
        dependencyTypesNot: ['type-only'],
        pathNot: '^node_modules/electron/',
      },
    },
  ],
  options: {
    // node_modules is not followed but must NOT be excluded: an excluded module's edges are
    // dropped, so `domain-is-pure` and `no-dev-deps-in-production-code` would never see an
    // import of an npm package (tools/layer-rules.test.ts proves they do).
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(\\.tsbuild|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
  },
};
