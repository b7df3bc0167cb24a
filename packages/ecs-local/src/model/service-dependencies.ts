/**
 * Start order between services, from `DependsOn`. CDK's `node.addDependency(otherService)`
 * lands on the service resource directly, but dependencies on constructs (a scaling target, a
 * whole stack part) land on other resources, so a service depends on every service its
 * `DependsOn` chain reaches through any resources.
 */
import { TemplateError } from "../errors.js";
import { dependsOnOf, type ResourceEntry } from "./template.js";

/**
 * For each service (by logical ID), the services it waits for, in template order. Throws a
 * TemplateError naming both services when two services wait for each other.
 */
export function serviceDependencies(
  entries: readonly ResourceEntry[],
): ReadonlyMap<string, readonly string[]> {
  const byId = new Map(entries.map((entry) => [entry.logicalId, entry]));
  const services = entries.filter((entry) => entry.resource.Type === "AWS::ECS::Service");

  const reachable = new Map<string, Set<string>>();
  for (const service of services) {
    const seen = new Set<string>();
    const stack = [...dependsOnOf(service.resource)];
    while (stack.length > 0) {
      const id = stack.pop();
      if (id === undefined || seen.has(id)) continue;
      seen.add(id);
      const next = byId.get(id);
      if (next !== undefined) stack.push(...dependsOnOf(next.resource));
    }
    reachable.set(service.logicalId, seen);
  }

  const result = new Map<string, readonly string[]>();
  for (const service of services) {
    const seen = reachable.get(service.logicalId) ?? new Set<string>();
    const dependencies = services.filter(
      (other) => other.logicalId !== service.logicalId && seen.has(other.logicalId),
    );
    // Name the other service of the loop when there is one; it is the one the user must edit.
    const mutual = dependencies.find((other) =>
      reachable.get(other.logicalId)?.has(service.logicalId),
    );
    if (mutual !== undefined) throw cycleError(service, mutual, byId);
    if (seen.has(service.logicalId)) throw cycleError(service, service, byId);
    result.set(
      service.logicalId,
      dependencies.map((other) => other.logicalId),
    );
  }
  return result;
}

function cycleError(
  service: ResourceEntry,
  other: ResourceEntry,
  byId: ReadonlyMap<string, ResourceEntry>,
): TemplateError {
  const there = pathBetween(service.logicalId, other.logicalId, byId);
  const back = pathBetween(other.logicalId, service.logicalId, byId);
  const loop = (service === other ? there : [...there, ...back.slice(1)])
    .map((id) => byId.get(id)?.origin.constructPath ?? id)
    .join(" → ");
  const problem =
    service === other
      ? `depends on itself through DependsOn (${loop}).`
      : `and ${other.origin.constructPath} depend on each other through DependsOn (${loop}), so neither could start first.`;
  return new TemplateError(
    service.logicalId,
    service.origin.constructPath,
    problem,
    "Remove one of the node.addDependency(…) calls between these services (the one that points from the service that starts first).",
  );
}

/** The shortest DependsOn path from `from` to `to`, both included (breadth-first). */
function pathBetween(
  from: string,
  to: string,
  byId: ReadonlyMap<string, ResourceEntry>,
): readonly string[] {
  const previous = new Map<string, string>();
  const queue = [from];
  const seen = new Set([from]);
  while (queue.length > 0) {
    const id = queue.shift();
    if (id === undefined) break;
    const entry = byId.get(id);
    for (const next of entry === undefined ? [] : dependsOnOf(entry.resource)) {
      if (next === to) {
        const path = [to, id];
        let back = id;
        while (back !== from) {
          back = previous.get(back) ?? from;
          path.push(back);
        }
        return path.reverse();
      }
      if (seen.has(next)) continue;
      seen.add(next);
      previous.set(next, id);
      queue.push(next);
    }
  }
  return [from, to];
}
