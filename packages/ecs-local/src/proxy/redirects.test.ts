import assert from "node:assert/strict";
import { test } from "node:test";
import { renderRedirects } from "./redirects.js";

test("renders one redirect rule per alias in a table that replaces itself", () => {
  const script = renderRedirects([
    { address: "127.255.0.1", port: 5000, toPort: 40001 },
    { address: "169.254.170.2", port: 80, toPort: 40002 },
  ]);
  assert.equal(
    script,
    [
      "table ip ecs_service_connect",
      "delete table ip ecs_service_connect",
      "table ip ecs_service_connect {",
      "  chain output {",
      "    type nat hook output priority -100; policy accept;",
      "    ip daddr 127.255.0.1 tcp dport 5000 redirect to :40001",
      "    ip daddr 169.254.170.2 tcp dport 80 redirect to :40002",
      "  }",
      "}",
      "",
    ].join("\n"),
  );
});

test("with a blackhole, every packet to it is dropped on the way in", () => {
  const script = renderRedirects([{ address: "127.255.0.1", port: 5000, toPort: 40001 }], {
    blackhole: "127.254.0.0/16",
  });
  assert.equal(
    script,
    [
      "table ip ecs_service_connect",
      "delete table ip ecs_service_connect",
      "table ip ecs_service_connect {",
      "  chain output {",
      "    type nat hook output priority -100; policy accept;",
      "    ip daddr 127.255.0.1 tcp dport 5000 redirect to :40001",
      "  }",
      "  chain input {",
      "    type filter hook input priority 0; policy accept;",
      "    ip daddr 127.254.0.0/16 drop",
      "  }",
      "}",
      "",
    ].join("\n"),
  );
});
