/**
 * The dashboard in a real Chromium (Debian's `chromium`, driven by playwright-core), on a real
 * `ecs-local up` of the deploy fixture (an `api` of 2 tasks behind an ALB, a `client`): the page
 * loads, a `scale` shows the new task within two seconds, the charts have data, the keyboard
 * reaches the controls, and a screenshot is kept in <repo>/.artifacts/. No task can reach it.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import {
  cli,
  downAndVerify,
  freePort,
  get,
  REPO_ROOT,
  UpProcess,
  waitUntil,
} from "./support/ecs-local-run.js";

const FIXTURE = join(import.meta.dirname, "fixtures/deploy-app");
const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = join(REPO_ROOT, ".artifacts");
const stateDir = mkdtempSync(join(tmpdir(), "ecs-local-dashboard-"));
let up: UpProcess;
let browser: Browser | undefined;
let page: Page;
let dashboardUrl: string;
let albUrl: string;
const pageErrors: string[] = [];

// The little of the DOM the functions run in the page use: this file compiles without the
// DOM library (it is Node code), and these names exist only inside those functions.
interface PageElement {
  readonly tagName: string;
  readonly id: string;
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
}
declare const document: {
  querySelectorAll(selector: string): Iterable<PageElement>;
  readonly activeElement: PageElement | null;
  readonly body: PageElement;
};
declare function getComputedStyle(element: PageElement): {
  readonly outlineStyle: string;
  readonly outlineWidth: string;
};

/** The IDs of the tasks of `service` the page lists. */
const listedTasks = (service: string): Promise<string[]> =>
  page
    .locator(`#services [data-service="${service}"] tr[data-task-id]`)
    .evaluateAll((rows: PageElement[]) =>
      rows.map((row) => row.getAttribute("data-task-id") ?? ""),
    );

/** How many points the chart titled `title` draws (its container's data-points). */
const chartPoints = (title: string): Promise<number> =>
  page
    .locator("figure.chart", { has: page.getByRole("heading", { name: title, exact: true }) })
    .locator("[data-points]")
    .evaluate((element: PageElement) => Number(element.getAttribute("data-points")));

describe("the dashboard in Chromium", { timeout: 600_000 }, () => {
  before(async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `${CHROMIUM} is missing: \`ecs-local doctor --fix --with chromium\` installs it (npm test does).`,
    );
    const port = await freePort();
    albUrl = `http://127.0.0.1:${port}/`;
    up = new UpProcess(stateDir, ["--app", FIXTURE, "--listener-port", `80=${port}`]);
    await up.waitFor(/all services healthy/, 300_000);
    await up.waitFor(/ {2}dashboard +http:\/\/127\.0\.0\.1:\d+\/\n/, 10_000);
    dashboardUrl = /dashboard +(http:\/\/127\.0\.0\.1:\d+\/)/.exec(up.output)?.[1] ?? "";
    // As root (CI, this machine) Chromium runs only without its own sandbox.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("pageerror", (error) => pageErrors.push(String(error)));
    page.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(message.text());
    });
  });

  after(async () => {
    await browser?.close();
    if (up.child.exitCode === null) await downAndVerify(up, stateDir);
    rmSync(stateDir, { recursive: true, force: true });
  });

  test("the page loads: its heading, every service and its tasks, live", async () => {
    await page.goto(dashboardUrl);
    await page.getByRole("heading", { level: 1, name: "ecs-local: DeployStack" }).waitFor();
    for (const service of ["api", "client"]) {
      await page.getByRole("heading", { level: 3, name: service, exact: true }).waitFor();
    }
    assert.equal((await listedTasks("api")).length, 2);
    assert.equal(await page.getByRole("status").textContent(), "Live");
    for (const landmark of ["banner", "navigation", "main"] as const) {
      assert.equal(await page.getByRole(landmark).count(), 1, landmark);
    }
    assert.deepEqual(pageErrors, []);
  });

  test("scaling a service shows its new task within two seconds", async (t) => {
    const before = new Set(await listedTasks("api"));
    const asked = Date.now();
    const scaled = await cli(stateDir, ["scale", "api", "3"]);
    assert.equal(scaled.code, 0, scaled.stderr);
    const accepted = Date.now();
    await page.waitForFunction(
      (known) =>
        [...document.querySelectorAll('#services [data-service="api"] tr[data-task-id]')].some(
          (row) => !known.includes(row.getAttribute("data-task-id") ?? ""),
        ),
      [...before],
      { polling: 50, timeout: 10_000 },
    );
    const shown = Date.now();
    t.diagnostic(
      `new task on the page ${shown - accepted} ms after \`scale\` returned (${shown - asked} ms with the CLI's own start)`,
    );
    assert.ok(shown - accepted < 2_000, `shown ${shown - accepted} ms after the scale`);
    const desired = page.locator('#services [data-service="api"] [data-count="desired"]');
    assert.equal(await desired.textContent(), "3");
  });

  test("the charts have data: the traffic per edge and the scaling timeline", async () => {
    for (let i = 0; i < 20; i++) assert.equal((await get(albUrl)).status, 200);
    const traffic = await waitUntil(
      async () => ((await chartPoints("Requests per second per edge")) >= 3 ? true : undefined),
      15_000,
      "three traffic snapshots on the chart",
    );
    assert.ok(traffic);
    const timeline = await waitUntil(
      async () => {
        const points = await chartPoints("api: tasks and scaling metrics");
        return points > 0 ? points : undefined;
      },
      15_000,
      "points on api's timeline",
    );
    assert.ok(timeline > 0);
    // Every chart says in words what it draws.
    const summary = await page.locator("#timeline-api-summary").textContent();
    assert.match(summary ?? "", /^api: 3 desired, \d running/);
    // The ALB edge's live rate counts the requests just made.
    const rate = page.locator('tr[data-edge^="alb|"] td').nth(2);
    await waitUntil(
      async () => (Number.parseFloat((await rate.textContent()) ?? "") > 0 ? true : undefined),
      10_000,
      "a request rate on the ALB edge",
    );
  });

  test("a screenshot is kept as a test artifact", async (t) => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, "dashboard.png");
    rmSync(file, { force: true });
    await page.screenshot({ path: file, fullPage: true });
    assert.ok(statSync(file).size > 10_000, `${file} holds an image`);
    t.diagnostic(`screenshot: ${file}`);
  });

  test("the keyboard reaches the links and controls, and the focus is visible", async () => {
    await page.goto(dashboardUrl);
    await page.getByRole("heading", { level: 3, name: "api", exact: true }).waitFor();
    const reached: string[] = [];
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press("Tab");
      const focused = await page.evaluate(() => {
        const element = document.activeElement;
        if (element === null || element === document.body) return undefined;
        const style = getComputedStyle(element);
        return {
          name: `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ""}:${element.textContent?.trim().slice(0, 30)}`,
          outlined: style.outlineStyle !== "none" && Number.parseFloat(style.outlineWidth) >= 2,
        };
      });
      if (focused === undefined) continue;
      assert.ok(focused.outlined, `${focused.name} shows where the focus is`);
      reached.push(focused.name);
    }
    assert.match(reached[0] ?? "", /^a:Skip to the content/);
    assert.ok(
      reached.some((name) => name.startsWith("a:Services and tasks")),
      reached.join("\n"),
    );
    assert.ok(
      reached.some((name) => name.startsWith("select#service-filter")),
      reached.join("\n"),
    );
    assert.ok(
      reached.some((name) => name.startsWith("button:Pause log tail")),
      reached.join("\n"),
    );
    // The controls work from the keyboard: pick a service, pause the tail.
    await page.getByLabel("Service", { exact: true }).focus();
    await page.getByLabel("Service", { exact: true }).selectOption("client");
    await page.getByRole("button", { name: "Pause log tail" }).press("Enter");
    assert.equal(
      await page.getByRole("button", { name: "Resume log tail" }).getAttribute("aria-pressed"),
      "true",
    );
    await page.getByRole("button", { name: "Resume log tail" }).press("Space");
    await page.getByRole("button", { name: "Pause log tail" }).waitFor();
    assert.deepEqual(pageErrors, [], "no error on the page all along");
  });

  test("no task can reach the dashboard: it listens on the host's loopback only", async () => {
    const probe = await cli(stateDir, [
      "exec",
      "client",
      "--",
      "sh",
      "-c",
      `curl -s -o /dev/null -w '%{http_code}' --max-time 3 ${dashboardUrl}; echo " exit=$?"`,
    ]);
    assert.equal(probe.code, 0, probe.stderr);
    // 000 and exit 7: nothing listens on that address inside the task's network namespace.
    assert.equal(probe.stdout.trim(), "000 exit=7");
  });
});
