import { type SecretForm, type SecretFormName, secretForms } from './secret-forms.ts'

/** Where a secret was found in a text, and in which form. */
export interface SecretMatch {
  secret: string
  form: SecretFormName
  /** Start and end (exclusive) of the text to blank: the whole base64 run for base64 forms. */
  start: number
  end: number
}

/** Finds every form of a set of secrets in a text. */
export interface SecretMatcher {
  /** The secrets that have forms (long enough to match). */
  readonly secrets: readonly string[]
  /** Every match, in order, overlapping ones merged. */
  matches(text: string): SecretMatch[]
  /** The first match, or undefined when no form of any secret is in `text`. */
  find(text: string): SecretMatch | undefined
}

/**
 * Builds one matcher over every form ({@link secretForms}) of every secret. Redaction and
 * leak searches share it, so what one replaces is what the other looks for.
 *
 * @example
 * createSecretMatcher(['s3cret-token']).find('Basic eDpzM2NyZXQtdG9rZW4=')?.form // 'base64'
 */
export function createSecretMatcher(secrets: Iterable<string>): SecretMatcher {
  const byText = new Map<string, { secret: string; form: SecretForm }>()
  const kept: string[] = []
  for (const secret of secrets) {
    const forms = secretForms(secret)
    if (forms.length > 0) kept.push(secret)
    for (const form of forms) if (!byText.has(form.text)) byText.set(form.text, { secret, form })
  }
  // Longest first, so a form that contains another is replaced whole.
  const texts = [...byText.keys()].sort((a, b) => b.length - a.length)
  const pattern = texts.length ? new RegExp(texts.map(toPattern).join('|'), 'g') : undefined

  const lookup = (found: string) =>
    byText.get(found) ??
    // A percent escape matched in the other letter case.
    [...byText.values()].find((v) => v.form.text.toLowerCase() === found.toLowerCase())!

  const matches = (text: string): SecretMatch[] => {
    if (!pattern || text.length === 0) return []
    const out: SecretMatch[] = []
    pattern.lastIndex = 0
    for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
      const { secret, form } = lookup(m[0])
      let start = m.index
      let end = m.index + m[0].length
      if (form.run) {
        while (start > 0 && form.run.test(text[start - 1]!)) start--
        while (end < text.length && form.run.test(text[end]!)) end++
        while (end < text.length && text[end] === '=' && form.form === 'base64') end++
      }
      const previous = out.at(-1)
      if (previous && start <= previous.end) previous.end = Math.max(previous.end, end)
      else out.push({ secret, form: form.form, start, end })
      pattern.lastIndex = Math.max(end, m.index + 1)
    }
    return out
  }

  return {
    secrets: kept,
    matches,
    find: (text) => matches(text)[0],
  }
}

/** A literal, except that percent escapes match in either letter case (`%2f` and `%2F`). */
function toPattern(text: string): string {
  return text
    .split(/(%[0-9A-F]{2})/)
    .map((part, i) =>
      i % 2 === 1
        ? `%[${part[1]}${part[1]!.toLowerCase()}][${part[2]}${part[2]!.toLowerCase()}]`
        : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('')
}
