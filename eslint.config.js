// One lint tool, and the layer rules of DESIGN.md as lint rules (see docs/architecture.md).
import tseslint from 'typescript-eslint';

const noClock = {
  'no-restricted-globals': [
    'error',
    { name: 'Date', message: 'Read time through the Clock port (engine) or take `now` as an argument (core).' },
    { name: 'setTimeout', message: 'Timers are data: return them, the engine schedules them through the Clock port.' },
    { name: 'setInterval', message: 'Timers are data: return them, the engine schedules them through the Clock port.' },
    {
      name: 'setImmediate',
      message: 'Timers are data: return them, the engine schedules them through the Clock port.',
    },
    { name: 'clearTimeout', message: 'Timers are data; cancel them through the Clock port.' },
    { name: 'clearInterval', message: 'Timers are data; cancel them through the Clock port.' },
    { name: 'performance', message: 'Read time through the Clock port.' },
    { name: 'process', message: 'No process access in the pure layers.' },
  ],
  'no-restricted-properties': [
    'error',
    { object: 'Math', property: 'random', message: 'No hidden randomness in the pure layers.' },
  ],
};

// The SIP services that wait on the engine's Clock port (ring steps, retransmissions, presence
// holds, publication expiry): a stray setTimeout there could not be driven by a manual clock.
const SIP_ON_THE_CLOCK = [
  'src/sip/call-*.ts',
  'src/sip/calls.ts',
  'src/sip/proxy.ts',
  'src/sip/ring-*.ts',
  'src/sip/presence.ts',
  'src/sip/presence-notify.ts',
  'src/sip/publish.ts',
  'src/sip/subscription-store.ts',
  'src/sip/transactions.ts',
  'src/sip/outgoing.ts',
];
const onTheClock = {
  'no-restricted-globals': [
    'error',
    ...noClock['no-restricted-globals'].slice(1).filter((g) => g.name !== 'process' && g.name !== 'performance'),
    { name: 'Date', message: 'Read time through the Clock port (ctx.now(), ports.clock).' },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'web/dist/**', 'data/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests read loosely typed JSON answers.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // core/: pure rules. Imports only its own files; no node: module, no clock, no I/O.
    files: ['src/core/**/*.ts'],
    rules: {
      ...noClock,
      'no-console': 'error',
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(?!\\./)', message: 'core/ imports nothing outside core/ (DESIGN.md).' }] },
      ],
      // Plain data and functions: speed machinery (classes with state, typed arrays) is the engine's.
      'no-restricted-syntax': [
        'error',
        { selector: 'ClassDeclaration, ClassExpression', message: 'core/ has no class: plain records and functions.' },
        {
          selector: 'NewExpression[callee.name=/^(Int|Uint|Float|BigInt|BigUint)(8|16|32|64)(Clamped)?Array$/]',
          message: 'core/ has no typed array: the speed machinery lives in engine/.',
        },
        {
          selector: 'TSAsExpression > TSAsExpression[typeAnnotation.type="TSUnknownKeyword"]',
          message: 'core/ has no `as unknown as`.',
        },
      ],
    },
  },
  {
    // engine/: may import core/ only; time comes through the Clock port.
    files: ['src/engine/**/*.ts'],
    rules: {
      ...noClock,
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(?!\\./|\\.\\./core/)', message: 'engine/ imports core/ only (DESIGN.md).' }] },
      ],
    },
  },
  {
    // store/ may import core/ types only.
    files: ['src/store/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(engine|sip|http|feed|webhooks|app|cli|cluster|auth)/',
              message: 'store/ imports core/ types only (DESIGN.md).',
            },
          ],
        },
      ],
    },
  },
  {
    // shared/: tools more than one adapter needs (the login limiter of HTTP and SIP, the metrics of
    // HTTP, SIP and the feed) and that hold no rule of the core. Adapters may not import each other,
    // so these live beside them; they import nothing of the project but shared/ itself.
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^\\.\\./', message: 'shared/ imports only shared/ (and libraries).' }] },
      ],
    },
  },
  {
    files: ['src/sip/**/*.ts', 'src/feed/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(store|http|webhooks|app|cli|sip|feed|cluster|auth)/',
              message: 'sip/ and feed/ import the engine API and core/ types only (DESIGN.md).',
            },
          ],
        },
      ],
    },
  },
  {
    files: SIP_ON_THE_CLOCK,
    rules: onTheClock,
  },
  {
    // auth/: accounts, shared by every surface. HTTP imports it; SIP and the feed get functions of
    // it by injection (app/server.ts). It refuses with HTTP's refusal and counts with the shared limiter.
    files: ['src/auth/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(sip|feed|webhooks|app|cli|cluster)/|^\\.\\./http/(?!errors\\.js$)',
              message: 'auth/ imports core/, the engine API, the store port, shared/ and http/errors.ts only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/http/**/*.ts', 'src/webhooks/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(sip|feed|app|cli|cluster)/',
              message: 'http/ and webhooks/ import the engine API and the store port only (DESIGN.md).',
            },
          ],
        },
      ],
    },
  },
  {
    // calendar/ (S11.3): fetches feeds through the webhooks' address policy and hands windows to the engine.
    files: ['src/calendar/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(store|http|sip|feed|app|cli|cluster|auth)/',
              message: 'calendar/ imports the engine API, core/ and the address policy only (DESIGN.md).',
            },
          ],
        },
      ],
    },
  },
  {
    // web/: the browser app. It may share the core's pure tables (statuses, error words), nothing else.
    files: ['web/src/**/*.ts', 'web/src/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+src/(?!core/)',
              message: 'web/ imports only src/core/ from the server side (DESIGN.md).',
            },
            { regex: '^node:', message: 'web/ runs in the browser.' },
          ],
        },
      ],
    },
  },
  {
    // cluster/: the NATS JetStream bus (S10). It implements the engine's Bus port over the nats
    // packages and is wired by app/ only.
    files: ['src/cluster/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(store|http|feed|sip|webhooks|app|cli)/',
              message: 'cluster/ imports the engine API and core/ types only (docs/architecture.md).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^\\.\\./cluster/', message: 'only app/ wires the cluster bus.' }] },
      ],
    },
  },
  {
    files: ['src/app/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^\\.\\./cli/', message: 'app/ does not import cli/.' },
            // Each adapter's index.ts is its public face; the wiring sees nothing behind it.
            {
              regex: '^\\.\\./(http|sip|feed|webhooks|calendar|cluster|auth)/(?!index\\.js$)',
              message: 'app/ imports an adapter through its index.ts only.',
            },
          ],
        },
      ],
    },
  },
  {
    // Code a newcomer can live in: a file is one idea, a function fits a screen. A dispatch table
    // or switch may be longer, with an eslint-disable comment giving the reason.
    files: ['src/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 400, skipBlankLines: false, skipComments: false }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
);
