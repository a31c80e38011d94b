/**
 * Preloaded (`--import`) into a child gateway whose clock must be wrong: `Date.now` returns
 * the machine's time plus `PB_TEST_CLOCK_SKEW_MS` (negative: behind), as on a machine whose
 * clock drifted. The database's clock stays right.
 */
const skew = Number(process.env.PB_TEST_CLOCK_SKEW_MS ?? 0)
const machineNow = Date.now
Date.now = () => machineNow() + skew
