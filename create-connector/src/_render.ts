/** Values a template may test in `#if` lines and insert as `{{key}}`. */
export type TemplateVars = Record<string, string | boolean>

const DIRECTIVE = /^\s*(?:\/\/|<!--|#)\s*#(if|else|endif)\b\s*(.*?)\s*(?:-->)?\s*$/

/** `kind=source`, `auth!=none`, `batching`, `!batching`. */
function holds(condition: string, vars: TemplateVars): boolean {
  const comparison = /^(\w+)\s*(!?=)\s*([\w-]+)$/.exec(condition)
  if (comparison) {
    const [, key, op, value] = comparison
    const equal = String(vars[key!]) === value
    return op === '=' ? equal : !equal
  }
  const flag = /^(!?)(\w+)$/.exec(condition)
  if (flag) return flag[1] === '!' ? !vars[flag[2]!] : Boolean(vars[flag[2]!])
  throw new Error(`bad template condition "${condition}"`)
}

/**
 * Renders a template file: keeps the lines between `// #if cond` (or `<!-- #if cond -->`, or
 * `# #if cond` in files commented with #)
 * and `#else`/`#endif` whose condition holds, drops the directives, and replaces `{{key}}`.
 * Blocks nest. Templates stay valid-looking TypeScript/JSON/Markdown for their readers.
 */
export function renderTemplate(text: string, vars: TemplateVars, file = 'template'): string {
  const out: string[] = []
  const stack: Array<{ active: boolean }> = []
  const active = () => stack.every((frame) => frame.active)
  for (const [index, line] of text.split('\n').entries()) {
    const directive = DIRECTIVE.exec(line)
    if (!directive) {
      if (active()) out.push(line)
      continue
    }
    const [, word, condition] = directive
    const where = `${file}:${index + 1}`
    if (word === 'if') stack.push({ active: holds(condition!, vars) })
    else if (word === 'else') {
      const frame = stack.at(-1)
      if (!frame) throw new Error(`${where}: #else without #if`)
      frame.active = !frame.active
    } else if (!stack.pop()) throw new Error(`${where}: #endif without #if`)
  }
  if (stack.length > 0) throw new Error(`${file}: ${stack.length} #if without #endif`)
  return out.join('\n').replace(/\{\{(\w+)\}\}/g, (match, key: string) => {
    if (!(key in vars)) throw new Error(`${file}: unknown template value ${match}`)
    return String(vars[key])
  })
}
