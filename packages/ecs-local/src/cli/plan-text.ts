import type { Model, ScalableTarget } from "../model/types.js";
import { hostPortFor } from "../proxy/listener-rules.js";

/** What `up` is about to run, before it builds anything. */
export function describePlan(model: Model, listenerPorts: ReadonlyMap<number, number>): string {
  const lines = [`▸ plan for stack ${model.stackName}`];
  for (const service of model.services) {
    const aliases = (service.serviceConnect?.services ?? [])
      .flatMap((s) => s.clientAliases.map((a) => `${a.dnsName}:${a.port}`))
      .join(", ");
    const scaling = model.scaling.find((t) => t.serviceId === service.origin.logicalId);
    const policies = (scaling?.policies ?? [])
      .map((p) =>
        p.kind === "TargetTracking" ? `${p.metric} ${p.targetValue}` : `step scaling ${p.name}`,
      )
      .join(", ");
    const deps = service.dependsOnServices
      .map((id) => model.services.find((s) => s.origin.logicalId === id)?.name ?? id)
      .join(", ");
    lines.push(
      `  service ${service.name}: ${service.desiredCount} task(s)` +
        (aliases ? `, Service Connect ${aliases}` : "") +
        (deps ? `, after ${deps}` : "") +
        (scaling
          ? `, scaling ${scaling.minCapacity}..${scaling.maxCapacity}${policies ? ` on ${policies}` : ""}${suspendedText(scaling.suspended)}`
          : ""),
    );
  }
  for (const lb of model.loadBalancers) {
    for (const listener of lb.listeners) {
      lines.push(
        `  listener :${listener.port} → 127.0.0.1:${hostPortFor(listener.port, listenerPorts)}`,
      );
    }
  }
  for (const feature of model.notEmulatedFeatures) {
    lines.push(`  not emulated: ${feature.constructPath}: ${feature.what}`);
  }
  if (model.notEmulated.length > 0) {
    lines.push(
      `  not emulated: ${model.notEmulated.map((n) => `${n.type} ×${n.count}`).join(", ")}`,
    );
  }
  return lines.join("\n");
}

/** What of a target's scaling is suspended, as the plan says it. */
function suspendedText(suspended: ScalableTarget["suspended"]): string {
  const parts = [
    suspended.dynamicScalingOut ? "out" : "",
    suspended.dynamicScalingIn ? "in" : "",
    suspended.scheduledScaling ? "scheduled" : "",
  ].filter(Boolean);
  if (parts.length === 0) return "";
  return parts.length === 3 ? " (suspended)" : ` (suspended: ${parts.join(", ")})`;
}
