import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdleCollection } from '../../src/idle-collection.js';

function harness(heapMb: number) {
  let tick: () => void = () => undefined;
  let runs = 0;
  const idle = new IdleCollection({
    gc: () => runs++,
    heapUsed: () => heapMb * 1024 * 1024,
    every: (_ms, t) => {
      tick = t;
      return () => undefined;
    },
  });
  /** Advances `seconds` of 5-second ticks. */
  const wait = (seconds: number) => {
    for (let i = 0; i < seconds / 5; i++) tick();
  };
  return { idle, wait, runs: () => runs };
}

test('after traffic stops, one collection at 10 s of quiet and one at 40 s (after Timer J), then none', () => {
  const h = harness(300);
  h.idle.activity();
  h.wait(5);
  assert.equal(h.runs(), 0, 'traffic in the last tick: no collection');
  h.wait(10);
  assert.equal(h.runs(), 1);
  h.wait(30);
  assert.equal(h.runs(), 2);
  h.wait(300);
  assert.equal(h.runs(), 2, 'a quiet server is not collected again and again');
});

test('traffic starts the count over; a small heap is left alone', () => {
  const h = harness(300);
  h.idle.activity();
  h.wait(5);
  h.wait(5);
  h.idle.activity();
  h.wait(5);
  h.wait(5);
  h.idle.activity();
  h.wait(5);
  assert.equal(h.runs(), 0, 'never 10 s of quiet in a row');
  const small = harness(20);
  small.idle.activity();
  small.wait(60);
  assert.equal(small.runs(), 0);
});

test('V8 gc() is obtained at run time in a process started without --expose-gc', () => {
  assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined');
  let ran = false;
  const idle = new IdleCollection({ every: () => ((ran = true), () => undefined) });
  assert.ok(ran, 'the collector was found, so the timer was set');
  idle.close();
});
