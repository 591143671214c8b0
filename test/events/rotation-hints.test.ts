// Rotation hints between instances (src/events/rotation-hints.ts): where one instance moved a source's
// round robin reaches the others after its commit, not itself; a stopped instance neither tells nor hears.
// Two instances are two shareRotations on one in-process bus here; through Redis, the multi-instance
// tests run them between real processes.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createInProcessEventBus } from '../../src/events/event-bus.js';
import { shareRotations } from '../../src/events/rotation-hints.js';
import type { Rotation } from '../../src/store/port.js';

const silent = pino({ level: 'silent' });
const tick = () => new Promise((r) => setImmediate(r));

function instance(bus: ReturnType<typeof createInProcessEventBus>) {
  let moved: ((sourceId: number, rotation: Rotation) => void) | null = null;
  const heard: [number, Rotation][] = [];
  const hints = shareRotations({ bus, onRotation: (l) => { moved = l; }, heard: (id, r) => { heard.push([id, r]); }, logger: silent });
  return { heard, hints, move: (sourceId: number, rotation: Rotation) => moved?.(sourceId, rotation) };
}

describe('rotation hints', () => {
  it('a rotation one instance moved reaches the others, not itself', async () => {
    const bus = createInProcessEventBus();
    const a = instance(bus);
    const b = instance(bus);
    await tick();
    a.move(3, { anchor: 17, credits: null });
    b.move(4, { anchor: 2, credits: '1:5' });
    await tick();
    expect(b.heard).toEqual([[3, { anchor: 17, credits: null }]]);
    expect(a.heard).toEqual([[4, { anchor: 2, credits: '1:5' }]]);
    a.hints.stop();
    b.hints.stop();
  });

  it('a stopped instance tells nothing and hears nothing', async () => {
    const bus = createInProcessEventBus();
    const a = instance(bus);
    const b = instance(bus);
    await tick();
    b.hints.stop();
    a.move(1, { anchor: 5, credits: null });
    await tick();
    expect(b.heard).toEqual([]);
    b.move(1, { anchor: 6, credits: null });
    await tick();
    expect(a.heard).toEqual([]);
    a.hints.stop();
  });
});
