import './error-codes.ts'
import { isAbsolute, resolve } from 'node:path'
import {
  type LoadedPipeline,
  PatchbayError,
  type PipelineDefinition,
  type TrackingPlanRef,
  type ValidateStage,
  type ValidateVerdict,
} from '@patchbay/core'
import type { PatchbayEvent } from '@patchbay/protocol'
import { applyAction, type PlanAction } from './apply-action.ts'
import { type CompiledPlan, compilePlan } from './compile-plan.ts'
import { loadPlanFile } from './load-plan.ts'
import type { ViolationType } from './violation.ts'
import { violationEvents } from './violation-event.ts'

/** Counts from one batch, for metrics: what the stage saw per source, plan version and event. */
export interface PlanCount {
  kind: 'validated' | 'violating' | 'dropped' | 'violation'
  source: string
  plan: string
  version: number
  /** A planned track name, `(unplanned)`, or the call type: a bounded set. */
  event: string
  /** For `violation`. */
  type?: ViolationType
  count: number
}

/** One source's enforced plan. */
export interface EnforcedPlan {
  source: string
  file: string
  name: string
  version: number
}

export interface PlanEnforcement {
  /** The validate stage for `createPipeline({ validate })`; undefined when no source has a plan. */
  readonly stage: ValidateStage | undefined
  /** The plans in force now. */
  plans(): EnforcedPlan[]
  /**
   * Loads the sources' plans again (from a freshly loaded pipeline file: a new plan version
   * needs the pipeline's `trackingPlan.version` bumped too) and swaps them in between two
   * batches: nothing in flight is lost or checked half by each. On any error the plans in
   * force stay, and the error is thrown.
   */
  reload(loaded?: PipelineInput): EnforcedPlan[]
}

type PipelineInput = LoadedPipeline | { definition: PipelineDefinition; baseDir: string; file?: string }

interface Active {
  ref: TrackingPlanRef
  file: string
  compiled: CompiledPlan
  actions: Record<string, PlanAction>
}

/**
 * Loads and compiles every source's `trackingPlan` (once; see `reload`) and returns the
 * validate stage that enforces them: each event of a source with a plan is checked, and a
 * violating one forwarded with `context.violationErrors`, dropped or stripped of the
 * offending properties, per its type's action; with `violationsTo`, a `Violation Generated`
 * track per violation goes to that destination only.
 *
 * @example
 * const loaded = loadPipelineFile('pipeline.yaml')
 * const plans = enforcePlans(loaded)
 * const pipeline = await createPipeline(loaded, { validate: plans.stage })
 */
export function enforcePlans(
  loaded: PipelineInput,
  options: { observe?: (counts: PlanCount[]) => void } = {},
): PlanEnforcement {
  let active = loadActive(loaded)
  const hasAny = active.size > 0
  const stage: ValidateStage = {
    label: (sourceId) => `sources.${sourceId ?? '?'}.trackingPlan`,
    check(events, at) {
      const plan = at.sourceId === undefined ? undefined : active.get(at.sourceId)
      if (!plan) return events.map((event) => ({ events: [event] }))
      return checkBatch(plan, events, at.sourceId!, options.observe)
    },
  }
  return {
    stage: hasAny ? stage : undefined,
    plans: () => describe(active),
    reload(next = loaded) {
      const fresh = loadActive(next)
      loaded = next
      active = fresh
      return describe(active)
    },
  }
}

function describe(active: Map<string, Active>): EnforcedPlan[] {
  return [...active].map(([source, a]) => ({
    source,
    file: a.file,
    name: a.compiled.name,
    version: a.compiled.version,
  }))
}

function loadActive(loaded: PipelineInput): Map<string, Active> {
  const { definition, baseDir } = loaded
  const locate = 'locate' in loaded ? loaded.locate : undefined
  const destinations = new Set(definition.destinations.map((d) => d.id))
  const active = new Map<string, Active>()
  for (const [index, source] of (definition.sources ?? []).entries()) {
    const ref = source.trackingPlan
    if (!ref) continue
    const at = locate?.(`/sources/${index}/trackingPlan`)
    const where = at ? `${at.file}:${at.line}:${at.column}: ` : ''
    const file = isAbsolute(ref.file) ? ref.file : resolve(baseDir, ref.file)
    const { plan } = loadPlanFile(file)
    if (plan.version !== ref.version)
      throw new PatchbayError(
        'PB_PLAN_VERSION',
        `${where}sources.${source.id}.trackingPlan names version ${ref.version} of ${ref.file}, but the plan file is version ${plan.version} (plan ${plan.name})`,
        {
          step: `sources.${source.id}`,
          field: `/sources/${index}/trackingPlan/version`,
          file: at?.file,
          line: at?.line,
        },
      )
    if (ref.violationsTo !== undefined && !destinations.has(ref.violationsTo))
      throw new PatchbayError(
        'PB_PLAN_DESTINATION',
        `${where}sources.${source.id}.trackingPlan.violationsTo is "${ref.violationsTo}", but the pipeline's destinations are ${[...destinations].join(', ')}`,
        {
          step: `sources.${source.id}`,
          field: `/sources/${index}/trackingPlan/violationsTo`,
          file: at?.file,
          line: at?.line,
        },
      )
    const fallback = ref.actions?.default ?? 'forward'
    const actions: Record<string, PlanAction> = {}
    for (const type of ['track', 'identify', 'group', 'page', 'screen', 'alias'] as const)
      actions[type] = ref.actions?.[type] ?? fallback
    active.set(source.id, { ref, file, compiled: compilePlan(plan), actions })
  }
  return active
}

function checkBatch(
  plan: Active,
  events: readonly PatchbayEvent[],
  source: string,
  observe: ((counts: PlanCount[]) => void) | undefined,
): ValidateVerdict[] {
  const { compiled } = plan
  const tally = observe ? new Map<string, PlanCount>() : undefined
  const count = (kind: PlanCount['kind'], event: string, type?: ViolationType) => {
    if (!tally) return
    const key = `${kind}\u0000${event}\u0000${type ?? ''}`
    const found = tally.get(key)
    if (found) found.count++
    else
      tally.set(key, {
        kind,
        source,
        plan: compiled.name,
        version: compiled.version,
        event,
        ...(type ? { type } : {}),
        count: 1,
      })
  }
  const verdicts = events.map((event): ValidateVerdict => {
    const violations = compiled.validate(event)
    const label = tally ? compiled.label(event) : ''
    count('validated', label)
    if (violations.length === 0) return { events: [event] }
    count('violating', label)
    for (const type of new Set(violations.map((v) => v.type))) count('violation', label, type)
    const applied = applyAction(plan.actions[event.type] ?? 'forward', event, violations, compiled)
    const reports =
      plan.ref.violationsTo === undefined
        ? []
        : violationEvents(event, violations, compiled, {
            sourceId: source,
            destination: plan.ref.violationsTo,
          })
    if (applied.event === undefined) {
      count('dropped', label)
      return { events: reports, dropped: applied.dropped }
    }
    return { events: [applied.event, ...reports] }
  })
  if (tally && tally.size > 0) observe!([...tally.values()])
  return verdicts
}
