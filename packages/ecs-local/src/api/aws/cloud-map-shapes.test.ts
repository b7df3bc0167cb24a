import assert from "node:assert/strict";
import { test } from "node:test";
import type { Instance } from "../../control/registry.js";
import { model, service } from "../../control/testing/model-builders.js";
import {
  cloudMapCatalog,
  discoveredInstance,
  filterDiscovered,
  instancesOf,
  namespaceSummary,
  serviceSummary,
} from "./cloud-map-shapes.js";

const m = model([{ name: "api", port: 5000 }, { name: "web", port: 3000 }, { name: "client" }]);

const instance = (
  discoveryName: string,
  id: string,
  attributes: Record<string, string> = {},
): Instance => ({
  discoveryName,
  instanceId: id,
  address: `/run/${id}.sock`,
  attributes: { AWS_INSTANCE_PORT: "5000", ...attributes },
});

test("the catalog: the stack's namespaces and one Cloud Map service per discovery name", () => {
  const catalog = cloudMapCatalog(m);
  assert.deepEqual(
    catalog.namespaces.map((n) => [n.name, n.type]),
    [["local", "HTTP"]],
  );
  assert.match(catalog.namespaces[0]?.id ?? "", /^ns-[a-z2-7]{16}$/);
  assert.deepEqual(
    catalog.services.map((s) => [s.name, s.namespace.name]),
    [
      ["api", "local"],
      ["web", "local"],
    ],
  );
  assert.deepEqual(cloudMapCatalog(m), catalog, "the same IDs every time");
  // A namespace Service Connect names without the stack defining it is still listed.
  const imported = { ...m, namespaces: [], services: [service({ name: "api", port: 5000 })] };
  assert.deepEqual(
    cloudMapCatalog(imported).namespaces.map((n) => [n.name, n.type]),
    [["local", "HTTP"]],
  );
});

test("summaries count services per namespace and instances per service", () => {
  const catalog = cloudMapCatalog(m);
  const created = new Date(0);
  const [namespace] = catalog.namespaces;
  const [api] = catalog.services;
  assert.ok(namespace && api);
  const ns = namespaceSummary(m, namespace, catalog, created);
  assert.deepEqual([ns.Name, ns.Type, ns.ServiceCount], ["local", "HTTP", 2]);
  assert.deepEqual(ns.Properties, { HttpProperties: { HttpName: "local" } });
  const instances = [instance("api", "b"), instance("api", "a"), instance("web", "c")];
  assert.equal(serviceSummary(m, api, instances, created).InstanceCount, 2);
  assert.deepEqual(
    instancesOf(api, instances).map((i) => i.instanceId),
    ["a", "b"],
  );
  assert.deepEqual(discoveredInstance(api, instance("api", "a")), {
    InstanceId: "a",
    NamespaceName: "local",
    ServiceName: "api",
    HealthStatus: "HEALTHY",
    Attributes: { AWS_INSTANCE_PORT: "5000" },
  });
});

test("DiscoverInstances: query parameters must all match; optional ones narrow only if something matches", () => {
  const all = [
    instance("api", "a", { AZ: "1a", V: "1" }),
    instance("api", "b", { AZ: "1b", V: "2" }),
  ];
  const cases: [Record<string, string>, Record<string, string>, string[]][] = [
    [{}, {}, ["a", "b"]],
    [{ AZ: "1a" }, {}, ["a"]],
    [{ AZ: "1a", V: "2" }, {}, []],
    [{}, { V: "2" }, ["b"]],
    [{}, { V: "3" }, ["a", "b"]],
    [{ AZ: "1a" }, { V: "2" }, ["a"]],
  ];
  for (const [query, optional, ids] of cases) {
    assert.deepEqual(
      filterDiscovered(all, query, optional).map((i) => i.instanceId),
      ids,
      JSON.stringify({ query, optional }),
    );
  }
});
