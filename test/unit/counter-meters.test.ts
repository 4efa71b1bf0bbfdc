import { test } from 'node:test';
import assert from 'node:assert/strict';
import { perIncrement, ratePerSecond, ratioSinceFirst, sinceFirst, trailingWindow } from '../../lib/counter-meters.ts';

test('CPU per request: the growth of one counter over another between scrapes, once enough requests passed', () => {
  const perRequest = perIncrement(50);
  assert.equal(perRequest(1000, 100), undefined, 'first scrape');
  assert.equal(perRequest(1010, 120), undefined, '20 requests: too few, kept accumulating');
  assert.equal(perRequest(1030, 200), 0.3, '30 ms over 100 requests');
  assert.equal(perRequest(1030, 300), 0);
  assert.equal(perRequest(5, 10), undefined, 'a restart starts over');
});

test('fetches in the last minute: the growth since the latest scrape at least a minute old, or since the first', () => {
  const perMinute = trailingWindow(60);
  assert.equal(perMinute(3, 0), 0);
  assert.equal(perMinute(4, 30_000), 1);
  assert.equal(perMinute(5, 60_000), 2, 'the scrape at 0 s is exactly a minute old');
  assert.equal(perMinute(5, 61_000), 2, 'still from the scrape at 0 s, the latest at least a minute old');
  assert.equal(perMinute(5, 91_000), 1, 'from the scrape at 30 s');
});

test('growth since the first scrape, starting over when the counter goes down', () => {
  const grown = sinceFirst();
  assert.equal(grown(7), 0);
  assert.equal(grown(9), 2);
  assert.equal(grown(1), 0);
});

test('writes per second: growth over the last window of scrapes, once the run has lasted a window', () => {
  const perSecond = ratePerSecond(5);
  assert.equal(perSecond(100, 0), undefined);
  assert.equal(perSecond(200, 1000), undefined, 'a second in: shorter than the window');
  assert.equal(perSecond(600, 5000), 100, '500 writes in 5 s');
  assert.equal(perSecond(1000, 7000), 800 / 6, 'from the scrape at 1 s, the latest at least 5 s old: 800 in 6 s');
  assert.equal(perSecond(50, 8000), undefined, 'the store restarted');
});

test('origin queries per expiry: growth over growth since the first scrape, once enough expiries are in', () => {
  const perExpiry = ratioSinceFirst(3);
  assert.equal(perExpiry(10, 4), undefined, 'first scrape');
  assert.equal(perExpiry(13, 6), undefined, 'two expiries: too few');
  assert.equal(perExpiry(14, 7), 4 / 3);
  assert.equal(perExpiry(1, 0), undefined, 'the store was emptied: starts over');
});
