/**
 * Addresses every task has, as on ECS: the task metadata endpoint is 169.254.170.2:80 inside
 * each task (`ECS_CONTAINER_METADATA_URI_V4` points there).
 */
export const TASK_METADATA_ADDRESS = "169.254.170.2";
export const TASK_METADATA_PORT = 80;

/** `http://169.254.170.2/v4/<dockerId>`: what a container finds in its environment. */
export function metadataUri(dockerId: string): string {
  return `http://${TASK_METADATA_ADDRESS}/v4/${dockerId}`;
}

/**
 * The IPv4 address AWS shows for a task (Cloud Map, DescribeTasks, its metadata): its address
 * on the run network, or loopback in a run without one.
 */
export function shownAddress(address: string | undefined): string {
  return address ?? "127.0.0.1";
}

/**
 * The run's network: what a task's `eth0` is on, as a VPC subnet holds its tasks' network
 * interfaces. Only the run's own tasks and agents see it; it lives in namespaces of the run.
 */
export const RUN_NETWORK_PREFIX = 16;
const RUN_NETWORK_BASE = [10, 0] as const;
/** Host numbers per /24, skipping .0 and .255. */
const HOSTS_PER_BLOCK = 254;
/** 10.0.0.x is left for the network itself; tasks start at 10.0.1.1. */
const FIRST_BLOCK = 1;
const BLOCKS = 255 - FIRST_BLOCK;

/** The address of the run's `index`-th task (0-based): 10.0.1.1, 10.0.1.2, … 10.0.254.254. */
export function taskAddress(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= BLOCKS * HOSTS_PER_BLOCK) {
    throw new RangeError(
      `task address ${index} is outside the run network's ${BLOCKS * HOSTS_PER_BLOCK} addresses; start a new run.`,
    );
  }
  const block = FIRST_BLOCK + Math.floor(index / HOSTS_PER_BLOCK);
  const host = 1 + (index % HOSTS_PER_BLOCK);
  return [...RUN_NETWORK_BASE, block, host].join(".");
}
