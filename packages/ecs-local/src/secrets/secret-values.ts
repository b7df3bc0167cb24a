/**
 * The resolved secret values and environment-file variables of a run, held in memory by the
 * control plane and handed to each container's environment when it starts. Nothing here is
 * ever written out: serializing or inspecting it shows no value.
 */
import { inspect } from "node:util";
import type { ContainerDefinition } from "../model/types.js";
import type { ContainerValues } from "./resolve-secrets.js";

export class SecretValues {
  /** A run with no secrets and no environment files. */
  static readonly none = new SecretValues(new Map(), undefined);

  readonly #containers: ReadonlyMap<string, ReadonlyMap<string, ContainerValues>>;
  /** One line for `up` saying where the values came from (counts only), if there are any. */
  readonly summary: string | undefined;

  constructor(
    containers: ReadonlyMap<string, ReadonlyMap<string, ContainerValues>>,
    summary: string | undefined,
  ) {
    this.#containers = containers;
    this.summary = summary;
  }

  /**
   * A container's environment as ECS builds it: its environment files' variables, overridden
   * by its `environment`, overridden by its secrets.
   */
  environmentFor(
    taskDefinitionId: string,
    container: Pick<ContainerDefinition, "name" | "environment">,
  ): Record<string, string> {
    const values = this.#containers.get(taskDefinitionId)?.get(container.name);
    return { ...values?.fromFiles, ...container.environment, ...values?.secrets };
  }

  toJSON(): string {
    return "[secret values hidden]";
  }

  [inspect.custom](): string {
    return "SecretValues [values hidden]";
  }
}
