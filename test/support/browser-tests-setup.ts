// vitest globalSetup: decides once per run whether the browser tests run (chromium.ts), prints the
// one line that says they were skipped and how to run them, and hands the decision to the test files.
import type { TestProject } from 'vitest/node';
import { planBrowserTests, type BrowserTests } from './chromium.js';

declare module 'vitest' {
  export interface ProvidedContext {
    browserTests: BrowserTests;
  }
}

export default function setup(project: TestProject): void {
  const plan = planBrowserTests({ env: process.env });
  if (!plan.run) process.stderr.write(`\n${plan.message}\n\n`);
  project.provide('browserTests', plan);
}
