import { defineConfig } from 'vitest/config'

// Unit tests cover pure TypeScript (validators, API error parsing, i18n tables), so they
// run in plain Node without a DOM.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
})
