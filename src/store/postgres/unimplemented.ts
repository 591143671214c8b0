// TEMPORARY while the PostgreSQL stores are written: a store whose every method rejects.
export function unimplemented<S extends object>(name: string): S {
  return new Proxy({}, { get: (_t, prop) => () => Promise.reject(new Error(`postgres ${name}.${String(prop)} is not written yet`)) }) as S;
}
