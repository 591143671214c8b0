// Prints the schema built from the type-graphql code to schema/schema.graphql (sorted, so that the
// file changes only when the API does). `npm run generate` runs this, then the SDK codegen.
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { getSchema } from '../src/graphql/schema.js';

const out = fileURLToPath(new URL('../schema/schema.graphql', import.meta.url));
const header = '# Generated from the type-graphql code by `npm run schema:emit`. Do not edit by hand.\n\n';
writeFileSync(out, header + printSchema(lexicographicSortSchema(getSchema())) + '\n');
process.stdout.write(`wrote ${out}\n`);
