import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MAX_DURATION, parseDuration } from '../src/parse/duration.ts'

test('parses numbers of ms and strings with a unit', () => {
  const cases: [number | string, number][] = [
    [0, 0],
    [250, 250],
    [1.5, 1.5],
    ['500ms', 500],
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1.5s', 1500],
    ['.5s', 500],
    ['0s', 0],
    [' 2 s ', 2000],
    [MAX_DURATION, MAX_DURATION],
  ]
  for (const [input, ms] of cases) assert.equal(parseDuration(input, 'x'), ms, String(input))
})

test('rejects anything else with a TypeError naming the option and the value', () => {
  const bad: unknown[] = [
    '10',
    '10x',
    '',
    'ms',
    '-1s',
    '1e3ms',
    '10M',
    '1h30m',
    -1,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    MAX_DURATION + 1,
    '25d',
    null,
    {},
    [],
    () => 1,
    true,
  ]
  for (const value of bad) {
    assert.throws(
      () => parseDuration(value, 'idleTimeout'),
      (error: Error) =>
        error instanceof TypeError && /^lazy\(\): idleTimeout must be/.test(error.message),
      String(value),
    )
  }
  assert.throws(() => parseDuration('10x', 'idleTimeout'), { message: /got "10x"$/ })
  assert.throws(() => parseDuration(-5, 'idleTimeout'), { message: /got -5$/ })
  assert.throws(() => parseDuration(2 ** 31, 'idleTimeout'), { message: /at most 2147483647 ms/ })
})

test('uses the given context in messages', () => {
  assert.throws(() => parseDuration('soon', 'keepAliveTimeout', 'serve()'), {
    name: 'TypeError',
    message: /^serve\(\): keepAliveTimeout must be .* got "soon"$/,
  })
})
