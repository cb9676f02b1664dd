// Soak (issue 6, item 4): 10 s of 128 keep-alive connections over 10,000 tenants with
// max: 100, so nearly every request creates an instance and evicts another. `npm run soak`
// runs the same loop for 60 s (bench/soak.ts).
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { SOAK_DEFAULTS, soak } from './support/soak.ts'

it('10 s under constant churn: no errors, no cross-tenant answers, every eviction disposed', async (t) => {
  const r = await soak({ ...SOAK_DEFAULTS, seconds: 10 })
  t.diagnostic(
    `${r.requests} requests, ${r.errors} errors, ${r.crossTenant} cross-tenant, ` +
      `${r.creates} creates / ${r.evictions} evictions / ${r.disposes} disposes, ` +
      `RSS ${r.rss.start} → ${r.rss.settled} → ${r.rss.end} MiB; peaks: ${r.peakInstances} ` +
      `instances (live + draining, bound ${r.bounds.instances}), ${r.peakCreating} concurrent ` +
      `creations (bound ${r.bounds.creating}); ${r.busy} busy answers`,
  )
  assert.deepEqual(r.firstErrors, [])
  assert.equal(r.errors, 0)
  assert.equal(r.crossTenant, 0)
  assert.equal(r.servedAfterDispose, 0)
  // Enough load to mean something; not a speed test (other test files run beside it).
  assert.ok(r.requests > 3_000, `only ${r.requests} requests`)
  assert.ok(r.creates > r.requests / 2, 'the cache churned')
  // After close() every instance ever created has been evicted and disposed exactly once.
  assert.equal(r.evictions, r.creates)
  assert.equal(r.disposes, r.evictions)
  // The cache's documented bounds (src/cache/cache.ts), measured from the outside.
  assert.ok(r.peakInstances <= r.bounds.instances, `${r.peakInstances} instances at once`)
  assert.ok(r.peakCreating <= r.bounds.creating, `${r.peakCreating} creations at once`)
  assert.ok(r.peakCreating > 1, 'creations overlapped')
  // Growth after the first third would be a per-request or per-instance leak.
  assert.ok(
    r.rss.end - r.rss.settled < 64,
    `RSS grew ${r.rss.end - r.rss.settled} MiB after settling`,
  )
  assert.ok(r.rss.end - r.rss.start < 256, `RSS grew ${r.rss.end - r.rss.start} MiB in all`)
})
