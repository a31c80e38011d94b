import type { PlanCount } from '@patchbay/tracking-plan'
import { Counter, type Registry } from 'prom-client'

/**
 * Tracking plan counters, per source, plan, plan version and event:
 * `patchbay_plan_events_total{source,plan,version,event,outcome}` (outcome: validated,
 * violating, dropped) and `patchbay_plan_violations_total{source,plan,version,event,type}`
 * (type: one of the five violation types). Bounded: `event` is a track name the plan
 * defines, `(unplanned)`, or a call type (never a name from traffic); sources and plans
 * come from the pipeline; versions change only with a reload.
 */
export function createPlanMetrics(registers: Registry[]): (counts: readonly PlanCount[]) => void {
  const events = new Counter({
    name: 'patchbay_plan_events_total',
    help: 'Events a tracking plan checked, per source, plan, version, event and outcome (validated: all checked; violating: with at least one violation; dropped: by the drop action).',
    labelNames: ['source', 'plan', 'version', 'event', 'outcome'] as const,
    registers,
  })
  const violations = new Counter({
    name: 'patchbay_plan_violations_total',
    help: 'Violating events per violation type (Unplanned-Event, Required-Missing, Datatype-Mismatch, Additional-Properties, Unknown-Violation), source, plan, version and event.',
    labelNames: ['source', 'plan', 'version', 'event', 'type'] as const,
    registers,
  })
  return (counts) => {
    for (const c of counts) {
      const labels = { source: c.source, plan: c.plan, version: String(c.version), event: c.event }
      if (c.kind === 'violation') violations.inc({ ...labels, type: c.type! }, c.count)
      else events.inc({ ...labels, outcome: c.kind }, c.count)
    }
  }
}
