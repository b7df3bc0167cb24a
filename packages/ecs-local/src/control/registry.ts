/**
 * The Cloud Map registry of a run: one instance per registered task and discovery name, with
 * the attributes ECS gives Service Connect instances. Every change is written to the endpoints
 * file (for people and tools) and told to the listeners: the control plane pushes it to every
 * task's Service Connect agent, as ECS's control plane pushes endpoints to Envoy.
 */
import { type Endpoint, writeEndpointsFile } from "../proxy/endpoints-file.js";

export interface Instance {
  readonly discoveryName: string;
  /** ECS uses the task ID as the Cloud Map instance ID. */
  readonly instanceId: string;
  /** Where Service Connect reaches it: see `Endpoint.address`. */
  readonly address: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** The endpoints of each discovery name, ordered by task ID. */
export type EndpointMap = ReadonlyMap<string, readonly Endpoint[]>;

export class Registry {
  readonly #instances = new Map<string, Instance>();
  readonly #endpointsFile: string;
  readonly #listeners = new Set<(endpoints: EndpointMap) => void>();
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

  /** Calls `listener` after every change, with the endpoints then. */
  onChange(listener: (endpoints: EndpointMap) => void): void {
    this.#listeners.add(listener);
  }

  /** The healthy, registered endpoints of every discovery name now. */
  endpoints(): EndpointMap {
    const services = new Map<string, Endpoint[]>();
    for (const instance of this.#instances.values()) {
      const list = services.get(instance.discoveryName) ?? [];
      list.push({ taskId: instance.instanceId, address: instance.address });
      services.set(instance.discoveryName, list);
    }
    for (const list of services.values()) list.sort((a, b) => a.taskId.localeCompare(b.taskId));
    return services;
  }

  #publish(): void {
    const services = this.endpoints();
    writeEndpointsFile(this.#endpointsFile, { version: ++this.#version, services });
    for (const listener of this.#listeners) listener(services);
  }
}
