// GET /healthz says whether this instance can serve, dependency by dependency, so that a load balancer
// takes an instance out of rotation while it cannot: the database, and Redis when REDIS_URL is set.
// REDIS_URL is wired through the configuration here (not a bus handed in), as `npm start` wires it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/child-server.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { haveRedisServer, startPrivateRedis, type PrivateRedis } from '../support/services.js';
import { TEST_STORE } from '../support/test-database.js';
import { until } from '../support/until.js';

async function health(t: TestServer): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${t.url}/healthz`);
  return { status: res.status, body: await res.json() as Record<string, unknown> };
}

describe('/healthz without Redis', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => t?.close());

  it('answers 200 with the database up, Redis not configured, and which store it runs on', async () => {
    expect(await health(t)).toEqual({ status: 200, body: { status: 'ok', database: 'ok', redis: 'not configured', store: TEST_STORE } });
  });
});

const redisAvailable = haveRedisServer();

describe.skipIf(!redisAvailable)('/healthz with REDIS_URL', () => {
  let redis: PrivateRedis;
  let t: TestServer;
  beforeAll(async () => {
    redis = await startPrivateRedis(await freePort());
    t = await startTestServer({ env: { REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    await t?.close();
    await redis?.stop();
  });

  it('reports Redis: 200 while connected, 503 "redis: down" while it is away, 200 again once it is back', async () => {
    expect(await health(t)).toEqual({ status: 200, body: { status: 'ok', database: 'ok', redis: 'ok', store: TEST_STORE } });
    await redis.stop();
    const down = await until(() => health(t), (h) => h.status === 503, 'healthz to notice Redis is gone');
    expect(down.body).toEqual({ status: 'unavailable', database: 'ok', redis: 'down', store: TEST_STORE });
    await redis.start();
    await until(() => health(t), (h) => h.status === 200, 'healthz to notice Redis is back');
  });

  it('a server whose REDIS_URL answers nobody refuses to start, saying so', async () => {
    const nobody = `redis://127.0.0.1:${await freePort()}`;
    await expect(startTestServer({ env: { REDIS_URL: nobody } })).rejects.toThrow(/REDIS_URL: could not reach Redis/);
  });
});
