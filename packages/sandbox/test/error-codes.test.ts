import { errorCodeSpec, PatchbayError } from '@patchbay/core'
import { describe, expect, it } from 'vitest'
import { SANDBOX_ERROR_CODES } from '../src/index.ts'

describe('sandbox error codes', () => {
  it('are registered in core, owned by @patchbay/sandbox', () => {
    for (const code of Object.keys(SANDBOX_ERROR_CODES)) {
      expect(errorCodeSpec(code)?.package, code).toBe('@patchbay/sandbox')
    }
  })

  it('say what they do to a batch, so a host bisects or counts attempts without a list of codes', () => {
    const effect = (code: keyof typeof SANDBOX_ERROR_CODES) => {
      const error = new PatchbayError(code, 'x')
      return [error.poisonsBatch, error.takesWorkerDown]
    }
    expect(effect('PB_SANDBOX_TIMEOUT')).toEqual([true, true])
    expect(effect('PB_SANDBOX_CRASHED')).toEqual([true, true])
    expect(effect('PB_SANDBOX_MEMORY_LIMIT')).toEqual([true, true])
    expect(effect('PB_SANDBOX_OUTPUT_LIMIT')).toEqual([true, false])
    expect(effect('PB_SANDBOX_COMPILE')).toEqual([false, false])
  })
})
