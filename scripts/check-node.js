// Root postinstall: after `npm ci`, make sure the Node that npm scripts and npx run in this
// checkout is Node 24 (the project-local node-<platform> package, or the machine's own),
// and fail the install with one line when it is not. Runs on that very Node (npm puts
// node_modules/.bin first on PATH), so checking `process.versions` checks what scripts get.
// Syntax any Node since 12 parses: on a Node too old to run Patchbay it must still explain.
import { NEED_MAJOR, nodePackage } from '../packages/cli/bin/_require-node.js'

const version = process.versions.node
const npmNode = (/ node\/v(\S+)/.exec(process.env.npm_config_user_agent || '') || [])[1]

if (Number(version.split('.')[0]) >= NEED_MAJOR) {
  if (npmNode && Number(npmNode.split('.')[0]) < NEED_MAJOR) {
    console.log(
      `patchbay: npm ran on Node.js ${npmNode}; npm scripts and npx in this checkout run Node.js ${version} from node_modules/.bin (${nodePackage()}), so EBADENGINE warnings about ${npmNode} do not apply.`,
    )
  }
} else {
  const pkg = nodePackage()
  const why = pkg
    ? `npm installed no ${pkg} into node_modules`
    : `npm has no Node.js build for ${process.platform}-${process.arch}`
  console.error(
    `patchbay: npm scripts here would run Node.js ${version} (${process.execPath}); Patchbay needs Node.js ${NEED_MAJOR} or newer, and ${why}. Install Node.js ${NEED_MAJOR} (https://nodejs.org/en/download), then run: npm ci`,
  )
  process.exit(1)
}
