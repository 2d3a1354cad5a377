// S6.1, S10.3: an epoch names a tenant's event sequence. With several nodes, each new owner of a
// tenant starts a new epoch under the fence of its lease (S10.4), written `f<fence in base 36>-<salt>`,
// so any node can tell which of two epochs is the newer; a single node's epochs carry no fence (0).

export function fencedEpoch(fence: number, salt: string): string {
  return `f${fence.toString(36)}-${salt}`;
}

/** The fence an epoch was started under; 0 for an epoch without one. */
export function fenceOfEpoch(epoch: string): number {
  const m = /^f([0-9a-z]+)-/.exec(epoch);
  return m === null ? 0 : parseInt(m[1]!, 36);
}
