// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${…} in these strings is env-file text that must stay unexpanded
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mergeEnvFiles, parseEnvFile } from "./env-file.js";

describe("parseEnvFile", () => {
  const cases: readonly (readonly [string, string, Record<string, string>])[] = [
    ["one variable per line", "A=1\nB=two\n", { A: "1", B: "two" }],
    ["comments and blank lines", "# a comment\n\nA=1\n#B=2\n", { A: "1" }],
    [
      "the value after the first =, as is",
      "URL=postgres://h/db?x=1\n",
      { URL: "postgres://h/db?x=1" },
    ],
    ["quotes and spaces kept", 'Q="quoted"\nS= spaced \n', { Q: '"quoted"', S: " spaced " }],
    ["no expansion", "A=${HOME}\n", { A: "${HOME}" }],
    ["CRLF line ends", "A=1\r\nB=2\r\n", { A: "1", B: "2" }],
    ["lines without = skipped", "export\nA=1\njust text\n", { A: "1" }],
    ["empty variable or value skipped, as the ECS agent does", "=1\nA=\nB=2", { B: "2" }],
    ["a later line wins within one file", "A=1\nA=2\n", { A: "2" }],
    ["an indented # is not a comment", " #X=1\n", { " #X": "1" }],
    ["nothing", "", {}],
  ];
  for (const [what, text, expected] of cases) {
    it(what, () => assert.deepEqual(parseEnvFile(text), expected));
  }
});

describe("mergeEnvFiles", () => {
  it("keeps the first file's value of a variable, as ECS does", () => {
    assert.deepEqual(mergeEnvFiles([{ A: "first" }, { A: "second", B: "b" }, { B: "c" }]), {
      A: "first",
      B: "b",
    });
  });
  it("is empty without files", () => assert.deepEqual(mergeEnvFiles([]), {}));
});
