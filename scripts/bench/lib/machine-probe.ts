// What kind of machine a benchmark ran on, in three numbers measured at its start, so that runs on
// different machines can be told apart from changes in the code. The virtual machines these
// benchmarks run on differ by more than their CPU: on one (a PVM guest with page-table isolation) a
// system call cost about 1.1 µs and every PostgreSQL round trip paid for several, so the PostgreSQL
// figures halved there while SQLite's fell less (README, Performance).
//
// - loopback round trip: one byte there and back over a TCP connection on 127.0.0.1, both ends in this
//   process (the median of 2,000): what each statement to PostgreSQL and each Redis command pays at least.
// - system call: one fstat of an open file from Node (the median of 20 batches of 1,000): Node's binding
//   plus the kernel's entry and exit.
// - JavaScript: a fixed loop of 50 million additions, in ms: the CPU's speed for the server's own code.
import { closeSync, fstatSync, openSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

export interface MachineProbe {
  loopbackRoundTripUs: number;
  syscallUs: number;
  jsLoopMs: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;

async function loopbackRoundTripUs(trips = 2000): Promise<number> {
  const server = createServer((s) => s.on('data', (d) => s.write(d)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client: Socket = connect(port, '127.0.0.1');
  client.setNoDelay(true);
  await new Promise<void>((resolve) => client.once('connect', resolve));
  const times: number[] = [];
  try {
    for (let i = 0; i < trips; i++) {
      const at = performance.now();
      await new Promise<void>((resolve) => {
        client.once('data', () => resolve());
        client.write('x');
      });
      times.push((performance.now() - at) * 1000);
    }
  } finally {
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return median(times.slice(trips / 10));
}

function syscallUs(batches = 20, perBatch = 1000): number {
  const fd = openSync(process.execPath, 'r');
  const times: number[] = [];
  try {
    for (let b = 0; b < batches; b++) {
      const at = performance.now();
      for (let i = 0; i < perBatch; i++) fstatSync(fd);
      times.push(((performance.now() - at) * 1000) / perBatch);
    }
  } finally {
    closeSync(fd);
  }
  return median(times);
}

function jsLoopMs(n = 50_000_000): number {
  const at = performance.now();
  let x = 0;
  for (let i = 0; i < n; i++) x = (x + i) % 1_000_003;
  const ms = performance.now() - at;
  if (x < 0) throw new Error('unreachable: keeps the loop from being optimised away');
  return ms;
}

/** Measures the machine (under a second); call before any server is started. */
export async function probeMachine(): Promise<MachineProbe> {
  return {
    loopbackRoundTripUs: round(await loopbackRoundTripUs(), 1),
    syscallUs: round(syscallUs(), 2),
    jsLoopMs: round(jsLoopMs(), 0),
  };
}

export const describeProbe = (p: MachineProbe): string =>
  `loopback TCP round trip ${p.loopbackRoundTripUs} µs, a system call from Node ${p.syscallUs} µs, 50M-step JS loop ${p.jsLoopMs} ms`;
