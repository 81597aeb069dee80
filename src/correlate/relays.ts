// What a delivery's relay and reply say about the next hop: whether the relay is a downstream
// server (not local delivery), and the size limit a downstream announced. Used where failed
// recipients are grouped for advice (the rollups' SQL functions) and where lists are named.

/** A relay that is a downstream server (name[ip]:port, not local delivery), without its port. */
export function downstreamHost(relay: string | null): string | null {
  if (!relay || !relay.includes('[') || relay.includes('[/')) return null;
  return relay.replace(/:\d+$/, '');
}

/** The size limit a downstream announced in one reason: "(40479 > 20000)", "size limit 20000"... */
export function sizeLimitOf(reason: string | null): number | null {
  const m = /size limit (\d+)|\(\d+ > (\d+)\)|max=(\d+)|limit of (\d+)/i.exec(reason ?? '');
  const n = m ? Number(m[1] ?? m[2] ?? m[3] ?? m[4]) : NaN;
  return Number.isFinite(n) && n > 0 ? n : null;
}
