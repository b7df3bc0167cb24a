import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_HOST, DEFAULT_PORT, loadConfig } from "./config.js";
import { ConfigError } from "./errors.js";

test("defaults: 0.0.0.0:5000, default message, no metadata endpoint", () => {
  assert.deepEqual(loadConfig({}), {
    host: DEFAULT_HOST,
    port: DEFAULT_PORT,
    message: undefined,
    metadataUri: undefined,
  });
});

test("reads HOST, PORT, MESSAGE and ECS_CONTAINER_METADATA_URI_V4", () => {
  const config = loadConfig({
    HOST: "127.0.0.1",
    PORT: "8080",
    MESSAGE: "Hi",
    ECS_CONTAINER_METADATA_URI_V4: "http://169.254.170.2/v4/abc/",
  });
  assert.deepEqual(config, {
    host: "127.0.0.1",
    port: 8080,
    message: "Hi",
    // Trailing slash trimmed so `${uri}/task` has one slash.
    metadataUri: "http://169.254.170.2/v4/abc",
  });
});

test("empty variables count as unset", () => {
  const config = loadConfig({ HOST: "", PORT: "", MESSAGE: "", ECS_CONTAINER_METADATA_URI_V4: "" });
  assert.equal(config.host, DEFAULT_HOST);
  assert.equal(config.port, DEFAULT_PORT);
  assert.equal(config.message, undefined);
  assert.equal(config.metadataUri, undefined);
});

test("PORT 0 and 65535 are accepted", () => {
  assert.equal(loadConfig({ PORT: "0" }).port, 0);
  assert.equal(loadConfig({ PORT: "65535" }).port, 65535);
});

for (const bad of ["abc", "65536", "-1", "80.5", " 80", "0x50", "1e3", "123456"]) {
  test(`PORT=${JSON.stringify(bad)} is rejected with a message naming variable, value and range`, () => {
    assert.throws(
      () => loadConfig({ PORT: bad }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.code, "BACKEND_INVALID_CONFIG");
        assert.equal(error.variable, "PORT");
        assert.ok(error.message.includes(`PORT=${JSON.stringify(bad)}`), error.message);
        assert.match(error.message, /an integer from 0 to 65535/);
        return true;
      },
    );
  });
}

test("a metadata URI that is not an http(s) URL is rejected", () => {
  for (const bad of ["not a url", "ftp://169.254.170.2/v4"]) {
    assert.throws(() => loadConfig({ ECS_CONTAINER_METADATA_URI_V4: bad }), {
      name: "ConfigError",
      message: /ECS_CONTAINER_METADATA_URI_V4=.*expected an http:\/\/ or https:\/\/ URL/,
    });
  }
});
