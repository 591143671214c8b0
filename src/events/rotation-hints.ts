// Round-robin rotations between instances. A source's first rounds plan from where this process last
// moved its rotation (routing-service.ts lastRotation) and writeRound checks that guess under the
// source row's lock. With several instances taking one source's leads in turn, every guess was the
// other instance's write behind: each first round was refused once and planned again, one more round
// trip inside the lock. So each instance tells the others, after the commit, where it moved a rotation,
// on one event-bus channel (through Redis, in the turn's one publish); they plan their next first round
// from there. A hint lost or late (Redis away, a message overtaken) costs a refusal, never a wrong
// round: writeRound's compare-and-set still decides.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Rotation } from '../store/port.js';
import { channels, type EventBus } from './event-bus.js';

interface RotationHint {
  /** The instance that moved it (its own hints are not taken back). */
  by: string;
  sourceId: number;
  rotation: Rotation;
}

/** After losing the channel (Redis went away), how long before listening again. */
const RELISTEN_MS = 1000;

export function shareRotations(deps: {
  bus: EventBus;
  /** leadChanges.onRotation: told of each rotation this instance moved, after the commit. */
  onRotation: (listener: (sourceId: number, rotation: Rotation) => void) => void;
  /** routing.rotationHeard: where another instance moved one. */
  heard: (sourceId: number, rotation: Rotation) => void;
  logger: Logger;
}): { stop(): void } {
  const { bus, heard } = deps;
  const by = randomBytes(6).toString('hex');
  let stopped = false;
  let iterator: AsyncIterator<RotationHint> | null = null;
  let timer: NodeJS.Timeout | null = null;

  deps.onRotation((sourceId, rotation) => {
    if (!stopped) bus.publish(channels.rotations(), { by, sourceId, rotation } satisfies RotationHint);
  });

  function listen(): void {
    timer = null;
    if (stopped) return;
    const it = bus.subscribe<RotationHint>(channels.rotations())[Symbol.asyncIterator]();
    iterator = it;
    const next = (): void => {
      it.next().then((r) => {
        if (r.done || stopped) return;
        if (r.value.by !== by) heard(r.value.sourceId, r.value.rotation);
        next();
      }, (err: unknown) => {
        // Hints only: first rounds plan from this instance's own guesses meanwhile.
        deps.logger.debug({ err }, 'rotation hints interrupted; listening again shortly');
        if (!stopped) timer = setTimeout(listen, RELISTEN_MS).unref();
      });
    };
    next();
  }
  listen();

  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      void iterator?.return?.();
    },
  };
}
