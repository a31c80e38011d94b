import { describe, expect, it } from 'vitest'
import { checkConfigSchema, describeConnector, expectContract } from '../src/index.ts'
import * as p from './_plugins.ts'

// The generated suite over plugins that keep the contract: every generated test must pass.
describeConnector(p.good)
describeConnector(p.goodTransformation)

describe('expectContract', () => {
  it('fails the test with what the contract requires, what the plugin did, and how to fix it', () => {
    expect(() => expectContract(checkConfigSchema(p.unmarked))).toThrow(
      /contract: secrets-marked\n {2}requires: Every config field that holds a credential[\s\S]*what the plugin did: these fields are not marked: \/apiKey[\s\S]*how to fix: Wrap each in Secret/,
    )
  })

  it('passes when nothing is violated', () => {
    expect(() => expectContract(checkConfigSchema(p.good))).not.toThrow()
  })
})
