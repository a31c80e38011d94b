/**
 * The result of one contract check. `message` says what the contract requires, what the
 * plugin did, and how to fix it; it is what a failing test prints.
 */
export interface Finding {
  rule: string
  ok: boolean
  message: string
}

export const pass = (rule: string, message = 'ok'): Finding => ({ rule, ok: true, message })

export const violation = (rule: string, requires: string, did: string, fix: string): Finding => ({
  rule,
  ok: false,
  message: `${requires}\n  what the plugin did: ${did}\n  how to fix: ${fix}`,
})
