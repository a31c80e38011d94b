/** A scaffold that cannot go ahead; nothing was written. `field` names the flag or prompt at fault. */
export class ScaffoldError extends Error {
  override name = 'ScaffoldError'
  readonly field: string | undefined
  constructor(message: string, field?: string) {
    super(message)
    this.field = field
  }
}
