import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { type ShellToken, shellCommandLine, shellTokens } from "./shell-words.js";

const and = { op: "&&" };

/** [command, tokens]: shell forms from the Dockerfile reference and RUN chains as they are written. */
const tokenCases: [string, ShellToken[]][] = [
  [
    "apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*",
    [
      "apt-get",
      "update",
      and,
      "apt-get",
      "install",
      "-y",
      "curl",
      and,
      "rm",
      "-rf",
      "/var/lib/apt/lists/*",
    ],
  ],
  // Dockerfile reference, shell form: the quoted script is one word, `$HOME` left to the shell.
  [
    "/bin/bash -c 'source $HOME/.bashrc && echo $HOME'",
    ["/bin/bash", "-c", "source $HOME/.bashrc && echo $HOME"],
  ],
  // Unquoted and double-quoted variables are kept too, never expanded from this machine.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
  ['source $HOME/.bashrc && echo "$HOME"', ["source", "${HOME}/.bashrc", and, "echo", "${HOME}"]],
  [
    "npm ci || true; echo done | tee log &",
    [
      "npm",
      "ci",
      { op: "||" },
      "true",
      { op: ";" },
      "echo",
      "done",
      { op: "|" },
      "tee",
      "log",
      { op: "&" },
    ],
  ],
  ['echo a\\ b "c\\"d" \\$X', ["echo", "a b", 'c"d', "$X"]],
  ["NODE_ENV=production npm run build", ["NODE_ENV=production", "npm", "run", "build"]],
  ["echo hi > out.txt 2>&1", ["echo", "hi", { op: ">" }, "out.txt", "2", { op: ">&" }, "1"]],
  // sh: `#` inside a word is a character, at the start of a word a comment.
  [
    "pip install git+https://example.com/r.git#egg=pkg && apt-get install -y curl",
    [
      "pip",
      "install",
      "git+https://example.com/r.git#egg=pkg",
      and,
      "apt-get",
      "install",
      "-y",
      "curl",
    ],
  ],
  ["echo a#b c# 'd'#\"e f\"", ["echo", "a#b", "c#", "d#e f"]],
  ["npm ci # && apt-get install -y curl", ["npm", "ci"]],
  // sh: a newline ends a command.
  ["npm ci\napt-get install -y git", ["npm", "ci", { op: ";" }, "apt-get", "install", "-y", "git"]],
  // shell-quote rejects spaces in an unquoted ${…}; then `$` is read literally.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
  ["echo ${A:-a b}", ["echo", "${A:-a", "b}"]],
  [
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
    "pip install x#y ${A:-a b} && apt-get install -y z",
    ["pip", "install", "x#y", "${A:-a", "b}", and, "apt-get", "install", "-y", "z"],
  ],
];

for (const [command, tokens] of tokenCases) {
  test(`shellTokens: ${JSON.stringify(command)}`, async () => {
    assert.deepEqual(shellTokens(command), tokens);
  });
}

/** [exec-form argv, the `sh -c` line]: exec forms from the Dockerfile reference and others. */
const lineCases: [string[], string][] = [
  [["/bin/bash", "-c", "echo hello"], "/bin/bash -c 'echo hello'"],
  // Exec form does no variable substitution: `$HOME` reaches echo as written.
  [["echo", "$HOME"], "echo \\$HOME"],
  [["sh", "-c", "echo $HOME"], "sh -c 'echo $HOME'"],
  [["c:\\windows\\system32\\tasklist.exe"], "'c:\\windows\\system32\\tasklist.exe'"],
  [["npm", "ci", "--omit=dev"], "npm ci --omit=dev"],
  [["pip", "install", "-r", "requirements.txt"], "pip install -r requirements.txt"],
  [["node", "-e", "console.log('it\\'s')"], `node -e "console.log('it\\\\'s')"`],
  [["A=1", "B=2"], "A\\=1 B=2"],
  [["printf", "%s", "", "a*b", "~x", "#c"], "printf %s '' a\\*b \\~x \\#c"],
];

for (const [argv, line] of lineCases) {
  test(`shellCommandLine: ${JSON.stringify(argv)}`, async () => {
    assert.equal(shellCommandLine(argv), line);
    assert.deepEqual(shellTokens(line), argv, "shellTokens reads it back");
  });
}

test("shellCommandLine: /bin/sh reads every argument back as it was", async () => {
  const argv = ["a b", "it's", "$HOME", "`x`", "", "c:\\d", "*", "#e", "A=1", "x!y", "new\nline"];
  const out = execFileSync("/bin/sh", ["-c", `printf '%s\\0' ${shellCommandLine(argv)}`], {
    encoding: "utf8",
    env: { HOME: "/nowhere" },
  });
  assert.deepEqual(out.split("\0").slice(0, -1), argv);
});
