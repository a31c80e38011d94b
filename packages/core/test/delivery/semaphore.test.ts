import { expect, it } from 'vitest'
import { createSemaphore } from '../../src/delivery/_semaphore.ts'

it('serves waiters first come, first served, never more than the limit at once, through a long queue', async () => {
  const semaphore = createSemaphore(3)
  let active = 0
  let most = 0
  const order: number[] = []
  // More waiters than the queue keeps before it compacts (1,024 served), several times over.
  const tasks = Array.from({ length: 5_000 }, async (_, i) => {
    if (!semaphore.tryAcquire()) await semaphore.acquire()
    active++
    most = Math.max(most, active)
    order.push(i)
    await Promise.resolve()
    active--
    semaphore.release()
  })
  await Promise.all(tasks)
  expect(most).toBe(3)
  expect(order).toEqual(Array.from({ length: 5_000 }, (_, i) => i))
  // Every slot came back: all three are free again, and a fourth is not.
  expect([
    semaphore.tryAcquire(),
    semaphore.tryAcquire(),
    semaphore.tryAcquire(),
    semaphore.tryAcquire(),
  ]).toEqual([true, true, true, false])
})
