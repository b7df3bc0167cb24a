/**
 * The Cloud Map registry of a run: one instance per registered task and discovery name, with
 * the attributes ECS gives Service Connect instances. Every change is published to the
 * endpoints file the sidecars watch, so routing never asks the control plane.
 */
import { type Endpoint, writeEndpointsFile } from "../proxy/endpoints-file.js";

export interface Instance {
  readonly discoveryName: string;
  /** ECS uses the task ID as the Cloud Map instance ID. */
  readonly instanceId: string;
  /** The task's "network interface": the ingress socket of the port mapping. */
  readonly socketPath: string;
  readonly attributes: Readonly<Record<string, string>>;
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

  /** Goes up with every registration and deregistration (Cloud Map's instances revision). */
  get revision(): number {
    return this.#version;
  }

  instances(discoveryName?: string): Instance[] {
    return [...this.#instances.values()].filter(
      (i) => discoveryName === undefined || i.discoveryName === discoveryName,
    );
  }

  #publish(): void {
    const services = new Map<string, Endpoint[]>();
    for (const instance of this.#instances.values()) {
      const list = services.get(instance.discoveryName) ?? [];
      list.push({ taskId: instance.instanceId, socketPath: instance.socketPath });
      services.set(instance.discoveryName, list);
    }
    for (const list of services.values()) list.sort((a, b) => a.taskId.localeCompare(b.taskId));
    writeEndpointsFile(this.#endpointsFile, { version: ++this.#version, services });
  }
}
