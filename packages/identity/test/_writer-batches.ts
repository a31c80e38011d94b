/**
 * The batches the crash tests' writers stitch: 20 events of round `round` of writer `writer`,
 * each with a new anonymousId (`anon-<writer>-<round>-<k>`, so the stored graph tells which
 * batches it holds), one of 50 userIds and one of 5 devices shared by every writer: batches
 * merge people, conflict on the caps and re-run components, out of time order.
 */
export function writerBatch(writer: number, round: number): Array<Record<string, unknown>> {
  return Array.from({ length: 20 }, (_, k) => {
    const n = round * 20 + k
    return {
      type: 'identify',
      messageId: `m-${writer}-${n}`,
      timestamp: new Date(
        Date.UTC(2026, 10, 1) + ((n * 7919 + writer * 104_729) % 100_000) * 60_000,
      ).toISOString(),
      anonymousId: `anon-${writer}-${round}-${k}`,
      userId: `user-${(round * 7 + k + writer * 3) % 50}`,
      context: { device: { id: `dev-${k % 5}` } },
    }
  })
}

/** No blocklisting (which is sticky, so order-dependent): the partition is then a function of the batches stitched. */
export const WRITER_SETTINGS = { blocklist: { after: 1_000_000 } }
