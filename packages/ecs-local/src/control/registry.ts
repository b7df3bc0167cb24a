import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * The Cloud Map registry of a run: one instance per registered task and discovery name,
 * with the attributes ECS gives Service Connect instances. Every change is published to
 * the endpoints file the sidecars watch, so routing never asks the control plane.
 */
export interface Instance {
  readonly discoveryName: string;
  /** ECS uses the task ID as the Cloud Map instance ID. */
  readonly instanceId: string;
  /** The task's "network interface": the ingress socket of the port mapping. */
  readonly socketPath: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** The endpoints file format shared with the sidecars. */
export interface EndpointsSnapshot {
  readonly version: number;
  readonly services: Readonly<
    Record<string, readonly { readonly taskId: string; readonly socketPath: string }[]>
  >;
}

export function snapshot(instances: Iterable<Instance>, version: number): EndpointsSnapshot {
  const services: Record<string, { taskId: string; socketPath: string }[]> = {};
  for (const instance of instances) {
    const list = services[instance.discoveryName] ?? [];
    list.push({ taskId: instance.instanceId, socketPath: instance.socketPath });
    services[instance.discoveryName] = list;
  }
  for (const list of Object.values(services)) list.sort((a, b) => a.taskId.localeCompare(b.taskId));
  return { version, services };
}

export class Registry {
  readonly #instances = new Map<string, Instance>();
  readonly #endpointsFile: string;
  #version = 0;

  constructor(endpointsFile: string) {
    this.#endpointsFile = endpointsFile;
    this.#publish();
  }

  register(instance: Instance): void {
    this.#instances.set(`${instance.discoveryName}/${instance.instanceId}`, instance);
    this.#publish();
  }

  /** Removes every instance of a task; returns how many there were. */
  deregisterTask(taskId: string): number {
    let removed = 0;
    for (const [key, instance] of this.#instances) {
      if (instance.instanceId === taskId) {
        this.#instances.delete(key);
        removed++;
      }
    }
    if (removed > 0) this.#publish();
    return removed;
  }

  instances(discoveryName?: string): Instance[] {
    return [...this.#instances.values()].filter(
      (i) => discoveryName === undefined || i.discoveryName === discoveryName,
    );
  }

  #publish(): void {
    this.#version++;
    const body = JSON.stringify(snapshot(this.#instances.values(), this.#version), null, 1);
    mkdirSync(dirname(this.#endpointsFile), { recursive: true });
    // Write then rename: a sidecar reading concurrently sees the old or the new file, whole.
    const temporary = `${this.#endpointsFile}.${process.pid}.tmp`;
    writeFileSync(temporary, body);
    renameSync(temporary, this.#endpointsFile);
  }
}
