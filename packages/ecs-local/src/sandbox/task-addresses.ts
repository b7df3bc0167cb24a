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
