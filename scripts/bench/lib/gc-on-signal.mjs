// Preloaded into the live-agents benchmark's server child (NODE_OPTIONS="--expose-gc
// --import=<this file>", LEADRACE_GC_ACK=<path>): on SIGUSR2 it runs two full garbage collections,
// then writes to LEADRACE_GC_ACK how many it has done and process.memoryUsage(), so the benchmark
// reads the RSS once the collection has finished. The server's own code is not touched. Plain
// JavaScript, because imports in NODE_OPTIONS load before tsx is registered.
import { renameSync, writeFileSync } from 'node:fs';

const ack = process.env.LEADRACE_GC_ACK;
const gc = globalThis.gc;
let done = 0;
if (ack && typeof gc === 'function') {
  process.on('SIGUSR2', () => {
    // The second pass frees what the first one's weak callbacks and finalizers released.
    gc();
    gc();
    done += 1;
    writeFileSync(`${ack}.tmp`, JSON.stringify({ done, ...process.memoryUsage() }));
    renameSync(`${ack}.tmp`, ack);
  });
}
