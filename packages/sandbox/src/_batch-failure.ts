import './error-codes.ts'
import { PatchbayError } from '@patchbay/core'
import { type DecodeContext, logsOf } from './_decode.ts'
import type { BatchFailure } from './_execute.ts'
import type { SandboxLog } from './types.ts'

/** The error every event of a batch gets when the batch as a whole failed. */
export function batchFailure(
  failure: BatchFailure,
  count: number,
  ctx: DecodeContext,
): { error: PatchbayError; logs: SandboxLog[] } {
  const base = { step: ctx.step, file: ctx.filename }
  const batch = `the batch of ${count} event${count === 1 ? '' : 's'} failed`
  switch (failure.kind) {
    case 'memory':
      return {
        error: new PatchbayError(
          'PB_SANDBOX_MEMORY_LIMIT',
          `${ctx.filename}: the transform ran out of memory (isolate memory limit ${ctx.memoryLimitMb} MB); ${batch}`,
          { ...base, details: { memoryLimitMb: ctx.memoryLimitMb } },
        ),
        logs: [],
      }
    case 'cpu-timeout':
      return {
        error: new PatchbayError(
          'PB_SANDBOX_TIMEOUT',
          `${ctx.filename}: the transform ran for more than ${ctx.cpuTimeMs} ms without yielding (an endless loop or a catastrophic regex?); ${batch}`,
          { ...base, details: { cpuTimeMs: ctx.cpuTimeMs } },
        ),
        logs: [],
      }
    case 'wall-timeout':
      return {
        error: new PatchbayError(
          'PB_SANDBOX_TIMEOUT',
          `${ctx.filename}: the batch did not finish within ${ctx.wallTimeMs} ms, awaited promises and fetches included; ${batch}`,
          { ...base, details: { wallTimeMs: ctx.wallTimeMs } },
        ),
        logs: [],
      }
    case 'never-settled':
      return {
        error: new PatchbayError(
          'PB_SANDBOX_TIMEOUT',
          `${ctx.filename}: ${ctx.kind} returned a promise that can never settle (it awaits something nothing will resolve); ${batch}`,
          { ...base, hint: 'Make sure every promise the transform awaits is resolved or rejected.' },
        ),
        logs: logsFromJson(failure.logs),
      }
    case 'input':
      return {
        error: new PatchbayError(
          'PB_TRANSFORM_FAILED',
          `${ctx.filename}: the events could not be copied into the sandbox: ${failure.message}`,
          {
            ...base,
            hint: 'Events must be plain JSON data (no functions or class instances).',
          },
        ),
        logs: [],
      }
    case 'worker':
      return {
        error: new PatchbayError(failure.code, `${ctx.filename}: ${failure.message}; ${batch}`, {
          ...base,
          details: { memoryLimitMb: ctx.memoryLimitMb, wallTimeMs: ctx.wallTimeMs },
        }),
        logs: [],
      }
    case 'output':
      return {
        error: new PatchbayError(
          'PB_SANDBOX_OUTPUT_LIMIT',
          `${ctx.filename}: the output of the whole batch is more than ${failure.chars} characters of JSON, over the batch limit of ${ctx.batchOutputLimitBytes} (sandbox batchOutputLimitBytes); ${batch}`,
          { ...base, details: { batchOutputLimitBytes: ctx.batchOutputLimitBytes } },
        ),
        logs: [],
      }
    case 'values':
      return {
        error: new PatchbayError(
          'PB_SANDBOX_OUTPUT_LIMIT',
          `${ctx.filename}: the output of the whole batch holds more than ${ctx.batchOutputLimitValues} objects, arrays and strings (keys included), over the batch limit (sandbox batchOutputLimitValues); ${batch}`,
          {
            ...base,
            hint: 'Return fewer values per event (an array of numbers costs little, one of objects or strings much more), send smaller batches, or raise batchOutputLimitValues.',
            details: { batchOutputLimitValues: ctx.batchOutputLimitValues },
          },
        ),
        logs: [],
      }
    case 'internal':
      return {
        error: new PatchbayError(
          'PB_TRANSFORM_FAILED',
          `${ctx.filename}: the sandbox failed while running the transform: ${failure.message}`,
          base,
        ),
        logs: [],
      }
  }
}

function logsFromJson(json: string): SandboxLog[] {
  try {
    return logsOf(JSON.parse(json))
  } catch {
    return []
  }
}
